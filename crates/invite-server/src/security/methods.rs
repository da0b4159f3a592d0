//! 405 with `Allow` for a method a known path does not take. The route macros guard each
//! handler by method, so without this a `DELETE /api/v1/invitations` would fall through to
//! "not found"; the table of paths and methods comes from the OpenAPI document, which is built
//! from the same routes.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use serde_json::Value;

use crate::error::ApiError;

/// Each documented path template (split into segments, `None` for a `{parameter}`) and the
/// methods it answers.
pub struct MethodTable {
    paths: Vec<(Vec<Option<String>>, Vec<&'static str>)>,
}

impl MethodTable {
    pub fn from_openapi(api: &Value) -> Self {
        let paths = api["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(template, item)| {
                let segments = template
                    .trim_matches('/')
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect();
                let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
                    .into_iter()
                    .filter(|method| item.get(method.to_ascii_lowercase()).is_some())
                    .collect();
                (segments, methods)
            })
            .collect();
        Self { paths }
    }

    /// The methods `path` answers, or `None` when no documented path matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut allowed: Vec<&'static str> = Vec::new();
        let mut known = false;
        for (template, methods) in &self.paths {
            let matches = template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.as_deref().is_none_or(|t| t == *s) && !s.is_empty());
            if matches {
                known = true;
                for m in methods {
                    if !allowed.contains(m) {
                        allowed.push(m);
                    }
                }
            }
        }
        known.then_some(allowed)
    }
}

/// The middleware: answers 405 with `Allow` before routing when the
/// path is documented but not for this method.
pub async fn refuse_other_methods(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let allowed = req
        .app_data::<web::Data<MethodTable>>()
        .and_then(|table| table.allowed(req.path()));
    match allowed {
        Some(methods) if !methods.contains(&req.method().as_str()) => {
            let response = ApiError::MethodNotAllowed(methods.join(", ")).error_response();
            Ok(req.into_response(response).map_into_right_body())
        }
        _ => Ok(next.call(req).await?.map_into_left_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_by_segment_and_merge_their_methods() {
        let table = MethodTable::from_openapi(&crate::routes::openapi());
        assert_eq!(
            table.allowed("/api/v1/invitations"),
            Some(vec!["GET", "POST"])
        );
        // `/export` is a path of its own and also an `{id}`.
        assert_eq!(
            table.allowed("/api/v1/invitations/export"),
            Some(vec!["GET"])
        );
        assert_eq!(
            table.allowed("/api/v1/batches/abc/rows/7"),
            Some(vec!["PUT", "DELETE"])
        );
        assert_eq!(table.allowed("/api/v1/nothing"), None);
        assert_eq!(table.allowed("/api/v1/invitations//resend"), None);
    }
}
