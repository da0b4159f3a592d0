//! The invitation request: raw input (`InvitationDraft`, as typed or uploaded) parsed into a
//! typed `InvitationRequest` with every field error collected at once.

use crate::contact_number::ContactNumber;
use crate::email::{Email, PublicOfficerEmail};
use crate::error::{ErrorCode, Field, FieldError};
use crate::invitee::{InvitationDraft, InvitationFields};
use crate::text::{optional_text, required_text};
use crate::username::TechPassUsername;
use crate::vocabulary::UserType;

/// A public officer invited by email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOfficerInvite {
    pub email: PublicOfficerEmail,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub contact_number: Option<ContactNumber>,
    pub organisation: Option<String>,
    pub department: Option<String>,
    pub seed_required: bool,
    pub reason: String,
}

/// A vendor for whom a TechPass account is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorInvite {
    pub email: Email,
    pub techpass_username: TechPassUsername,
    pub first_name: String,
    pub last_name: String,
    pub contact_number: ContactNumber,
    pub organisation: String,
    pub department: Option<String>,
    pub seed_required: bool,
    pub reason: String,
}

/// A valid invitation request. Only obtainable through [`InvitationDraft::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvitationRequest {
    PublicOfficer(PublicOfficerInvite),
    Vendor(VendorInvite),
}

/// Collects field errors while parsing, so that every problem is reported at once.
#[derive(Default)]
struct Collector(Vec<FieldError>);

impl Collector {
    fn check<T>(&mut self, field: Field, result: Result<T, ErrorCode>) -> Option<T> {
        result
            .map_err(|code| self.0.push(FieldError::new(field, code)))
            .ok()
    }

    /// The request when no field failed; else every error, in field order.
    fn finish(
        self,
        request: Option<InvitationRequest>,
    ) -> Result<InvitationRequest, Vec<FieldError>> {
        match request {
            Some(request) if self.0.is_empty() => Ok(request),
            _ => {
                let mut list = self.0;
                list.sort_by_key(|e| Field::ALL.iter().position(|f| f.as_str() == e.field));
                Err(list)
            }
        }
    }
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// Names, number and organisation, parsed; each is present when the invitee type requires it.
struct Details {
    first_name: Option<String>,
    last_name: Option<String>,
    contact_number: Option<ContactNumber>,
    organisation: Option<String>,
}

/// The fields every invitee has, under the same rules whoever is invited.
struct Shared {
    department: Option<String>,
    seed_required: bool,
    reason: String,
}

impl InvitationDraft {
    /// Parses the draft, returning every field error (in field order) when it is not valid.
    ///
    /// Each parser below checks all of its fields before it gives up (`?` comes last), so the
    /// officer sees every problem at once.
    pub fn parse(&self) -> Result<InvitationRequest, Vec<FieldError>> {
        let mut errors = Collector::default();
        let user_type = errors.check(Field::UserType, UserType::parse(&self.user_type));
        let shared = self.shared(&mut errors);
        let request = match user_type {
            // Without a user type we cannot tell which rules apply: check only the email's
            // syntax, which both kinds share.
            None => {
                errors.check(Field::Email, Email::parse(&self.email));
                None
            }
            Some(UserType::PublicOfficer) => self
                .public_officer(&mut errors, shared)
                .map(InvitationRequest::PublicOfficer),
            Some(UserType::Vendor) => self
                .vendor(&mut errors, shared)
                .map(InvitationRequest::Vendor),
        };
        errors.finish(request)
    }

    fn shared(&self, errors: &mut Collector) -> Option<Shared> {
        let department = errors.check(
            Field::Department,
            optional_text(Field::Department, text(&self.department)),
        );
        let seed_required = errors.check(
            Field::SeedRequired,
            self.seed_required.ok_or(ErrorCode::Required),
        );
        let reason = errors.check(Field::Reason, required_text(Field::Reason, &self.reason));
        Some(Shared {
            department: department?,
            seed_required: seed_required?,
            reason: reason?,
        })
    }

