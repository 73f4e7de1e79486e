//! Fault injection: a loopback server that answers the way broken APIs and proxies do, one fault
//! per call, and what `inference-mcp` says to the user about each. The answers are a snapshot:
//! each names what happened (the status, the wait, the mismatch) and what to do.

use crate::common::{INFERENCE, call, spawn};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How the fault server answers the next request.
#[derive(Clone, Copy, Debug)]
enum Fault {
    /// The status line and headers, and the body (`Content-Length` is added).
    Answer(&'static str, &'static str),
    /// The head and the first bytes of a body that `Content-Length` says is longer, then close.
    BrokenOff,
    /// Close the connection without a word.
    Hangup,
    /// Read the request and never answer.
    Silence,
}

const FAULTS: &[(&str, Fault)] = &[
    (
        "429, Retry-After and an empty body",
        Fault::Answer("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7", ""),
    ),
    (
        "502 from a proxy, as HTML",
        Fault::Answer(
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html",
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        ),
    ),
    (
        "503 with an empty body",
        Fault::Answer("HTTP/1.1 503 Service Unavailable", ""),
    ),
    (
        "500 with the spec's error body",
        Fault::Answer(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json",
            "{\"error\":\"internal\",\"message\":\"the database is offline\"}",
        ),
    ),
    (
        "404, a status whoami does not list, with the spec's error body",
        Fault::Answer(
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json",
            "{\"error\":\"not_found\",\"message\":\"no such API here\"}",
        ),
    ),
    (
        "418 as plain text",
        Fault::Answer("HTTP/1.1 418 I'm a teapot\r\nContent-Type: text/plain", "teapot"),
    ),
    (
        "200 with a body that is not the spec's",
        Fault::Answer(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json",
            "{\"unexpected\": true}",
        ),
    ),
    ("200 whose body breaks off", Fault::BrokenOff),
    ("the connection closed without an answer", Fault::Hangup),
    ("no answer at all", Fault::Silence),
];

/// A server on loopback that answers every request with the current fault.
async fn fault_server(fault: Arc<Mutex<Fault>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let fault = *fault.lock().unwrap();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                match fault {
                    // Each connection answers once and closes, and says so: a client that pooled
                    // it would otherwise race the close with its next request.
                    Fault::Answer(head, body) => {
                        let response = format!(
                            "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(response.as_bytes()).await;
                    }
                    Fault::BrokenOff => {
                        let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"key\": {\"id\"";
                        let _ = socket.write_all(response.as_bytes()).await;
                    }
                    Fault::Hangup => {}
                    // Held open until the client gives up (its timeout is 1 s).
                    Fault::Silence => tokio::time::sleep(Duration::from_secs(10)).await,
                }
            });
        }
    });
    url
}

#[tokio::test]
async fn each_api_fault_gets_an_answer_that_says_what_happened() {
    let fault = Arc::new(Mutex::new(FAULTS[0].1));
    let url = fault_server(fault.clone()).await;
    let client = spawn(
        &INFERENCE,
        &[],
        &[
            ("INFERENCE_API_URL", url.as_str()),
            ("INFERENCE_API_KEY", "sk-inference-fault-injection"),
            ("MCP_HTTP_TIMEOUT", "1"),
        ],
    )
    .await;
    let mut answers = String::new();
    for (what, injected) in FAULTS {
        *fault.lock().unwrap() = *injected;
        let (error, text) =
            tokio::time::timeout(Duration::from_secs(10), call(&client, "whoami", serde_json::json!({})))
                .await
                .unwrap_or_else(|_| panic!("{what}: no answer within 10 s"));
        assert!(error && text.starts_with("ERROR: "), "{what}: {text}");
        assert!(
            !text.contains("sk-inference-fault-injection"),
            "{what}: the key leaked: {text}"
        );
        answers.push_str(&format!("{what}:\n  {}\n", text.replace(&url, "http://[fault server]")));
    }
    client.cancel().await.unwrap();
    insta::assert_snapshot!(answers);
}
