//! API errors: the `{error, message, details}` body of both specs, with `X-Request-ID` (and
//! `Retry-After` on 429).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Map<String, Value>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message).detail("field", field)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn forbidden(required: &str, actual: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("insufficient scope — this needs `{required}`, the key has `{actual}`"),
        )
        .detail("required_scope", required)
        .detail("actual_scope", actual)
    }

    pub fn not_found(what: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found — {id}"))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("rate limit exceeded — retry after {retry_after} s"),
        )
        .detail("retry_after_seconds", retry_after)
    }

    pub fn internal(reason: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {reason}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the local backend failed; see its log",
        )
    }
}

/// A request the spec does not allow (400), or an operation without a handler (501), as the
/// API's error body; the generated routers answer with it.
pub fn rejected(rejection: inferior_server::Rejection) -> Response {
    use inferior_server::Rejection;
    match &rejection {
        Rejection::Invalid { field, message } => ApiError::bad_request(field, message.clone()),
        Rejection::NotImplemented { operation } => {
            ApiError::new(StatusCode::NOT_IMPLEMENTED, "not_implemented", rejection.to_string())
                .detail("operation", *operation)
        }
    }
    .into_response()
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let retry = self.details.get("retry_after_seconds").and_then(Value::as_u64);
        let mut response = (
            self.status,
            axum::Json(json!({"error": self.code, "message": self.message, "details": self.details})),
        )
            .into_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&crate::util::new_id("req")) {
            headers.insert("x-request-id", v);
        }
        if let Some(secs) = retry {
            headers.insert("retry-after", HeaderValue::from(secs));
        }
        response
    }
}
