//! Downloads as `.xlsx`: Invite User Status as filtered, and a batch's rows with their errors
//! (its error report), the way bulk tools hand back a results file.

use actix_web::web;
use chrono::NaiveDateTime;
use invite_core::Field;
use invite_core::api::{BatchRowError, UserType};
use invite_sheets::export;

use super::batches::not_found as batch_not_found;
use super::invitation_list::{ListParams, list_query, position};
use super::with_conn;
use crate::actor::Actor;
use crate::db::Pool;
use crate::db::batches as batches_repo;
use crate::db::invitations::{self as repo, InvitationRow};
use crate::error::ApiError;

/// Most invitations one download holds: the newest of the filtered list.
pub const EXPORT_MAX_ROWS: usize = 50_000;
/// Rows read per query while a download is assembled.
const READ_PAGE: i64 = 1_000;

const INVITATION_HEADERS: [&str; 16] = [
    "Email address",
    "First name",
    "Last name",
    "User type",
    "Organisation",
    "Department",
    "TechPass username",
    "Contact number",
    "SEED onboarding required",
    "Reason",
    "Channel",
    "Invited at (UTC)",
    "Last sent at (UTC)",
    "TechPass status",
    "SEED status",
    "Failure reason",
];
const INVITATION_WIDTHS: [f64; 16] = [
    34.0, 16.0, 16.0, 16.0, 26.0, 22.0, 24.0, 18.0, 14.0, 50.0, 18.0, 20.0, 20.0, 16.0, 16.0, 50.0,
];

fn time(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn yes_no(value: Option<bool>) -> String {
    match value {
        Some(true) => "Yes".into(),
        Some(false) => "No".into(),
        None => String::new(),
    }
}

fn invitation_cells(row: &InvitationRow) -> Vec<String> {
    let f = &row.fields;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        f.email.clone(),
        text(&f.first_name),
        text(&f.last_name),
        f.user_type.label().to_owned(),
        text(&f.organisation),
        text(&f.department),
        text(&f.techpass_username),
        text(&f.contact_number),
        yes_no(Some(f.seed_required)),
        f.reason.clone(),
        row.channel.label().to_owned(),
        time(row.invited_at),
        time(row.last_sent_at),
        row.techpass_status.label().to_owned(),
        row.seed_status.label().to_owned(),
        row.failure_reason.clone().unwrap_or_default(),
    ]
}

/// The caller's invitations as Invite User Status lists them (same filters, newest first, or
/// oldest change first with `updated_since`), at most [`EXPORT_MAX_ROWS`]; and whether more
/// matched.
pub async fn invitations(
    pool: &Pool,
    actor: &Actor,
    params: ListParams,
) -> Result<(Vec<u8>, bool), ApiError> {
    let (mut query, order) = list_query(params, Some(READ_PAGE))?;
    let officer_id = actor.officer_id.clone();
    let (rows, more) = with_conn(pool, move |conn| {
        let mut rows: Vec<InvitationRow> = Vec::new();
        loop {
            let mut page = repo::list(conn, &officer_id, &query)?;
            let last_page = page.len() as i64 <= query.limit;
            page.truncate(query.limit as usize);
            query.after = page.last().map(|r| (position(order, r), r.id.clone()));
            rows.extend(page);
            if rows.len() > EXPORT_MAX_ROWS {
                rows.truncate(EXPORT_MAX_ROWS);
                return Ok((rows, true));
            }
            if last_page {
                return Ok((rows, false));
            }
        }
    })
    .await?;
    let bytes = web::block(move || {
        export::table(
            "Invitations",
            &INVITATION_HEADERS,
            &INVITATION_WIDTHS,
            rows.iter().map(invitation_cells),
        )
    })
    .await?
    .map_err(ApiError::internal)?;
    Ok((bytes, more))
}

fn errors_text(errors: &[BatchRowError]) -> String {
    errors
        .iter()
        .map(BatchRowError::located)
        .collect::<Vec<_>>()
        .join("\n")
}

/// A batch's rows in sheet order: number, status and errors, then the fields as entered (in
/// the template's columns, so that a fixed copy can be uploaded again), and the invitation.
pub async fn batch_report(
    pool: &Pool,
    actor: &Actor,
    batch_id: uuid::Uuid,
) -> Result<(Vec<u8>, String), ApiError> {
    let officer_id = actor.officer_id.clone();
    let (batch, rows) = with_conn(pool, move |conn| {
        let batch_id = batch_id.to_string();
        let batch =
            batches_repo::find(conn, &officer_id, &batch_id)?.ok_or_else(batch_not_found)?;
        let mut rows = Vec::new();
        let mut after = None;
        loop {
            let mut page = batches_repo::rows_page(conn, &batch_id, &[], after, READ_PAGE)?;
            let last_page = page.len() as i64 <= READ_PAGE;
            page.truncate(READ_PAGE as usize);
            after = page.last().map(|r| r.row_number);
            rows.extend(page);
            if last_page {
                return Ok((batch, rows));
            }
        }
    })
    .await?;
    let mut headers = vec!["Row", "Status", "Errors"];
    headers.extend(invite_sheets::COLUMNS.iter().map(|f| f.label()));
    headers.push("Invitation id");
    let mut widths = vec![8.0, 12.0, 60.0];
    widths.extend([16.0, 34.0, 16.0, 16.0, 18.0, 26.0, 22.0, 24.0, 26.0, 50.0]);
    widths.push(38.0);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let errors: Vec<BatchRowError> = serde_json::from_str(&row.errors).unwrap_or_default();
            let mut cells = vec![
                row.row_number.to_string(),
                row.status.as_str().to_owned(),
                errors_text(&errors),
            ];
            for field in invite_sheets::COLUMNS {
                let value = match field {
                    Field::UserType => UserType::parse(&row.fields.user_type)
                        .map(|t| t.label().to_owned())
                        .unwrap_or_else(|_| row.fields.user_type.clone()),
                    Field::SeedRequired => yes_no(row.fields.seed_required),
                    other => row.fields.text(other).unwrap_or_default().to_owned(),
                };
                cells.push(value);
            }
            cells.push(row.invitation_id.clone().unwrap_or_default());
            cells
        })
        .collect();
    let stem = batch
        .filename
        .rsplit_once('.')
        .map_or(batch.filename.as_str(), |(stem, _)| stem)
        .to_owned();
    let bytes = web::block(move || export::table("Rows", &headers, &widths, cells))
        .await?
        .map_err(ApiError::internal)?;
    Ok((bytes, format!("{stem} - error report.xlsx")))
}
