//! A deadline for reading a request's body: a client that trickles its upload a byte at a time
//! (slowloris) would otherwise hold a connection and a buffer for as long as it likes. When
//! `INVITES_REQUEST_TIMEOUT_SECS` pass before the body is in, reading it fails, and the
//! `telemetry` middleware answers 408 with a `request-timeout` problem whatever the handler
//! made of the failed read. Nothing is changed by such a request: handlers read the whole body
//! before they act. (Actix itself bounds the wait for the request's headers, 5 s.)
//!
//! The work after the body has its own bounds: the database pool's checkout timeout and each
//! upstream's timeout. A deadline around the whole handler would need the request kept aside
//! to answer with, which actix's router forbids (it mutates the request it owns).

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError, web};
use futures_util::Stream;

use crate::error::ApiError;

/// The configured deadline, as app data for the middleware.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(pub Duration);

/// Set when the body's deadline passed; read by [`answer_timeouts`].
#[derive(Debug, Clone, Default)]
struct BodyTimedOut(Rc<Cell<Option<u64>>>);

pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(deadline) = req.app_data::<web::Data<Deadline>>().map(|d| d.0) {
        let flag = BodyTimedOut::default();
        req.extensions_mut().insert(flag.clone());
        let (_, payload) = req.parts_mut();
        let inner = std::mem::replace(payload, Payload::None);
        req.set_payload(Payload::Stream {
            payload: Box::pin(TimedPayload {
                inner,
                sleep: Box::pin(tokio::time::sleep(deadline)),
                secs: deadline.as_secs(),
                flag,
            }),
        });
    }
    next.call(req).await
}

/// Replaces the answer to a request whose body missed its deadline with the 408 problem.
pub fn answer_timeouts<B>(response: ServiceResponse<B>) -> ServiceResponse<B>
where
    B: MessageBody + 'static,
    B: From<actix_web::body::BoxBody>,
{
    let timed_out = response
        .request()
        .extensions()
        .get::<BodyTimedOut>()
        .and_then(|flag| flag.0.get());
    match timed_out {
        Some(secs) => {
            tracing::warn!(timeout_secs = secs, "request body did not arrive in time");
            let answer = ApiError::Timeout(secs).error_response();
            let (req, _) = response.into_parts();
            ServiceResponse::new(req, answer.map_body(|_, body| B::from(body)))
        }
        None => response,
    }
}

/// The body, failing with a timed-out I/O error once the deadline passes.
struct TimedPayload {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    secs: u64,
    flag: BodyTimedOut,
}

impl Stream for TimedPayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.flag.0.set(Some(self.secs));
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}
