//! Downloads: Invite User Status as an `.xlsx`, and a batch's error report.

use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{HttpResponse, get, web};
use invite_core::api::Problem;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::downloads;
use crate::services::invitation_list::ListParams;
use crate::state::AppState;

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `attachment` with an ASCII `filename` and, for any other characters, a UTF-8 `filename*`.
pub(crate) fn attachment(name: &str) -> ContentDisposition {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .map(|c| if c == '"' || c == '\\' { '_' } else { c })
        .collect();
    let mut parameters = vec![DispositionParam::Filename(ascii.clone())];
    if ascii != name {
        parameters.push(DispositionParam::FilenameExt(ExtendedValue {
            charset: Charset::Ext("UTF-8".into()),
            language_tag: None,
            value: name.as_bytes().to_vec(),
        }));
    }
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters,
    }
}

/// Download: the caller's invitations as Invite User Status lists them, with the same filters
/// (`limit` and `cursor` aside), as an `.xlsx` of at most 50,000 rows, the newest first. When more
/// match, the header `X-Export-Truncated: true` says so: narrow the filter. Every cell is text,
/// never a formula.
#[utoipa::path(tag = "invitations", security(("bearer" = [])), params(ListParams), responses(
    (status = 200, description = "The .xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>,
        headers(("X-Export-Truncated" = bool, description = "Present (true) when more than 50,000 invitations matched"))),
    (status = 400, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/invitations/export")]
pub async fn invitations(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, truncated) =
        downloads::invitations(&state.pool, caller.actor(), params.into_inner()).await?;
    let name = format!("invitations-{}.xlsx", chrono::Utc::now().format("%Y-%m-%d"));
    let mut response = HttpResponse::Ok();
    response.content_type(XLSX).insert_header(attachment(&name));
    if truncated {
        response.insert_header(("X-Export-Truncated", "true"));
    }
    Ok(response.body(bytes))
}

/// Error report: every row of the batch with its status and errors, then its fields as entered
/// in the template's columns (fix them, copy them into the template, upload again), as an
/// `.xlsx`.
#[utoipa::path(tag = "batches", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 200, description = "The .xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/batches/{id}/report")]
pub async fn batch_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, name) =
        downloads::batch_report(&state.pool, caller.actor(), id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header(attachment(&name))
        .body(bytes))
}
