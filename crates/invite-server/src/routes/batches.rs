//! `/api/v1/batch-template` and `/api/v1/batches`: Batch upload.

use actix_multipart::Multipart;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, delete, get, post, put, web};
use futures_util::StreamExt;
use invite_core::InvitationDraft;
use invite_core::api::{
    Batch, BatchPage, BatchRow, BatchRowPage, BatchRowsRequest, Channel, Problem,
};
use invite_sheets::Limits;

use super::downloads::{XLSX, attachment};
use super::idempotency::idempotency_key;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::services::batches::{self, ListParams, RowParams};
use crate::state::AppState;

pub const TEMPLATE_FILENAME: &str = "invite-users-template.xlsx";

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
        .insert_header(attachment(TEMPLATE_FILENAME))
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

/// Largest JSON body of `POST /batches`: 50,000 typical rows take about 17 MB.
pub const JSON_ROWS_LIMIT: usize = 32 * 1024 * 1024;

/// Reads the whole body, refusing it as soon as it passes `max` bytes.
async fn read_body(mut payload: web::Payload, max: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("The body could not be read: {e}.")))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::PayloadTooLarge {
                detail: format!("The JSON body must be at most {} MB.", max / (1024 * 1024)),
                errors: vec![],
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Upload user list: stages the rows of a spreadsheet, or rows sent as JSON, as a draft batch,
/// validated by the same rules. The rows come back with their status and errors (naming the
/// sheet cell, or for JSON rows the field), the first 500 of a larger batch with
/// `rows_next_cursor` for the rest. A body that cannot be read is refused with a problem and
/// nothing is stored.
///
/// - `multipart/form-data`, part `file`: the filled-in template. Limits: 10 MB file, 50,000
///   users, 200 MB unpacked (100 MB per part).
/// - `application/json`: `{"name": "…", "rows": [{…}, …]}`, each row with the fields of
///   `POST /invitations`; 1–50,000 rows, 32 MB. A row's `row_number` is its position in `rows`.
///
/// Send an `Idempotency-Key` header to retry safely: the same key and body answer the batch
/// the first request staged (as it is now) and stage nothing more; the same key with another
/// body is refused with 422.
#[utoipa::path(tag = "batches", security(("bearer" = [])),
    request_body(content(
        (UploadForm = "multipart/form-data"),
        (BatchRowsRequest = "application/json"),
    )),
    params(("Idempotency-Key" = Option<String>, Header, description = "Any unique string (≤ 255 chars), e.g. a UUID, to make retries safe")),
    responses(
        (status = 201, body = Batch, headers(("Location" = String, description = "/api/v1/batches/{id}"))),
        (status = 400, description = "Not multipart with a `file` part, or JSON that does not read as rows (the detail names the row and field)", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The officer has as many batches with rows waiting as allowed (`INVITES_MAX_OPEN_DRAFTS`): submit or reset one", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File, its unpacked content, the text its rows keep (32 MiB) or the JSON body too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither multipart/form-data nor application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a readable .xlsx, missing columns, no rows or too many rows, or Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The officer has as many uploads in progress as allowed (`INVITES_MAX_UPLOADS_IN_FLIGHT`); `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/batches")]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req, &state)?;
    // Held until the answer: reading the body counts as in flight.
    let _in_flight = state.uploads.admit(&caller.actor().officer_id)?;
    let to = batches::Staging {
        pool: &state.pool,
        directory: &state.directory,
        uploads: &state.uploads,
        max_open_drafts: state.config.uploads.max_open_drafts,
    };
    let limits = Limits::default();
    let essence = req
        .mime_type()
        .ok()
        .flatten()
        .map(|m| m.essence_str().to_owned());
    let uploaded = match essence.as_deref() {
        Some("application/json") => {
            let body = read_body(payload, JSON_ROWS_LIMIT).await?;
            batches::upload_json(&to, caller.actor(), body, limits, key).await?
        }
        Some("multipart/form-data") => {
            let multipart = Multipart::new(req.headers(), payload);
            let (filename, bytes) = read_file_part(multipart, limits.max_file_bytes).await?;
            let filename = batches::clean_filename(filename.as_deref());
            batches::upload(&to, caller.actor(), filename, bytes, limits, key).await?
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "Send the spreadsheet as multipart/form-data (part \"file\"), or the rows as \
                 application/json."
                    .into(),
            ));
        }
    };
    if !uploaded.replayed {
        state
            .metrics
            .batch_uploaded(uploaded.batch.overview.summary.total);
    }
    let mut response = HttpResponse::Created();
    response.insert_header((
        "Location",
        format!("/api/v1/batches/{}", uploaded.batch.overview.id),
    ));
    if uploaded.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(uploaded.batch))
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
        batches::rows(
            &state.pool,
            caller.actor(),
            id.into_inner(),
            params.into_inner(),
        )
        .await?,
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
///
/// With an `Idempotency-Key`, a retry of a submit that completed answers the batch as it is
/// and submits nothing more (not even rows made valid since); the key is recorded when the
/// submit completes, so a retry that arrives earlier submits too, which takes no row twice.
#[utoipa::path(tag = "batches", security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Any unique string (≤ 255 chars), e.g. a UUID, to make retries safe")),
    responses(
        (status = 200, body = Batch),
        (status = 400, description = "Bad Idempotency-Key", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key used for another request", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/batches/{id}/submit")]
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency_key(&req, &state)?;
    let submitted = batches::submit(
        &state.pool,
        caller.actor(),
        id.into_inner(),
        &state.directory,
        key,
    )
    .await?;
    state.outbox_wake.notify_one();
    state
        .metrics
        .invitations_created(Channel::BatchUpload, submitted.invited as u64);
    let mut response = HttpResponse::Ok();
    if submitted.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(submitted.batch))
}
