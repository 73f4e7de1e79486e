//! The generated SDKs used as a Rust developer would, against the standalone backend: a list
//! streamed across its pages, what the retry policy does with a throttled key, and failures as
//! one typed error.

use crate::common::TempDir;
use futures::TryStreamExt;
use inference_sdk::types::{Error as ApiError, WhoAmI};
use inference_sdk::{ApiError as Failure, ClientConfig, Error, Limit, ResponseValue, Retry};
use std::collections::HashSet;
use std::time::Duration;

/// A Catalyst client of the in-process backend `api` with `key` and `retry`.
fn sdk(api: &backend::Running, key: &str, retry: Retry) -> inference_sdk::Client {
    ClientConfig::new(api.inference_url())
        .api_key(key)
        .retry(retry)
        .build()
        .unwrap()
}

/// Every trace of a project, read through pages of 4: as many as the project counts, each once;
/// a cap on items or pages stops the requests there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_reads_every_trace_of_a_project_across_pages() {
    let data = TempDir::new("sdk-stream");
    let api = backend::start(backend::Config::new(data.path())).await.unwrap();
    let client = sdk(&api, "sk-inference-demo-multi-default", Retry::DEFAULT);
    let project = client
        .get_project()
        .project_id("prj_support")
        .send()
        .await
        .unwrap()
        .into_inner();
    let expected = project.counts.and_then(|c| c.traces).unwrap() as usize;
    assert!(
        expected > 8,
        "the demo project has {expected} traces: too few to need pages of 4"
    );

    let pages_of_4 = || {
        client
            .list_traces()
            .project_id("prj_support")
            .limit(std::num::NonZeroU32::new(4).unwrap())
    };
    let all: Vec<_> = pages_of_4().stream(Limit::ALL).try_collect().await.unwrap();
    assert_eq!(all.len(), expected);
    let ids: HashSet<_> = all.iter().map(|t| t.id.clone()).collect();
    assert_eq!(ids.len(), expected, "no trace twice");

    let first_7: Vec<_> = pages_of_4().stream(Limit::ALL.items(7)).try_collect().await.unwrap();
    assert_eq!(first_7.len(), 7);
    let id = |t: &inference_sdk::types::Trace| t.id.clone();
    assert_eq!(
        first_7.iter().map(id).collect::<Vec<_>>(),
        all[..7].iter().map(id).collect::<Vec<_>>(),
        "the same order as the whole list"
    );
    let two_pages: Vec<_> = pages_of_4().stream(Limit::ALL.pages(2)).try_collect().await.unwrap();
    assert_eq!(two_pages.len(), 8);

    let refused = client
        .list_traces()
        .project_id("prj_nope")
        .stream(Limit::ALL)
        .try_collect::<Vec<_>>()
        .await;
    assert!(
        matches!(refused, Err(Error::ErrorResponse(e)) if e.status() == 404),
        "an error ends the stream"
    );
}

/// A key allowed 3 requests per window (the demo seed's throttled key).
const THROTTLED: &str = "sk-inference-demo-throttled";

/// The seconds a 429 asks to wait, or a panic naming what came instead.
fn throttled(result: Result<ResponseValue<WhoAmI>, Error<ApiError>>) -> u64 {
    match result {
        Err(Error::ErrorResponse(answer)) if answer.status() == 429 => {
            let seconds = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert_eq!(answer.into_inner().error, "rate_limited");
            seconds
        }
        other => panic!("expected a 429, got {other:?}"),
    }
}

/// A 429 is handed back when retries are off, or when its `Retry-After` is longer than the
/// policy's longest wait; with the default policy the same request waits it out and is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_request_waits_out_retry_after_then_is_answered() {
    let data = TempDir::new("sdk-retry");
    let mut config = backend::Config::new(data.path());
    config.rate_window = Duration::from_secs(2);
    let api = backend::start(config).await.unwrap();
    let client = |retry: Retry| sdk(&api, THROTTLED, retry);
    let once = client(Retry::OFF);
    for _ in 0..3 {
        once.whoami().send().await.expect("within the limit");
    }
    let wait = throttled(once.whoami().send().await);
    assert!((1..=2).contains(&wait), "Retry-After {wait} s in a 2 s window");
    let impatient = client(Retry::DEFAULT.max(Duration::from_millis(100)));
    let failure = Failure::from(impatient.whoami().send().await.unwrap_err());
    assert_eq!(failure.status.map(|s| s.as_u16()), Some(429));
    assert_eq!(failure.error.as_deref(), Some("rate_limited"));
    assert!(failure.is_retryable() && failure.retry_after.is_some(), "{failure:?}");

    let patient = client(Retry::DEFAULT);
    let who = patient.whoami().send().await.expect("answered after the wait");
    assert_eq!(who.into_inner().key.name, "throttled");
}

/// A project outside the key's scope (404) and a write with a read-only key (403), as the one
/// typed error: status, code, message, details and the request id, and not worth retrying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_one_typed_error() {
    let data = TempDir::new("sdk-errors");
    let api = backend::start(backend::Config::new(data.path())).await.unwrap();
    let read_only = sdk(&api, "sk-inference-demo-support-ro", Retry::DEFAULT);

    let missing = Failure::from(read_only.get_project().project_id("prj_nope").send().await.unwrap_err());
    assert_eq!(missing.status.map(|s| s.as_u16()), Some(404));
    assert_eq!(missing.error.as_deref(), Some("project_not_found"));
    assert!(missing.message.contains("prj_nope"), "{missing}");
    assert_eq!(missing.details, Some(serde_json::json!({"projects": ["prj_support"]})));
    assert!(
        missing.request_id.as_deref().is_some_and(|id| id.starts_with("req_")),
        "{missing:?}"
    );
    assert!(!missing.is_retryable());
    assert!(missing.to_string().starts_with("HTTP 404: "), "{missing}");

    let denied = read_only
        .delete_deployment()
        .project_id("prj_support")
        .deployment_id("dep_any")
        .send()
        .await
        .map_err(Failure::from)
        .unwrap_err();
    assert_eq!(denied.status.map(|s| s.as_u16()), Some(403));
    assert_eq!(denied.error.as_deref(), Some("insufficient_scope"));
    assert_eq!(
        denied.details.as_ref().and_then(|d| d["required_scope"].as_str()),
        Some("write")
    );
    assert!(!denied.is_retryable());

    let unreachable = ClientConfig::new("http://127.0.0.1:9")
        .retry(Retry::OFF)
        .build()
        .unwrap();
    let offline = Failure::from(unreachable.whoami().send().await.unwrap_err());
    assert_eq!(offline.status, None);
    assert!(offline.is_retryable(), "no connection: {offline}");
}
