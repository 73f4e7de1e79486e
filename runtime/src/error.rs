//! Tool failures. Each becomes a tool result with `isError: true` and text starting `ERROR: `
//! (RESPONSES.md): what went wrong in the user's terms, then what to do. Never a Rust type,
//! never a key.

use std::fmt;

/// Why a tool call failed.
#[derive(Debug)]
pub enum ToolError {
    /// One argument is wrong.
    InvalidArgument { name: String, reason: String },
    /// The arguments as a whole are wrong (a missing or unknown one).
    InvalidArguments(String),
    /// The key is missing or invalid (HTTP 401). The server words the fix for its API.
    Unauthorized,
    /// The key lacks a scope (HTTP 403).
    Forbidden {
        message: String,
        required: Option<String>,
        actual: Option<String>,
    },
    /// Too many requests (HTTP 429).
    RateLimited { retry_after_seconds: Option<u64> },
    /// Any other error the API answered with; its message is quoted.
    Api { status: u16, message: String },
    /// An error status whose body is not the error the spec describes (an empty body, a
    /// proxy's HTML page): only the status can be reported.
    Status { status: u16, body: String },
    /// The API did not answer in time.
    Timeout,
    /// The API could not be reached.
    Unreachable(String),
    /// The API answered with something that is not what its spec says.
    BadResponse(String),
    /// The connection broke off before the API's answer was complete (or before it began).
    BrokeOff(String),
    /// A local check refused the call (nothing was sent).
    Refused(String),
    /// A tool that asks first was not confirmed (nothing was sent).
    Unconfirmed(super::confirm::Unconfirmed),
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ERROR: ")?;
        match self {
            ToolError::InvalidArgument { name, reason } => write!(f, "invalid argument `{name}` — {reason}"),
            ToolError::InvalidArguments(reason) => write!(f, "invalid arguments — {reason}"),
            ToolError::Unauthorized => f.write_str("authentication failed — invalid or missing API key"),
            // The scopes say it all when the API names them; otherwise quote its message.
            ToolError::Forbidden {
                required: Some(r),
                actual,
                ..
            } => {
                write!(f, "insufficient scope — this action needs the `{r}` scope")?;
                if let Some(a) = actual {
                    write!(f, " and the key has `{a}`")?;
                }
                write!(f, "; use a key with `{r}` scope")
            }
            ToolError::Forbidden { message, .. } if !message.is_empty() => {
                write!(f, "{message} — use a key with the scope this action needs")
            }
            ToolError::Forbidden { .. } => {
                f.write_str("insufficient scope — use a key with the scope this action needs")
            }
            ToolError::RateLimited {
                retry_after_seconds: Some(s),
            } => write!(f, "rate limit exceeded — retry after {s} s"),
            ToolError::RateLimited {
                retry_after_seconds: None,
            } => f.write_str("rate limit exceeded — retry in a minute"),
            // An operation the spec has and the local backend does not implement yet.
            ToolError::Api { status: 501, message } => {
                f.write_str("the API does not implement this operation (HTTP 501)")?;
                if message.is_empty() {
                    f.write_str("; the local backend (--local) answers so for an operation it has no handler for yet")
                } else {
                    write!(f, ": {message}")
                }
            }
            ToolError::Api { status, message } if message.is_empty() => write!(f, "the API answered HTTP {status}"),
            ToolError::Api { status, message } if *status >= 500 => {
                write!(f, "{message} (HTTP {status}) — try again in a minute")
            }
            ToolError::Api { message, .. } => f.write_str(message),
            ToolError::Status { status, body } if *status >= 500 => write!(
                f,
                "the API failed with HTTP {} and {body} — try again in a minute; if it keeps failing, the API or a proxy in front of it is down",
                status_line(*status)
            ),
            ToolError::Status { status, body } => write!(
                f,
                "the API answered HTTP {} with {body}, not an error of its spec — check that the API URL points at the API itself",
                status_line(*status)
            ),
            ToolError::Timeout => f.write_str("the API did not answer in time — try again, or raise MCP_HTTP_TIMEOUT"),
            ToolError::Unreachable(reason) => write!(f, "cannot reach the API — {reason}"),
            ToolError::BadResponse(reason) => write!(
                f,
                "the API's answer does not match its spec ({reason}) — the API may run another version than this server was built for"
            ),
            ToolError::BrokeOff(reason) => write!(f, "the connection to the API broke off ({reason}) — try again"),
            ToolError::Refused(reason) => f.write_str(reason),
            ToolError::Unconfirmed(why) => why.fmt(f),
        }
    }
}

