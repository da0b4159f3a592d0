//! The one guard: holds each request to its route's policy in [`super::table`] before the
//! handler's extractors run, so a refused caller's body is never read or judged.
//!
//! For a caller who presented credentials that are valid: who may call the route, then the
//! device rule, then the rate limit (per `Actor::rate_key`). A request without valid
//! credentials passes to its handler, whose `Caller` answers 401. The built-in sign-in is
//! answered 404 while it is off and 403 through a proxy, then counted per client address.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, ResponseError, web};

use super::table::{self, Route, Who};
use crate::actor::Actor;
use crate::auth::{authenticated_actor, refuse_through_proxy};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let route = req
        .match_pattern()
        .and_then(|pattern| table::find(req.method().as_str(), &pattern));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let (Some(route), Some(state)) = (route, state) {
        let actor = authenticated_actor(&req.extensions());
        if let Err(refused) = admit(route, &state, req.request(), actor.as_ref()).await {
            let response = refused.error_response();
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

async fn admit(
    route: &Route,
    state: &AppState,
    req: &HttpRequest,
    actor: Option<&Actor>,
) -> Result<(), ApiError> {
    if route.who == Who::BuiltInSignIn {
        if !state.dev_login_enabled() {
            return Err(ApiError::NotFound(
                "The built-in sign-in is switched off; sign in with your identity provider.".into(),
            ));
        }
        refuse_through_proxy(req)?;
        if let Some(limit) = route.rate {
            // Per client address: the peer itself (requests through a proxy were refused).
            let address = req
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default();
            state.rate.take(req, limit, &address).await?;
        }
        return Ok(());
    }
    let Some(actor) = actor else {
        return Ok(());
    };
    match route.who {
        Who::SignedInOfficer if actor.via_api_key() => {
            return Err(ApiError::Forbidden(
                "API keys are managed by a signed-in officer, not with an API key.".into(),
            ));
        }
        Who::Operator if !state.config.is_operator(&actor.email) => {
            return Err(ApiError::Forbidden(
                "Only operators (INVITES_OPERATORS) can see and retry delivery jobs.".into(),
            ));
        }
        _ => {}
    }
    if route.device {
        crate::auth::device::require_eligible(&state.config.device_policy, actor)?;
    }
    if let Some(limit) = route.rate {
        state.rate.take(req, limit, &actor.rate_key()).await?;
    }
    Ok(())
}
