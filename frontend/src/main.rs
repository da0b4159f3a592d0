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
    #[cfg(target_arch = "wasm32")]
    leptos::mount::mount_to_body(app::App);
    // Natively (only `cargo test` builds this crate) there is no page to mount into.
    #[cfg(not(target_arch = "wasm32"))]
    let _ = app::App;
}