impl std::error::Error for ToolError {}

/// Any API's error body, read by the fields the response contract gives it: `message` (quoted
/// to the user) and `details` (the scopes of a 403, the wait of a 429). Works on the typed body
/// of any SDK the codegen writes, so the runtime names no API.
struct ErrorBody(serde_json::Value);

impl ErrorBody {
    fn of(body: &impl serde::Serialize) -> Self {
        Self(serde_json::to_value(body).unwrap_or_default())
    }

    fn message(&self) -> &str {
        self.0.get("message").and_then(|m| m.as_str()).unwrap_or_default()
    }

    fn details(&self) -> Option<&serde_json::Value> {
        self.0.get("details")
    }
}

impl<E: serde::Serialize> From<progenitor_client::Error<E>> for ToolError {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as E;
        match error {
            E::ErrorResponse(response) => {
                let status = response.status().as_u16();
                let retry_header = retry_after(response.headers());
                let body = ErrorBody::of(response.as_ref());
                let detail = |key: &str| body.details().and_then(|d| d.get(key)?.as_str()).map(String::from);
                match status {
                    401 => ToolError::Unauthorized,
                    403 => ToolError::Forbidden {
                        message: body.message().to_string(),
                        required: detail("required_scope"),
                        actual: detail("actual_scope"),
                    },
                    429 => ToolError::RateLimited {
                        retry_after_seconds: body
                            .details()
                            .and_then(|d| d.get("retry_after_seconds")?.as_u64())
                            .or(retry_header),
                    },
                    _ => ToolError::Api {
                        status,
                        message: body.message().to_string(),
                    },
                }
            }
            // A status the spec does not list for the operation, or a body that is not its error.
            E::UnexpectedResponse(response) => match response.status().as_u16() {
                401 => ToolError::Unauthorized,
                403 => ToolError::Forbidden {
                    message: String::new(),
                    required: None,
                    actual: None,
                },
                429 => ToolError::RateLimited {
                    retry_after_seconds: retry_after(response.headers()),
                },
                status => ToolError::Status {
                    status,
                    body: describe_body(&response),
                },
            },
            E::ResponseBodyError(e) if !e.is_timeout() => ToolError::BrokeOff(cause(&e)),
            E::CommunicationError(e) | E::ResponseBodyError(e) | E::InvalidUpgrade(e) => from_transport(&e),
            E::InvalidResponsePayload(_, e) => ToolError::BadResponse(e.to_string()),
            E::InvalidRequest(reason) => invalid_request(&reason),
            E::Custom(reason) => ToolError::Unreachable(reason),
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these APIs).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get("retry-after")?.to_str().ok()?.trim().parse().ok()
}

/// `502 Bad Gateway`: the code and, when it has one, its reason phrase.
fn status_line(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// What came instead of the spec's error body, in a few words: the body itself is never quoted
/// (it may be a whole HTML page).
fn describe_body(response: &reqwest::Response) -> String {
    let kind = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .filter(|v| !v.is_empty());
    match (response.content_length(), kind) {
        (Some(0), _) => "an empty body".into(),
        (_, Some(kind)) => format!("a {kind} body"),
        (_, None) => "a body of no stated type".into(),
    }
}

fn from_transport(e: &reqwest::Error) -> ToolError {
    if e.is_timeout() {
        ToolError::Timeout
    } else if e.is_connect() {
        ToolError::Unreachable(format!(
            "no connection to {} (is it running, and is the URL right?)",
            e.url()
                .map_or("the API".to_string(), |u| u.origin().ascii_serialization())
        ))
    } else if e.is_decode() {
        ToolError::BadResponse(cause(e))
    } else {
        ToolError::BrokeOff(cause(e))
    }
}

/// The innermost cause of a transport error (`connection closed before message completed`):
/// reqwest's own message only says which URL it was sending to.
fn cause(e: &reqwest::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(source) = inner.source() {
        inner = source;
    }
    inner.to_string()
}

/// progenitor reports a value its types reject as `conversion to `T` for name failed: reason`.
fn invalid_request(reason: &str) -> ToolError {
    let parsed = reason
        .strip_prefix("conversion to `")
        .and_then(|rest| rest.split_once("` for "))
        .and_then(|(_, after)| after.split_once(" failed: "));
    if let Some((name, why)) = parsed {
        return ToolError::InvalidArgument {
            name: name.to_string(),
            reason: why.to_string(),
        };
    }
    ToolError::InvalidArguments(reason.to_string())
}
