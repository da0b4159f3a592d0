//! Create account: invite a vendor, creating their TechPass account.

use leptos::prelude::*;

use super::invite_form::InvitePage;
use crate::components::invitation_form::FormKind;
use crate::routes::AppRoute;

#[component]
pub fn CreateAccountPage() -> impl IntoView {
    view! {
        <InvitePage
            kind=FormKind::CreateAccount
            route=AppRoute::CreateAccount
            intro="Create a TechPass account for a vendor. TechPass creates it, the vendor gets an email to activate it, and you follow it on Invite User Status."
        />
    }
}
