//! Invite Users, the officer SPA: Leptos, client-side rendered, compiled to WebAssembly.

mod api;
mod app;
mod components;
mod oidc;
mod pages;
mod routes;
mod session;
mod time;

fn main() {
    // Only a browser can run the app; natively this binary exists for `cargo test`.
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(app::App);
}
