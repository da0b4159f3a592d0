//! API keys and webhooks: how an agency system acts for the officer (an API key) and learns of
//! every status change of their invitations (a webhook endpoint). Secrets are shown once.

use invite_core::api::{
    ApiKey, InvitationEventType, JobState, Problem, WebhookDelivery, WebhookEndpoint,
    WebhookEndpointDraft,
};
use invite_core::api_key::{ApiKeyName, rule as name_rule};
use leptos::prelude::*;
use uuid::Uuid;

use crate::api::use_api;
use crate::components::copy::CopyButton;
use crate::components::dialog::Dialog;
use crate::components::field::TextField;
use crate::components::history_dialog::event_text;
use crate::components::notification::use_notifier;
use crate::components::set_title;
use crate::routes::AppRoute;
use crate::time;

/// The event types a new endpoint starts with: the status changes an HR system acts on.
const DEFAULT_TYPES: [InvitationEventType; 4] = [
    InvitationEventType::Sent,
    InvitationEventType::Onboarded,
    InvitationEventType::Failed,
    InvitationEventType::Expired,
];

/// The message of `problem`'s error on `field`, if it has one.
fn field_message(problem: &Problem, field: &str) -> Option<String> {
    problem
        .errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.clone())
}

/// A secret shown once, with its copy button.
#[component]
fn SecretOnce(title: &'static str, secret: String) -> impl IntoView {
    let text = secret.clone();
    view! {
        <div class="alert alert-success secret-once" role="status">
            <p>
                <strong>{title}</strong>
                " Copy it now: it is shown only once."
            </p>
            <p>
                <code data-testid="new-secret">{secret}</code>
                " "
                <CopyButton text />
            </p>
        </div>
    }
}

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    set_title(AppRoute::Integrations.title());
    view! {
        <h1>{AppRoute::Integrations.title()}</h1>
        <p class="lead">
            "Let your agency's system invite users on your behalf with an API key, and tell it of every status change through a webhook. The REST API and its documentation are at "
            <a href="/swagger-ui/" rel="external">"/swagger-ui/"</a>
            "."
        </p>
        <ApiKeys />
        <Webhooks />
    }
}

