//! The invitation form's state and fields, shared by Email invitation, Create account and the
//! batch row dialog. Every check is `invite_core`'s: `InvitationDraft::field_error` when a field
//! is left (or typed in, for the username), `InvitationDraft::parse` on submit.

use invite_core::api::{BatchRow, UserType};
use invite_core::{Field, FieldError, InvitationDraft, limits};
use leptos::prelude::*;

use super::field::{SelectField, SummaryItem, TextField, YesNoField};

/// Which form this is; decides its fields, their order and their hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// Email invitation: a public officer.
    EmailInvitation,
    /// Create account: a vendor.
    CreateAccount,
    /// A row of an uploaded batch (View details): either kind.
    BatchRow,
}

impl FormKind {
    /// The fields shown, in page order (the guide's).
    pub fn fields(self) -> &'static [Field] {
        match self {
            FormKind::EmailInvitation => &[Field::Email, Field::SeedRequired, Field::Reason],
            FormKind::CreateAccount => &[
                Field::Email,
                Field::TechpassUsername,
                Field::FirstName,
                Field::LastName,
                Field::ContactNumber,
                Field::Organisation,
                Field::Department,
                Field::SeedRequired,
                Field::Reason,
            ],
            FormKind::BatchRow => &[
                Field::UserType,
                Field::Email,
                Field::TechpassUsername,
                Field::FirstName,
                Field::LastName,
                Field::ContactNumber,
                Field::Organisation,
                Field::Department,
                Field::SeedRequired,
                Field::Reason,
            ],
        }
    }

    fn user_type(self) -> &'static str {
        match self {
            FormKind::EmailInvitation => UserType::PublicOfficer.as_str(),
            FormKind::CreateAccount => UserType::Vendor.as_str(),
            FormKind::BatchRow => "",
        }
    }

    /// Keeps ids unique when the row dialog opens over the batch page.
    fn id_prefix(self) -> &'static str {
        match self {
            FormKind::BatchRow => "row-",
            FormKind::EmailInvitation | FormKind::CreateAccount => "",
        }
    }
}

/// The TechPass username rules, as the guide words them.
pub fn username_rules() -> Vec<String> {
    vec![
        "Start and end with a letter or a digit.".to_owned(),
        "Contain only letters, digits, '_', ' ' (space), '-' or '.'.".to_owned(),
        "Not contain two consecutive dots ('..').".to_owned(),
        format!(
            "Be {} to {} characters long.",
            limits::USERNAME_MIN,
            limits::USERNAME_MAX
        ),
    ]
}

/// The values and errors of one invitation form.
#[derive(Debug, Clone, Copy)]
pub struct InvitationForm {
    kind: FormKind,
    /// The text of every text field, indexed by `Field::index`; `seed_required`'s slot is unused.
    texts: [RwSignal<String>; Field::ALL.len()],
    seed_required: RwSignal<Option<bool>>,
    errors: RwSignal<Vec<FieldError>>,
    /// Whether a submit was tried: the error summary shows only then.
    submitted: RwSignal<bool>,
}

impl InvitationForm {
    pub fn new(kind: FormKind) -> Self {
        let form = Self {
            kind,
            texts: std::array::from_fn(|_| RwSignal::default()),
            seed_required: RwSignal::default(),
            errors: RwSignal::default(),
            submitted: RwSignal::default(),
        };
        form.user_type().set(kind.user_type().to_owned());
        form
    }

    /// The id of a field's control (the "Yes" radio for the SEED question).
    pub fn control_id(&self, field: Field) -> String {
        match field {
            Field::SeedRequired => format!("{}-yes", self.field_id(field)),
            _ => self.field_id(field),
        }
    }

    fn field_id(&self, field: Field) -> String {
        format!("{}{}", self.kind.id_prefix(), field.as_str())
    }

    /// The signal of a text field; `None` for `seed_required`.
    fn text(&self, field: Field) -> Option<RwSignal<String>> {
        (field != Field::SeedRequired).then(|| self.texts[field.index()])
    }

    fn user_type(&self) -> RwSignal<String> {
        self.texts[Field::UserType.index()]
    }

    /// The form as entered; fields this form does not show stay empty (the user type is set by
    /// the form itself when it is not shown).
    pub fn draft(&self) -> InvitationDraft {
        let shown = self.kind.fields();
        let mut draft = InvitationDraft {
            seed_required: self.seed_required.get_untracked(),
            ..Default::default()
        };
        for field in Field::ALL {
            if let Some(text) = self.text(field)
                && (field == Field::UserType || shown.contains(&field))
            {
                draft.set_text(field, text.get_untracked());
            }
        }
        draft
    }

    /// Fills the form from a batch row, showing the row's errors.
    pub fn load_row(&self, row: &BatchRow) {
        for field in Field::ALL {
            if let (Some(signal), Some(text)) = (self.text(field), row.fields.text(field)) {
                signal.set(text.to_owned());
            }
        }
        // The sheet says "Public officer"; the select uses the wire names.
        if let Ok(user_type) = UserType::parse(&row.fields.user_type) {
            self.user_type().set(user_type.as_str().to_owned());
        }
        self.seed_required.set(row.fields.seed_required);
        let errors = row
            .errors
            .iter()
            .map(|e| FieldError {
                field: e.field.clone(),
                code: e.code.clone(),
                message: e.message.clone(),
            })
            .collect();
        self.show_errors(errors);
    }

    /// Empties the form after a successful submit.
    pub fn reset(&self) {
        for text in self.texts {
            text.set(String::new());
        }
        self.user_type().set(self.kind.user_type().to_owned());
        self.seed_required.set(None);
        self.errors.set(Vec::new());
        self.submitted.set(false);
    }

