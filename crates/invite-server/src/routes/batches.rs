//! `/api/v1/batch-template` and `/api/v1/batches`: Batch upload.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, delete, get, post, put, web};
use futures_util::StreamExt;
use invite_core::InvitationDraft;
use invite_core::api::{Batch, BatchPage, BatchRow, BatchRowPage, Problem};
use invite_sheets::Limits;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::batches::{self, ListParams, RowParams};
use crate::state::AppState;

pub const TEMPLATE_FILENAME: &str = "invite-users-template.xlsx";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Download excel template: sheet `Users` with the header row, dropdowns, and an
/// `Instructions` sheet with every rule. Needs no sign-in.
#[utoipa::path(tag = "batches", responses(
    (status = 200, description = "The .xlsx template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>),
))]
#[get("/batch-template")]
pub async fn template() -> Result<HttpResponse, ApiError> {
    let bytes = web::block(invite_sheets::build_template)
        .await?
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{TEMPLATE_FILENAME}\""),
        ))
        .body(bytes))
}

/// The multipart body of an upload, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the multipart form; the handler streams it"
)]
pub struct UploadForm {
    /// The filled-in template (.xlsx).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Reads the `file` part, refusing it as soon as it passes `max` bytes.
async fn read_file_part(
    mut payload: Multipart,
    max: usize,
) -> Result<(Option<String>, Vec<u8>), ApiError> {
    let malformed = |e: actix_multipart::MultipartError| {
        ApiError::BadRequest(format!("The upload is not valid multipart/form-data: {e}."))
    };
    let Some(field) = payload.next().await else {
        return Err(ApiError::BadRequest(
            "Send the spreadsheet as the multipart part named \"file\".".into(),
        ));
    };
    let mut field = field.map_err(malformed)?;
    if field.name() != Some("file") {
        // Refuse rather than drain: an unknown part could be of any size.
        return Err(ApiError::BadRequest(
            "Send only the multipart part named \"file\".".into(),
        ));
    }
    let filename = field
        .content_disposition()
        .and_then(|cd| cd.get_filename().map(str::to_owned));
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(malformed)?;
        if bytes.len() + chunk.len() > max {
            return Err(batches::import_problem(
                invite_sheets::ImportError::TooLarge { limit: max },
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    // Parts after the file are not read: the file is all this endpoint takes.
    Ok((filename, bytes))
}

/// Upload user list: parses and validates the spreadsheet into a draft batch. The rows come
/// back with their status and errors (each naming its sheet cell), the first 500 of a larger
/// file with `rows_next_cursor` for the rest. A file that cannot be read is refused with a
/// problem and nothing is stored.
///
/// Limits: 10 MB file, 50,000 users, 200 MB unpacked (100 MB per part).
#[utoipa::path(tag = "batches", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Batch),
        (status = 400, description = "Not multipart, or no `file` part", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File or its unpacked content too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a readable .xlsx, missing columns, no rows or too many rows", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/batches")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let limits = Limits::default();
    let (filename, bytes) = read_file_part(payload, limits.max_file_bytes).await?;
    let filename = batches::clean_filename(filename.as_deref());
    let batch = batches::upload(
        &state.pool,
        caller.actor(),
        filename,
        bytes,
        limits,
        &state.directory,
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/batches/{}", batch.overview.id)))
        .json(batch))
}

/// The caller's batches, newest first, each with its counts (Batches list).
#[utoipa::path(tag = "batches", security(("bearer" = [])), params(ListParams), responses(
    (status = 200, body = BatchPage),
    (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/batches")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ListParams>,
) -> Result<web::Json<BatchPage>, ApiError> {
    Ok(web::Json(
        batches::list(&state.pool, caller.actor(), params.into_inner()).await?,
    ))
}

/// A page of the batch's rows, in sheet order; `status=invalid,failed` lists the rows that
/// need attention.
#[utoipa::path(tag = "batches", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), RowParams),
    responses(
        (status = 200, body = BatchRowPage),
        (status = 400, description = "Bad limit, cursor or status", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/batches/{id}/rows")]
pub async fn rows(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
    params: web::Query<RowParams>,
) -> Result<web::Json<BatchRowPage>, ApiError> {
    Ok(web::Json(
        batches::rows(&state.pool, caller.actor(), id.into_inner(), params.into_inner()).await?,
    ))
}

/// The batch with its counts (rows by status, and how the delivery of its invitations is
/// going) and its rows in sheet order: all of them up to 500, else the first 500 and a
/// `rows_next_cursor` for `GET /batches/{id}/rows`.
#[utoipa::path(tag = "batches", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 200, body = Batch),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/batches/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<Batch>, ApiError> {
    Ok(web::Json(
        batches::get(&state.pool, caller.actor(), id.into_inner()).await?,
    ))
}

/// View details → Save: replaces the row's fields; the row is validated again and comes back
/// `valid` or `invalid` with its errors.
#[utoipa::path(tag = "batches", security(("bearer" = [])), request_body = InvitationDraft,
    params(("id" = uuid::Uuid, Path), ("row_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = BatchRow),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The row was submitted already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/batches/{id}/rows/{row_id}")]
pub async fn replace_row(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
    body: web::Json<InvitationDraft>,
) -> Result<web::Json<BatchRow>, ApiError> {
    let (id, row_id) = path.into_inner();
    Ok(web::Json(
        batches::replace_row(&state.pool, caller.actor(), id, row_id, body.into_inner()).await?,
    ))
}

/// Remove: deletes one row that has not been submitted.
#[utoipa::path(tag = "batches", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), ("row_id" = uuid::Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The row was submitted already", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/batches/{id}/rows/{row_id}")]
pub async fn remove_row(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(uuid::Uuid, uuid::Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, row_id) = path.into_inner();
    batches::remove_row(&state.pool, caller.actor(), id, row_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Reset → Confirm: removes every row that has not been submitted.
#[utoipa::path(tag = "batches", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 204, description = "Removed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[delete("/batches/{id}/rows")]
pub async fn reset(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    batches::reset(&state.pool, caller.actor(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Submit: invites every valid row (channel `batch_upload`). Invalid rows, and rows that fail
/// (e.g. invited meanwhile), stay with their errors to be fixed and submitted again.
/// Submitting twice, or concurrently, never invites anyone twice.
#[utoipa::path(tag = "batches", security(("bearer" = [])), params(("id" = uuid::Uuid, Path)), responses(
    (status = 200, body = Batch),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/batches/{id}/submit")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<web::Json<Batch>, ApiError> {
    let batch = batches::submit(
        &state.pool,
        caller.actor(),
        id.into_inner(),
        &state.directory,
    )
    .await?;
    state.outbox_wake.notify_one();
    Ok(web::Json(batch))
}