#[component]
fn ApiKeys() -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let keys = RwSignal::new(None::<Vec<ApiKey>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match api.api_keys().await {
                Ok(list) => {
                    let _ = keys.try_set(Some(list.items));
                }
                Err(problem) => notifier.show(problem),
            }
        });
    };
    reload();

    let name = RwSignal::new(String::new());
    let name_error = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);
    let created = RwSignal::new(None::<String>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = name.get_untracked();
        if ApiKeyName::parse(&text).is_err() {
            name_error.set(Some(name_rule()));
            return;
        }
        name_error.set(None);
        creating.set(true);
        created.set(None);
        leptos::task::spawn_local(async move {
            match api.create_api_key(text.trim()).await {
                Ok(key) => {
                    created.set(Some(key.secret));
                    name.set(String::new());
                    reload();
                }
                Err(problem) => {
                    name_error.set(field_message(&problem, "name"));
                    notifier.show(problem);
                }
            }
            creating.set(false);
        });
    };

    let to_revoke = RwSignal::new(None::<ApiKey>);
    let revoking = RwSignal::new(false);
    let confirm_revoke = move |_| {
        let Some(key) = to_revoke.get_untracked() else {
            return;
        };
        revoking.set(true);
        leptos::task::spawn_local(async move {
            if let Err(problem) = api.revoke_api_key(key.id).await {
                notifier.show(problem);
            }
            to_revoke.set(None);
            revoking.set(false);
            reload();
        });
    };

    let rows = move || {
        match keys.get() {
        None => view! { <tr><td colspan="5" class="table-empty">"Loading your API keys…"</td></tr> }.into_any(),
        Some(list) if list.is_empty() => {
            view! { <tr><td colspan="5" class="table-empty">"No API keys yet."</td></tr> }.into_any()
        }
        Some(list) => list
            .into_iter()
            .map(|key| {
                let last_used = key
                    .last_used_at
                    .map_or_else(|| "Never".to_owned(), time::date_time);
                let action = match key.revoked_at {
                    Some(at) => view! { <span class="cell-hint">{format!("Revoked {}", time::date(at))}</span> }.into_any(),
                    None => {
                        let revoked = key.clone();
                        view! {
                            <button
                                type="button"
                                class="btn btn-secondary btn-small"
                                aria-label=format!("Revoke API key {}", key.name)
                                on:click=move |_| to_revoke.set(Some(revoked.clone()))
                            >
                                "Revoke"
                            </button>
                        }
                        .into_any()
                    }
                };
                view! {
                    <tr>
                        <td>{key.name.clone()}</td>
                        <td><code>{format!("{}…", key.prefix)}</code></td>
                        <td class="cell-date">{time::date(key.created_at)}</td>
                        <td class="cell-date">{last_used}</td>
                        <td class="cell-actions">{action}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any(),
    }
    };

    view! {
        <section class="card" aria-labelledby="api-keys-title">
            <h2 id="api-keys-title">"API keys"</h2>
            <p>"A key acts for you: what your system does with it is done in your name. It cannot manage keys."</p>
            <form class="inline-form" on:submit=create>
                <TextField id="api-key-name" label="Name" hint="What uses it, e.g. HR onboarding system." value=name error=name_error />
                <button type="submit" class="btn btn-primary" disabled=move || creating.get()>
                    {move || if creating.get() { "Creating…" } else { "Create API key" }}
                </button>
            </form>
            {move || created.get().map(|secret| view! { <SecretOnce title="Your new API key." secret /> })}
            <div class="table-wrap" role="region" aria-labelledby="api-keys-caption" tabindex="0">
                <table class="table" data-testid="api-keys-table">
                    <caption id="api-keys-caption" class="visually-hidden">"Your API keys"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Key"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Show when=move || to_revoke.with(Option::is_some)>
                <Dialog id="revoke-key-dialog" title="Revoke this API key?" on_close=Callback::new(move |()| to_revoke.set(None))>
                    <p>
                        "Systems using " <strong>{move || to_revoke.get().map(|k| k.name).unwrap_or_default()}</strong>
                        " are refused from now on. You cannot undo this."
                    </p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" disabled=move || revoking.get() on:click=confirm_revoke>
                            "Revoke API key"
                        </button>
                        <button type="button" class="btn btn-secondary" on:click=move |_| to_revoke.set(None)>
                            "Cancel"
                        </button>
                    </div>
                </Dialog>
            </Show>
        </section>
    }
}

#[component]
fn Webhooks() -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let endpoints = RwSignal::new(None::<Vec<WebhookEndpoint>>);
    let reload = move || {
        leptos::task::spawn_local(async move {
            match api.webhooks().await {
                Ok(list) => {
                    let _ = endpoints.try_set(Some(list.items));
                }
                Err(problem) => notifier.show(problem),
            }
        });
    };
    reload();

    let url = RwSignal::new(String::new());
    let url_error = RwSignal::new(None::<String>);
    let description = RwSignal::new(String::new());
    let chosen = RwSignal::new(DEFAULT_TYPES.to_vec());
    let types_error = RwSignal::new(None::<String>);
    let creating = RwSignal::new(false);
    // The secret of an endpoint just created or rotated, shown once.
    let secret = RwSignal::new(None::<(&'static str, String)>);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let draft = WebhookEndpointDraft {
            url: url.get_untracked().trim().to_owned(),
            event_types: chosen.get_untracked(),
            description: Some(description.get_untracked()).filter(|d| !d.trim().is_empty()),
        };
        url_error.set(
            draft
                .url
                .is_empty()
                .then(|| "Enter the URL of your endpoint.".to_owned()),
        );
        types_error.set(
            draft
                .event_types
                .is_empty()
                .then(|| "Choose at least one event.".to_owned()),
        );
        if draft.url.is_empty() || draft.event_types.is_empty() {
            return;
        }
        creating.set(true);
        secret.set(None);
        leptos::task::spawn_local(async move {
            match api.create_webhook(&draft).await {
                Ok(created) => {
                    secret.set(Some(("Your endpoint's signing secret.", created.secret)));
                    url.set(String::new());
                    description.set(String::new());
                    reload();
                }
                Err(problem) => {
                    url_error.set(field_message(&problem, "url"));
                    types_error.set(field_message(&problem, "event_types"));
                    notifier.show(problem);
                }
            }
            creating.set(false);
        });
    };
    let rotate = Callback::new(move |id: Uuid| {
        leptos::task::spawn_local(async move {
            match api.rotate_webhook_secret(id).await {
                Ok(rotated) => {
                    secret.set(Some((
                        "The endpoint's new signing secret. The old one keeps signing too for 24 hours.",
                        rotated.secret,
                    )));
                    reload();
                }
                Err(problem) => notifier.show(problem),
            }
        });
    });
    let to_delete = RwSignal::new(None::<WebhookEndpoint>);
    let confirm_delete = move |_| {
        let Some(endpoint) = to_delete.get_untracked() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Err(problem) = api.delete_webhook(endpoint.id).await {
                notifier.show(problem);
            }
            to_delete.set(None);
            reload();
        });
    };

    let list = move || {
        match endpoints.get() {
        None => view! { <p class="loading" role="status">"Loading your webhooks…"</p> }.into_any(),
        Some(list) if list.is_empty() => view! { <p class="table-empty">"No webhook endpoints yet."</p> }.into_any(),
        Some(list) => view! {
            <ul class="endpoints" data-testid="webhooks-list">
                {list
                    .into_iter()
                    .map(|endpoint| view! { <Endpoint endpoint rotate ask_delete=Callback::new(move |e| to_delete.set(Some(e))) /> })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card" aria-labelledby="webhooks-title">
            <h2 id="webhooks-title">"Webhooks"</h2>
            <p>
                "Each change of your invitations is POSTed to your endpoint within seconds, signed per Standard Webhooks (headers webhook-id, webhook-timestamp and webhook-signature). A failed delivery is tried again for about half an hour."
            </p>
            <form class="stacked-form" on:submit=create>
                <TextField id="webhook-url" label="Endpoint URL" hint="https://… on the internet." input_type="url" value=url error=url_error />
                <fieldset class="checkbox-group" aria-describedby="webhook-types-error">
                    <legend>"Events"</legend>
                    {InvitationEventType::ALL
                        .iter()
                        .map(|&event_type| {
                            let id = format!("event-{}", event_type.as_str().replace('.', "-"));
                            view! {
                                <div class="checkbox">
                                    <input
                                        type="checkbox"
                                        id=id.clone()
                                        prop:checked=move || chosen.with(|c| c.contains(&event_type))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| {
                                                c.retain(|t| *t != event_type);
                                                if on {
                                                    c.push(event_type);
                                                }
                                            });
                                        }
                                    />
                                    <label for=id>{event_text(event_type)} " " <code>{event_type.as_str()}</code></label>
                                </div>
                            }
                        })
                        .collect_view()}
                    <p id="webhook-types-error" class="field-error" hidden=move || types_error.with(Option::is_none)>
                        {move || types_error.get()}
                    </p>
                </fieldset>
                <TextField id="webhook-description" label="Description" optional=true value=description error=Signal::stored(None::<String>) />
                <button type="submit" class="btn btn-primary" disabled=move || creating.get()>
                    {move || if creating.get() { "Adding…" } else { "Add endpoint" }}
                </button>
            </form>
            {move || secret.get().map(|(title, secret)| view! { <SecretOnce title secret /> })}
            {list}
            <Show when=move || to_delete.with(Option::is_some)>
                <Dialog id="delete-webhook-dialog" title="Delete this endpoint?" on_close=Callback::new(move |()| to_delete.set(None))>
                    <p>
                        <strong>{move || to_delete.get().map(|e| e.url).unwrap_or_default()}</strong>
                        " gets nothing more, not even the events still on their way."
                    </p>
                    <div class="form-actions">
                        <button type="button" class="btn btn-danger" on:click=confirm_delete>"Delete endpoint"</button>
                        <button type="button" class="btn btn-secondary" on:click=move |_| to_delete.set(None)>"Cancel"</button>
                    </div>
                </Dialog>
            </Show>
        </section>
    }
}

