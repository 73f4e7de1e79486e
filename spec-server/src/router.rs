//! The axum side: one route per operation, its handler behind a layer that checks the request.

use crate::check::{self, Rejection};
use crate::{Method, OperationSpec};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::handler::Handler;
use axum::http::Uri;
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use axum::routing::{MethodFilter, MethodRouter, on};

/// Turns a rejection into the API's error response.
pub type Reject = fn(Rejection) -> Response;

fn filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
        Method::Head => MethodFilter::HEAD,
    }
}

/// `handler` serving the operation `spec` (at its method; [`router`] puts it at its path).
pub fn endpoint<H, T, S>(spec: &'static OperationSpec, handler: H) -> MethodRouter<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    on(filter(spec.method), handler)
}

/// Every operation at its path, each behind the checks of its spec; an operation without a
/// handler answers [`Rejection::NotImplemented`].
pub fn router<S>(
    operations: impl IntoIterator<Item = (&'static OperationSpec, Option<MethodRouter<S>>)>,
    reject: Reject,
) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    operations.into_iter().fold(Router::new(), |router, (spec, handler)| {
        let handler = handler.unwrap_or_else(|| {
            on(filter(spec.method), move || async move {
                reject(Rejection::NotImplemented { operation: spec.id })
            })
        });
        let checked = handler.layer(from_fn(move |req: Request, next: Next| {
            checked(spec, reject, req, next)
        }));
        router.route(spec.path, checked)
    })
}

/// Runs the handler when the request holds what `spec` allows (with defaults filled in).
async fn checked(spec: &'static OperationSpec, reject: Reject, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    if let Ok(params) = RawPathParams::from_request_parts(&mut parts, &()).await {
        let params: Vec<(&str, &str)> = params.iter().collect();
        if let Err(r) = check::path(spec, &params) {
            return reject(r);
        }
    }
    match check::query(spec, parts.uri.query()) {
        Err(r) => return reject(r),
        Ok(Some(query)) => match with_query(&parts.uri, &query) {
            Some(uri) => parts.uri = uri,
            None => return reject(Rejection::invalid("query", "the query string is not valid".into())),
        },
        Ok(None) => {}
    }
    if spec.body.is_empty() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    // Read within the router's body limit (`DefaultBodyLimit`), as a handler would.
    let bytes = match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let message = format!("the request body could not be read: {}", e.body_text());
            return reject(Rejection::invalid("body", message));
        }
    };
    if let Err(r) = check::body(spec.body, &bytes) {
        return reject(r);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// `uri` with its query replaced.
fn with_query(uri: &Uri, query: &str) -> Option<Uri> {
    let mut parts = uri.clone().into_parts();
    let path_and_query = format!("{}?{query}", uri.path());
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, Location, Param};
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use tower::ServiceExt;

    static GET_THING: OperationSpec = OperationSpec {
        id: "getThing",
        method: Method::Get,
        path: "/things/{thing_id}",
        params: &[
            Param {
                name: "thing_id",
                location: crate::Location::Path,
                required: true,
                kind: Kind::String {
                    min_length: None,
                    max_length: Some(8),
                    pattern: None,
                    values: &[],
                },
                default: None,
            },
            Param {
                name: "depth",
                location: Location::Query,
                required: false,
                kind: Kind::Integer {
                    minimum: Some(1),
                    maximum: Some(3),
                },
                default: Some("2"),
            },
        ],
        body: &[],
    };
    static DELETE_THING: OperationSpec = OperationSpec {
        id: "deleteThing",
        method: Method::Delete,
        path: "/things/{thing_id}",
        params: &[],
        body: &[],
    };

    fn reject(r: Rejection) -> Response {
        let status = match r {
            Rejection::Invalid { .. } => StatusCode::BAD_REQUEST,
            Rejection::NotImplemented { .. } => StatusCode::NOT_IMPLEMENTED,
        };
        (status, r.to_string()).into_response()
    }

    async fn call(method: &str, uri: &str) -> (StatusCode, String) {
        let app = router(
            [
                (
                    &GET_THING,
                    Some(endpoint(&GET_THING, |uri: Uri| async move { uri.to_string() })),
                ),
                (&DELETE_THING, None),
            ],
            reject,
        );
        let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn handlers_run_behind_the_checks_and_the_rest_answer_501() {
        assert_eq!(
            call("GET", "/things/t1").await,
            (StatusCode::OK, "/things/t1?depth=2".into()),
            "the handler sees the default"
        );
        assert_eq!(
            call("GET", "/things/t1?depth=4").await,
            (
                StatusCode::BAD_REQUEST,
                "`depth` must be between 1 and 3 (got 4)".into()
            )
        );
        assert_eq!(
            call("GET", "/things/far-too-long").await,
            (
                StatusCode::BAD_REQUEST,
                "`thing_id` must be at most 8 characters (got 12)".into()
            )
        );
        assert_eq!(
            call("DELETE", "/things/t1").await,
            (
                StatusCode::NOT_IMPLEMENTED,
                "`deleteThing` is not implemented by the local backend".into()
            )
        );
    }
}
