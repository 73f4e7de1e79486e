//! The generated SDKs used as a Rust developer would, against the standalone backend: what
//! their retry policy does with a throttled key.

use crate::common::TempDir;
use inference_sdk::types::{Error as ApiError, WhoAmI};
use inference_sdk::{ClientConfig, Error, ResponseValue, Retry};
use std::time::Duration;

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
    let client = |retry: Retry| {
        ClientConfig::new(api.inference_url())
            .api_key(THROTTLED)
            .retry(retry)
            .build()
            .unwrap()
    };
    let once = client(Retry::OFF);
    for _ in 0..3 {
        once.whoami().send().await.expect("within the limit");
    }
    let wait = throttled(once.whoami().send().await);
    assert!((1..=2).contains(&wait), "Retry-After {wait} s in a 2 s window");
    let impatient = client(Retry::DEFAULT.max(Duration::from_millis(100)));
    throttled(impatient.whoami().send().await);

    let patient = client(Retry::DEFAULT);
    let who = patient.whoami().send().await.expect("answered after the wait");
    assert_eq!(who.into_inner().key.name, "throttled");
}