fn state_text(delivery: &WebhookDelivery) -> String {
    match delivery.state {
        JobState::Done => "Delivered".into(),
        JobState::Dead => "Failed".into(),
        JobState::Cancelled => "Cancelled".into(),
        JobState::Pending => match delivery.next_attempt_at {
            Some(at) if delivery.attempts > 0 => format!("Retrying at {}", time::date_time(at)),
            _ => "Waiting".into(),
        },
    }
}

/// One endpoint: what it receives, its actions, and its delivery log on demand.
#[component]
fn Endpoint(
    endpoint: WebhookEndpoint,
    rotate: Callback<Uuid>,
    ask_delete: Callback<WebhookEndpoint>,
) -> impl IntoView {
    let api = use_api();
    let notifier = use_notifier();
    let id = endpoint.id;
    let log = RwSignal::new(None::<Vec<WebhookDelivery>>);
    let open = RwSignal::new(false);
    let toggle_log = move |_| {
        if open.get_untracked() {
            open.set(false);
            return;
        }
        open.set(true);
        leptos::task::spawn_local(async move {
            match api.webhook_deliveries(id).await {
                Ok(page) => {
                    let _ = log.try_set(Some(page.items));
                }
                Err(problem) => notifier.show(problem),
            }
        });
    };
    let types = endpoint
        .event_types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let deleted = endpoint.clone();
    let log_view = move || {
        open.get().then(|| match log.get() {
            None => {
                view! { <p class="loading" role="status">"Loading the deliveries…"</p> }.into_any()
            }
            Some(items) if items.is_empty() => {
                view! { <p class="table-empty">"Nothing delivered yet."</p> }.into_any()
            }
            Some(items) => view! {
                <table class="table" data-testid="deliveries-table">
                    <caption class="visually-hidden">"Deliveries"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Result"</th>
                            <th scope="col">"Attempts"</th>
                            <th scope="col">"Last error"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {items
                            .into_iter()
                            .map(|d| view! {
                                <tr>
                                    <td class="cell-date">{time::date_time(d.created_at)}</td>
                                    <td><code>{d.event_type.as_str()}</code></td>
                                    <td>{state_text(&d)}</td>
                                    <td class="cell-number">{d.attempts}</td>
                                    <td>{d.last_error.clone().unwrap_or_default()}</td>
                                </tr>
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <li class="endpoint">
            <p class="endpoint-url"><code>{endpoint.url.clone()}</code></p>
            {endpoint.description.clone().map(|d| view! { <p>{d}</p> })}
            <p class="cell-hint">{format!("Receives: {types}")}</p>
            <div class="form-actions">
                <button type="button" class="btn btn-secondary btn-small" aria-expanded=move || open.get().to_string() on:click=toggle_log>
                    "Delivery log"
                </button>
                <button type="button" class="btn btn-secondary btn-small" on:click=move |_| rotate.run(id)>
                    "Rotate secret"
                </button>
                <button type="button" class="btn btn-secondary btn-small" on:click=move |_| ask_delete.run(deleted.clone())>
                    "Delete"
                </button>
            </div>
            {log_view}
        </li>
    }
}
