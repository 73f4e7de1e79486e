//! Each POST body read (within a time limit) and triaged ([`crate::jsonrpc`]) before rmcp sees
//! it, so a malformed one gets HTTP 400 with the JSON-RPC error, carrying the request's `id`
//! when one could be read.

use crate::jsonrpc::{INVALID_REQUEST, Refusal, triage};
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The largest body read (rmcp's own limit).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// How long a client may take to send a body.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A refusal answered with HTTP `status`.
fn error(status: StatusCode, refusal: Refusal) -> Response {
    (status, axum::Json(refusal.answer())).into_response()
}

/// The middleware.
pub async fn check(request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let bytes = match tokio::time::timeout(BODY_TIMEOUT, to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => bytes,
        Err(_) => {
            let why = format!("the request body took over {} s to arrive", BODY_TIMEOUT.as_secs());
            return error(
                StatusCode::REQUEST_TIMEOUT,
                Refusal::new(Value::Null, INVALID_REQUEST, why),
            );
        }
        Ok(Err(_)) => {
            let why = format!("the request body is over {} MiB", MAX_BODY_BYTES / (1024 * 1024));
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                Refusal::new(Value::Null, INVALID_REQUEST, why),
            );
        }
    };
    if let Err(refusal) = triage(&bytes) {
        return error(StatusCode::BAD_REQUEST, refusal);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}