    /// Re-checks one field, as when it is left.
    pub fn check(&self, field: Field) {
        let error = self.draft().field_error(field);
        self.errors.update(|errors| {
            errors.retain(|e| e.field != field.as_str());
            errors.extend(error);
        });
    }

    /// Checks the whole form, as on submit: the draft to send, or `None` with every error shown.
    pub fn check_all(&self) -> Option<InvitationDraft> {
        let draft = self.draft();
        match draft.parse() {
            Ok(_) => {
                self.errors.set(Vec::new());
                self.submitted.set(false);
                Some(draft)
            }
            Err(errors) => {
                self.show_errors(errors);
                None
            }
        }
    }

    /// Shows errors found elsewhere (the server's), with the summary.
    pub fn show_errors(&self, errors: Vec<FieldError>) {
        self.submitted.set(!errors.is_empty());
        self.errors.set(errors);
    }

    pub fn error(&self, field: Field) -> Signal<Option<String>> {
        let errors = self.errors;
        Signal::derive(move || {
            errors.with(|errors| {
                errors
                    .iter()
                    .find(|e| e.field == field.as_str())
                    .map(|e| e.message.clone())
            })
        })
    }

    /// The error summary's entries, in page order; errors of fields not on the form come last,
    /// without a link.
    pub fn summary(&self) -> Signal<Vec<SummaryItem>> {
        let form = *self;
        Signal::derive(move || {
            if !form.submitted.get() {
                return Vec::new();
            }
            let shown = form.kind.fields();
            let mut items: Vec<(usize, SummaryItem)> = form.errors.with(|errors| {
                errors
                    .iter()
                    .map(|error| {
                        let field = Field::from_name(&error.field).filter(|f| shown.contains(f));
                        let position = field
                            .and_then(|f| shown.iter().position(|s| *s == f))
                            .unwrap_or(shown.len());
                        let target = field.map(|f| form.control_id(f));
                        (
                            position,
                            SummaryItem {
                                target,
                                message: error.message.clone(),
                            },
                        )
                    })
                    .collect()
            });
            items.sort_by_key(|(position, _)| *position);
            items.into_iter().map(|(_, item)| item).collect()
        })
    }
}

/// The form's fields, in order, each validated when left.
#[component]
pub fn InvitationFields(form: InvitationForm) -> impl IntoView {
    form.kind
        .fields()
        .iter()
        .map(|field| field_view(form, *field))
        .collect_view()
}

fn field_view(form: InvitationForm, field: Field) -> AnyView {
    let kind = form.kind;
    let check = Some(Callback::new(move |()| form.check(field)));
    // While a field shows an error, check it as it is typed in, so the error goes as soon as
    // it is fixed.
    let recheck = Some(Callback::new(move |()| {
        if form
            .errors
            .with_untracked(|e| e.iter().any(|e| e.field == field.as_str()))
        {
            form.check(field);
        }
    }));
    let id = form.field_id(field);
    let error = form.error(field);
    match field {
        Field::UserType => view! {
            <SelectField
                id
                label=field.label()
                value=form.user_type()
                options=vec![
                    ("", "Choose a user type"),
                    (UserType::PublicOfficer.as_str(), UserType::PublicOfficer.label()),
                    (UserType::Vendor.as_str(), UserType::Vendor.label()),
                ]
                error
                on_change=check
            />
        }
        .into_any(),
        Field::SeedRequired => view! {
            <YesNoField
                id
                legend="Is onboarding to SEED required?"
                hint="SEED provisioning is needed to access SGTS products from the Internet device."
                value=form.seed_required
                error
                on_change=check
            />
        }
        .into_any(),
        Field::TechpassUsername => {
            let hint = match kind {
                FormKind::BatchRow => {
                    "Vendors only. You can use the vendor's full name. Usernames must:"
                }
                _ => "You can use the vendor's full name. Usernames must:",
            };
            view! {
                <TextField
                    id
                    label=field.label()
                    value=form.text(field).unwrap_or_default()
                    error
                    hint
                    hint_list=username_rules()
                    autocomplete="off"
                    on_blur=check
                    // The guide's rules are easy to break while typing: show them as they are broken.
                    on_input=check
                />
            }
            .into_any()
        }
        Field::Reason => {
            let hint = match kind {
                FormKind::EmailInvitation => "Why the public officer needs a TechPass account.",
                FormKind::CreateAccount => "Why the vendor needs a TechPass account.",
                FormKind::BatchRow => "Why this user needs a TechPass account.",
            };
            view! {
                <TextField
                    id
                    label=field.label()
                    value=form.text(field).unwrap_or_default()
                    error
                    hint
                    multiline=true
                    on_blur=check
                    on_input=recheck
                />
            }
            .into_any()
        }
        _ => {
            let (hint, input_type, autocomplete) = match (field, kind) {
                (Field::Email, FormKind::EmailInvitation) => (
                    "Must be in the format <your_name>@<agency>.gov.sg.",
                    "email",
                    "off",
                ),
                (Field::Email, FormKind::CreateAccount) => (
                    "Enter the email address provided by the vendor.",
                    "email",
                    "off",
                ),
                (Field::Email, FormKind::BatchRow) => (
                    "Public officers: <your_name>@<agency>.gov.sg. Vendors: the address the vendor provided.",
                    "email",
                    "off",
                ),
                (Field::ContactNumber, _) => {
                    ("For example, 9123 4567 or +65 9123 4567.", "tel", "off")
                }
                _ => ("", "text", "off"),
            };
            let value = form.text(field).unwrap_or_default();
            view! {
                <TextField
                    id
                    label=field.label()
                    value
                    error
                    hint
                    input_type
                    autocomplete
                    optional=field == Field::Department
                    on_blur=check
                    on_input=recheck
                />
            }
            .into_any()
        }
    }
}