    /// Names, contact number and organisation: what TechPass needs to create an account, so
    /// required for vendors and optional for public officers (TechPass has them already).
    fn details(&self, errors: &mut Collector, required: bool) -> Option<Details> {
        let mut text_field = |field: Field, value: &Option<String>| {
            let parsed = optional_text(field, text(value)).and_then(|t| match t {
                None if required => Err(ErrorCode::Required),
                t => Ok(t),
            });
            errors.check(field, parsed)
        };
        let first_name = text_field(Field::FirstName, &self.first_name);
        let last_name = text_field(Field::LastName, &self.last_name);
        let organisation = text_field(Field::Organisation, &self.organisation);
        let contact_number = errors.check(
            Field::ContactNumber,
            match text(&self.contact_number).trim() {
                "" if !required => Ok(None),
                number => ContactNumber::parse(number).map(Some),
            },
        );
        Some(Details {
            first_name: first_name?,
            last_name: last_name?,
            contact_number: contact_number?,
            organisation: organisation?,
        })
    }

    /// Public officers: a gov.sg address; TechPass derives the username from the officer's WOG
    /// account, so none may be given.
    fn public_officer(
        &self,
        errors: &mut Collector,
        shared: Option<Shared>,
    ) -> Option<PublicOfficerInvite> {
        let email = errors.check(Field::Email, PublicOfficerEmail::parse(&self.email));
        let details = self.details(errors, false);
        if !text(&self.techpass_username).trim().is_empty() {
            errors.check::<()>(Field::TechpassUsername, Err(ErrorCode::NotApplicable));
        }
        let (shared, details) = (shared?, details?);
        Some(PublicOfficerInvite {
            email: email?,
            first_name: details.first_name,
            last_name: details.last_name,
            contact_number: details.contact_number,
            organisation: details.organisation,
            department: shared.department,
            seed_required: shared.seed_required,
            reason: shared.reason,
        })
    }

    /// Vendors: any address, a chosen TechPass username, and every detail (required).
    fn vendor(&self, errors: &mut Collector, shared: Option<Shared>) -> Option<VendorInvite> {
        let email = errors.check(Field::Email, Email::parse(&self.email));
        let details = self.details(errors, true);
        let techpass_username = errors.check(
            Field::TechpassUsername,
            TechPassUsername::parse(text(&self.techpass_username)),
        );
        let (shared, details) = (shared?, details?);
        // `details` checked that each is present.
        Some(VendorInvite {
            email: email?,
            techpass_username: techpass_username?,
            first_name: details.first_name?,
            last_name: details.last_name?,
            contact_number: details.contact_number?,
            organisation: details.organisation?,
            department: shared.department,
            seed_required: shared.seed_required,
            reason: shared.reason,
        })
    }

    /// The error, if any, of one field: what the SPA shows when the field is left.
    /// Uses the same parse as the server, so the messages cannot differ.
    pub fn field_error(&self, field: Field) -> Option<FieldError> {
        self.parse()
            .err()?
            .into_iter()
            .find(|e| e.field == field.as_str())
    }
}

impl InvitationRequest {
    pub fn user_type(&self) -> UserType {
        match self {
            InvitationRequest::PublicOfficer(_) => UserType::PublicOfficer,
            InvitationRequest::Vendor(_) => UserType::Vendor,
        }
    }

    pub fn email(&self) -> &str {
        match self {
            InvitationRequest::PublicOfficer(p) => p.email.as_str(),
            InvitationRequest::Vendor(v) => v.email.as_str(),
        }
    }

    /// The chosen TechPass username; vendors only.
    pub fn techpass_username(&self) -> Option<&TechPassUsername> {
        match self {
            InvitationRequest::PublicOfficer(_) => None,
            InvitationRequest::Vendor(v) => Some(&v.techpass_username),
        }
    }

    pub fn into_fields(self) -> InvitationFields {
        match self {
            InvitationRequest::PublicOfficer(p) => InvitationFields {
                user_type: UserType::PublicOfficer,
                email: p.email.into_email().into_inner(),
                first_name: p.first_name,
                last_name: p.last_name,
                contact_number: p.contact_number.map(ContactNumber::into_inner),
                organisation: p.organisation,
                department: p.department,
                techpass_username: None,
                seed_required: p.seed_required,
                reason: p.reason,
            },
            InvitationRequest::Vendor(v) => InvitationFields {
                user_type: UserType::Vendor,
                email: v.email.into_inner(),
                first_name: Some(v.first_name),
                last_name: Some(v.last_name),
                contact_number: Some(v.contact_number.into_inner()),
                organisation: Some(v.organisation),
                department: v.department,
                techpass_username: Some(v.techpass_username.into_inner()),
                seed_required: v.seed_required,
                reason: v.reason,
            },
        }
    }
}

#[cfg(test)]
mod tests;
