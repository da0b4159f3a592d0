//! Email invitation: invite a public officer.

use leptos::prelude::*;

use super::invite_form::InvitePage;
use crate::components::invitation_form::FormKind;
use crate::routes::AppRoute;

#[component]
pub fn EmailInvitationPage() -> impl IntoView {
    view! {
        <InvitePage
            kind=FormKind::EmailInvitation
            route=AppRoute::EmailInvitation
            intro="Invite a public officer to TechPass. The invitation is recorded and listed on Invite User Status."
        />
    }
}
