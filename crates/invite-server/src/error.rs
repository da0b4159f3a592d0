//! The one error type at the HTTP edge. Every failure becomes RFC 9457 problem+json; the
//! trace id and support email are filled in by the `telemetry` middleware, which also turns
//! actix's own errors (404, 405, bad JSON, 413 …) into problems.

use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use invite_core::FieldError;

/// Where problem `type` URIs point; documented in docs/API-DESIGN.md.
pub const PROBLEM_BASE: &str = "https://invite-users.tech.gov.sg/problems/";

/// The parts of a problem the handler decides; attached to the response as an extension.
#[derive(Debug, Clone)]
pub struct ProblemSpec {
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{detail}")]
    ConflictOnField {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{detail}")]
    TooManyRequests {
        detail: String,
        retry_after_secs: i64,
    },
    /// 403: the device rule does not let the caller invite from this device.
    #[error("{0}")]
    DeviceNotEligible(String),
    /// 429 for a caller over a rate limit; the allowance goes out as headers.
    #[error("Too many requests of this kind; try again in {} s.", .0.reset_secs)]
    RateLimited(crate::security::allowance::Allowance),
    /// 429 for a limit on how much one caller may do at once (not the resend rule).
    #[error("{detail}")]
    Busy {
        detail: String,
        retry_after_secs: i64,
    },
    #[error("{detail}")]
    PayloadTooLarge {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 503: a dependency (the database, an upstream) is away; `Retry-After` says when to try
    /// again.
    #[error("{detail}")]
    Unavailable {
        detail: String,
        retry_after_secs: i64,
    },
    /// The request's body did not arrive within its deadline (`INVITES_REQUEST_TIMEOUT_SECS`,
    /// the value here).
    #[error("request body timed out after {0} s")]
    Timeout(u64),
    /// A method the path does not take; `Allow` lists those it does.
    #[error("method not allowed")]
    MethodNotAllowed(String),
    /// Anything unexpected. The cause is logged (with the trace id) and never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid.".to_owned(),
            n => format!("{n} fields are invalid."),
        };
        Self::Validation { detail, errors }
    }

    /// A 503 naming the dependency (`what`); the cause goes to the log only.
    pub fn unavailable(what: &str, cause: impl std::fmt::Display) -> Self {
        tracing::warn!(%cause, "{what} is unavailable");
        Self::Unavailable {
            detail: format!("{what} is not reachable right now; try again shortly."),
            retry_after_secs: 1,
        }
    }

