//! Request parsing with errors that name the field: query strings and JSON bodies are
//! deserialized into the SDK's generated types (which validate lengths, ranges and enums).

use crate::error::ApiError;
use serde::de::DeserializeOwned;

/// Parses a query string; a bad parameter is a 400 naming it.
pub fn query<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.unwrap_or("").as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let message = e.inner().to_string();
        let field = if field == "." {
            field_from_message(&message)
        } else {
            field
        };
        ApiError::bad_request(&field, format!("invalid query parameter `{field}`: {message}"))
    })
}

/// Parses a JSON body; a bad field is a 400 naming it. No field of either spec is nullable, so
/// a `null` is refused too (an absent field is the way to leave it out).
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body)
        && let Some(path) = find_null(&value, String::new())
    {
        return Err(ApiError::bad_request(
            &path,
            format!("`{path}` is null; leave the field out instead"),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let message = e.inner().to_string();
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        let field = if field == "." {
            field_from_message(&message)
        } else {
            field
        };
        ApiError::bad_request(&field, format!("invalid field `{field}`: {message}"))
    })
}

/// The path of the first `null` inside `value` (`a.b[2].c`), if any.
fn find_null(value: &serde_json::Value, path: String) -> Option<String> {
    match value {
        serde_json::Value::Null if !path.is_empty() => Some(path),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            find_null(
                v,
                if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                },
            )
        }),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_null(v, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// serde names a missing or unknown field in its message.
fn field_from_message(message: &str) -> String {
    message.split('`').nth(1).unwrap_or("body").to_string()
}

/// The raw request body. A body over the size limit, or one that cannot be read, is the API's
/// own 400 rather than axum's plain-text rejection.
pub struct Body(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| {
                ApiError::bad_request("body", format!("the request body could not be read: {}", e.body_text()))
            })
    }
}
