//! Form fields in the government pattern: a label, an optional hint, the error message under
//! the label, all tied to the control with `for`/`id` and `aria-describedby`; and the error
//! summary that lists every problem as a link to its field.

use leptos::html::Div;
use leptos::prelude::*;

use super::{after_pointer_release, focus_id};

/// Ids for `aria-describedby`: the hint when there is one, the error while there is one.
fn described_by(
    id: &str,
    has_hint: bool,
    error: Signal<Option<String>>,
) -> impl Fn() -> Option<String> + Send + Sync + 'static + use<> {
    let hint_id = has_hint.then(|| format!("{id}-hint"));
    let error_id = format!("{id}-error");
    move || {
        let ids: Vec<&str> = hint_id
            .as_deref()
            .into_iter()
            .chain(error.with(Option::is_some).then_some(error_id.as_str()))
            .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

#[component]
fn Hint(id: String, text: &'static str, list: Vec<String>) -> impl IntoView {
    view! {
        <div id=format!("{id}-hint") class="field-hint">
            {(!text.is_empty()).then(|| view! { <p>{text}</p> })}
            {(!list.is_empty())
                .then(|| {
                    view! {
                        <ul>{list.into_iter().map(|item| view! { <li>{item}</li> }).collect_view()}</ul>
                    }
                })}
        </div>
    }
}

#[component]
fn ErrorMessage(id: String, error: Signal<Option<String>>) -> impl IntoView {
    let id = format!("{id}-error");
    move || {
        error.get().map(|message| {
            view! {
                <p id=id.clone() class="error-message">
                    <span class="visually-hidden">"Error: "</span>
                    {message}
                </p>
            }
        })
    }
}

fn field_class(error: Signal<Option<String>>) -> impl Fn() -> &'static str {
    move || {
        if error.with(Option::is_some) {
            "field field-invalid"
        } else {
            "field"
        }
    }
}

/// A labelled text input (or textarea, with `multiline`).
#[component]
pub fn TextField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "")] hint: &'static str,
    #[prop(optional)] hint_list: Vec<String>,
    /// Marks the label "(optional)".
    #[prop(optional)]
    optional: bool,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] multiline: bool,
    #[prop(optional_no_strip)] on_blur: Option<Callback<()>>,
    #[prop(optional_no_strip)] on_input: Option<Callback<()>>,
) -> impl IntoView {
    let has_hint = !hint.is_empty() || !hint_list.is_empty();
    let describedby = described_by(&id, has_hint, error);
    let invalid = move || error.with(Option::is_some).then_some("true");
    let input = move |ev: leptos::ev::Event| {
        value.set(event_target_value(&ev));
        if let Some(on_input) = on_input {
            on_input.run(());
        }
    };
    let blur = move |_| {
        if let Some(on_blur) = on_blur {
            // The page may be gone by then (the press was on a link away from it).
            after_pointer_release(move || {
                on_blur.try_run(());
            });
        }
    };
    let control = if multiline {
        view! {
            <textarea
                id=id.clone()
                name=id.clone()
                class="input textarea"
                rows="4"
                prop:value=move || value.get()
                aria-describedby=describedby
                aria-invalid=invalid
                on:input=input
                on:blur=blur
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                name=id.clone()
                type=input_type
                class="input"
                autocomplete=autocomplete
                spellcheck="false"
                prop:value=move || value.get()
                aria-describedby=describedby
                aria-invalid=invalid
                on:input=input
                on:blur=blur
            />
        }
        .into_any()
    };
    view! {
        <div class=field_class(error)>
            <label for=id.clone() class="field-label">
                {label}
                {optional.then(|| view! { <span class="optional">" (optional)"</span> })}
            </label>
            {has_hint.then(|| view! { <Hint id=id.clone() text=hint list=hint_list /> })}
            <ErrorMessage id=id.clone() error />
            {control}
        </div>
    }
}