    /// 503 for a request the server can no longer take because it is stopping.
    pub fn shutting_down() -> Self {
        Self::Unavailable {
            detail: "The server is shutting down; send the request again.".into(),
            retry_after_secs: 1,
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The same answer for each of several requests that one failure refused together (a
    /// group commit): a 503 stays a 503; anything else is an internal error with its cause.
    pub fn for_each_of_many(&self) -> Self {
        match self {
            ApiError::Unavailable {
                detail,
                retry_after_secs,
            } => ApiError::Unavailable {
                detail: detail.clone(),
                retry_after_secs: *retry_after_secs,
            },
            other => ApiError::Internal(other.to_string()),
        }
    }

    fn spec(&self) -> ProblemSpec {
        let (slug, title, detail, errors) = match self {
            ApiError::Validation { detail, errors } => (
                "validation",
                "Some fields are invalid",
                detail.clone(),
                errors.clone(),
            ),
            ApiError::BadRequest(d) => {
                ("bad-request", "The request is malformed", d.clone(), vec![])
            }
            ApiError::Unauthorized(d) => ("unauthorized", "Sign-in required", d.clone(), vec![]),
            ApiError::Forbidden(d) => ("forbidden", "Not allowed", d.clone(), vec![]),
            ApiError::NotFound(d) => ("not-found", "Not found", d.clone(), vec![]),
            ApiError::Conflict(d) => ("conflict", "Conflict", d.clone(), vec![]),
            ApiError::ConflictOnField { detail, errors } => (
                "already-invited",
                "Already invited",
                detail.clone(),
                errors.clone(),
            ),
            ApiError::TooManyRequests { detail, .. } => {
                ("too-soon", "Too soon to resend", detail.clone(), vec![])
            }
            ApiError::DeviceNotEligible(detail) => (
                "device-not-eligible",
                "Not from this device",
                detail.clone(),
                vec![],
            ),
            ApiError::RateLimited(allowance) => (
                "rate-limited",
                "Too many requests",
                format!(
                    "You have made {} such requests in a minute, the most allowed. Try again \
                     in {} s.",
                    allowance.per_minute, allowance.reset_secs
                ),
                vec![],
            ),
            ApiError::Busy { detail, .. } => (
                "too-many-requests",
                "Too many requests",
                detail.clone(),
                vec![],
            ),
            ApiError::PayloadTooLarge { detail, errors } => (
                "payload-too-large",
                "Payload too large",
                detail.clone(),
                errors.clone(),
            ),
            ApiError::UnsupportedMediaType(d) => (
                "unsupported-media-type",
                "Unsupported media type",
                d.clone(),
                vec![],
            ),
            ApiError::Unavailable { detail, .. } => {
                ("unavailable", "Service unavailable", detail.clone(), vec![])
            }
            ApiError::Timeout(secs) => (
                "request-timeout",
                "The request took too long",
                format!(
                    "The request's body did not arrive within {secs} s. Nothing was changed; \
                     send it again."
                ),
                vec![],
            ),
            ApiError::MethodNotAllowed(allow) => (
                "method-not-allowed",
                "Method not allowed",
                format!("This address takes {allow} only."),
                vec![],
            ),
            ApiError::Internal(_) => (
                "internal",
                "Something went wrong",
                "The server could not complete the request. Quote the trace id to support.".into(),
                vec![],
            ),
        };
        ProblemSpec {
            slug,
            title,
            detail,
            errors,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::DeviceNotEligible(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::ConflictOnField { .. } => StatusCode::CONFLICT,
            ApiError::TooManyRequests { .. } | ApiError::Busy { .. } | ApiError::RateLimited(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            // Runs inside the request span, so the log line carries the trace id.
            tracing::error!(%cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::TooManyRequests {
            retry_after_secs, ..
        }
        | ApiError::Busy {
            retry_after_secs, ..
        }
        | ApiError::Unavailable {
            retry_after_secs, ..
        } = self
            && let Ok(value) = HeaderValue::from_str(&(*retry_after_secs).max(1).to_string())
        {
            response.insert_header((RETRY_AFTER, value));
        }
        if let ApiError::RateLimited(allowance) = self
            && let Ok(value) = HeaderValue::from_str(&allowance.reset_secs.max(1).to_string())
        {
            response.insert_header((RETRY_AFTER, value));
        }
        if let ApiError::MethodNotAllowed(allow) = self
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.insert_header((actix_web::http::header::ALLOW, value));
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        let mut response = response.finish();
        response.extensions_mut().insert(self.spec());
        response
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            // The connection was lost under the request (the database went away): the pool
            // discards it, and the client may try again.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::unavailable("The database", error)
            }
            error => ApiError::internal(format!("database: {error}")),
        }
    }
}

impl From<crate::db::CorruptRow> for ApiError {
    fn from(error: crate::db::CorruptRow) -> Self {
        ApiError::internal(format!("unreadable stored value: {error}"))
    }
}

impl From<crate::db::Unavailable> for ApiError {
    fn from(error: crate::db::Unavailable) -> Self {
        match error {
            crate::db::Unavailable::Down(_) => ApiError::unavailable("The database", error),
            // Load, not an outage: every connection stayed in use for the checkout timeout.
            crate::db::Unavailable::Busy => {
                tracing::warn!("every database connection stayed busy: answering 503");
                ApiError::Unavailable {
                    detail: "The server is busy; try again shortly.".into(),
                    retry_after_secs: 1,
                }
            }
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        ApiError::internal(format!("blocking task: {error}"))
    }
}
