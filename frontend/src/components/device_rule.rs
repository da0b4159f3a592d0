//! The guide's device rule on the pages that invite: when the server says the signed-in
//! officer may not invite from this device, the page shows why instead of its form. (The
//! server refuses those requests anyway; this spares the officer filling a form in vain.)

use leptos::prelude::*;

use crate::session::use_session;

#[component]
pub fn WhenCanInvite(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    move || match session.officer() {
        Some(officer) if !officer.can_invite => view! {
            <div class="alert alert-warning" role="alert" data-testid="device-rule">
                <span class="alert-icon" aria-hidden="true">"!"</span>
                <div>
                    <p class="alert-title">"You cannot invite from this device"</p>
                    <p>{officer.cannot_invite_because.unwrap_or_default()}</p>
                </div>
            </div>
        }
        .into_any(),
        _ => children().into_any(),
    }
}
