//! Status tags: the status in words with an icon, so that colour is never the only signal.

use invite_core::api::{BatchRowStatus, SeedStatus, TechpassStatus};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Success,
    Pending,
    Danger,
    Neutral,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Success => "tag tag-success",
            Tone::Pending => "tag tag-pending",
            Tone::Danger => "tag tag-danger",
            Tone::Neutral => "tag tag-neutral",
        }
    }

    fn icon(self) -> &'static str {
        match self {
            Tone::Success => "✓",
            Tone::Pending => "◷",
            Tone::Danger => "!",
            Tone::Neutral => "–",
        }
    }
}

/// Anything shown as a tag: its words and its tone.
pub trait Tagged {
    fn tag(self) -> (Tone, &'static str);
}

impl Tagged for TechpassStatus {
    fn tag(self) -> (Tone, &'static str) {
        let tone = match self {
            TechpassStatus::Pending => Tone::Pending,
            TechpassStatus::Onboarded => Tone::Success,
            TechpassStatus::Failed => Tone::Danger,
            TechpassStatus::Revoked | TechpassStatus::Expired => Tone::Neutral,
        };
        (tone, self.label())
    }
}

impl Tagged for SeedStatus {
    fn tag(self) -> (Tone, &'static str) {
        let tone = match self {
            SeedStatus::NotRequired => Tone::Neutral,
            SeedStatus::Pending => Tone::Pending,
            SeedStatus::Onboarded => Tone::Success,
            SeedStatus::Failed => Tone::Danger,
            SeedStatus::Expired => Tone::Neutral,
        };
        (tone, self.label())
    }
}

impl Tagged for BatchRowStatus {
    fn tag(self) -> (Tone, &'static str) {
        match self {
            BatchRowStatus::Valid => (Tone::Success, "Valid"),
            BatchRowStatus::Invalid => (Tone::Danger, "Invalid"),
            BatchRowStatus::Submitted => (Tone::Success, "Submitted"),
            BatchRowStatus::Failed => (Tone::Danger, "Failed"),
        }
    }
}

#[component]
pub fn StatusTag(status: impl Tagged) -> impl IntoView {
    let (tone, text) = status.tag();
    view! {
        <span class=tone.class()>
            <span class="tag-icon" aria-hidden="true">
                {tone.icon()}
            </span>
            {text}
        </span>
    }
}
