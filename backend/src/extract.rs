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

/// Parses a JSON body; a bad field is a 400 naming it.
pub fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
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

/// serde names a missing or unknown field in its message.
fn field_from_message(message: &str) -> String {
    message.split('`').nth(1).unwrap_or("body").to_string()
}
