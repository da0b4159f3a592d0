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
            intro="Invite a public officer to TechPass. They get an email with a sign-up link, and you follow their onboarding on Invite User Status."
        />
    }
}