/// A Yes/No question as a radio group in a fieldset; the radios' ids are `{id}-yes`, `{id}-no`.
#[component]
pub fn YesNoField(
    #[prop(into)] id: String,
    legend: &'static str,
    value: RwSignal<Option<bool>>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "")] hint: &'static str,
    #[prop(optional_no_strip)] on_change: Option<Callback<()>>,
) -> impl IntoView {
    let has_hint = !hint.is_empty();
    let describedby = described_by(&id, has_hint, error);
    let radio = |suffix: &'static str, label: &'static str, choice: bool| {
        let radio_id = format!("{id}-{suffix}");
        view! {
            <div class="radio">
                <input
                    type="radio"
                    id=radio_id.clone()
                    name=id.clone()
                    value=suffix
                    prop:checked=move || value.get() == Some(choice)
                    on:change=move |_| {
                        value.set(Some(choice));
                        if let Some(on_change) = on_change {
                            on_change.run(());
                        }
                    }
                />
                <label for=radio_id>{label}</label>
            </div>
        }
    };
    view! {
        <div class=field_class(error)>
            <fieldset class="fieldset" aria-describedby=describedby>
                <legend class="field-label">{legend}</legend>
                {has_hint.then(|| view! { <Hint id=id.clone() text=hint list=Vec::new() /> })}
                <ErrorMessage id=id.clone() error />
                <div class="radios radios-inline">
                    {radio("yes", "Yes", true)} {radio("no", "No", false)}
                </div>
            </fieldset>
        </div>
    }
}

/// A labelled select. `options` are `(value, text)`; an empty value is the "choose" option.
#[component]
pub fn SelectField(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    options: Vec<(&'static str, &'static str)>,
    #[prop(into, optional)] error: Signal<Option<String>>,
    #[prop(optional_no_strip)] on_change: Option<Callback<()>>,
) -> impl IntoView {
    let describedby = described_by(&id, false, error);
    view! {
        <div class=field_class(error)>
            <label for=id.clone() class="field-label">
                {label}
            </label>
            <ErrorMessage id=id.clone() error />
            <select
                id=id.clone()
                name=id.clone()
                class="select"
                aria-describedby=describedby
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                on:change=move |ev| {
                    value.set(event_target_value(&ev));
                    if let Some(on_change) = on_change {
                        on_change.run(());
                    }
                }
            >
                {options
                    .into_iter()
                    .map(|(option, text)| {
                        view! {
                            <option value=option prop:selected=move || value.with(|v| v == option)>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}

/// One entry of the error summary: the message, and the id of the control it links to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SummaryItem {
    pub target: Option<String>,
    pub message: String,
}

/// "There is a problem": every error of the form as a link that focuses its field. The page
/// focuses `node_ref` after a failed submit so that screen readers read the list first.
#[component]
pub fn ErrorSummary(
    #[prop(into)] items: Signal<Vec<SummaryItem>>,
    node_ref: NodeRef<Div>,
    /// Distinguishes summaries when a dialog's form sits over a page's form.
    #[prop(default = "error-summary")]
    id: &'static str,
) -> impl IntoView {
    let heading_id = format!("{id}-title");
    view! {
        <div
            id=id
            class="error-summary"
            tabindex="-1"
            aria-labelledby=heading_id.clone()
            node_ref=node_ref
            data-testid="error-summary"
            hidden=move || items.with(Vec::is_empty)
        >
            <h2 id=heading_id.clone() class="error-summary-title">
                "There is a problem"
            </h2>
            <ul class="error-summary-list">
                <For
                    each=move || items.get()
                    key=|item| item.clone()
                    children=|item| {
                        match item.target {
                            Some(target) => {
                                let href = format!("#{target}");
                                view! {
                                    <li>
                                        <a
                                            href=href
                                            on:click=move |ev| {
                                                ev.prevent_default();
                                                focus_id(&target);
                                            }
                                        >
                                            {item.message}
                                        </a>
                                    </li>
                                }
                                    .into_any()
                            }
                            None => view! { <li>{item.message}</li> }.into_any(),
                        }
                    }
                />
            </ul>
        </div>
    }
}

/// A submit button that shows progress and refuses a second press while a request is pending.
#[component]
pub fn SubmitButton(
    #[prop(into)] pending: Signal<bool>,
    label: &'static str,
    pending_label: &'static str,
) -> impl IntoView {
    view! {
        <button
            type="submit"
            class="btn btn-primary"
            disabled=move || pending.get()
        >
            {move || {
                if pending.get() {
                    view! {
                        <span class="spinner" aria-hidden="true"></span>
                        <span>{pending_label}</span>
                    }
                        .into_any()
                } else {
                    label.into_any()
                }
            }}
        </button>
    }
}
