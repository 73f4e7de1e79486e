//! Ids, timestamps and cursors.

use chrono::{DateTime, SecondsFormat, Utc};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A fresh id such as `exp_k3j9x0q2m1ab`: the prefix and 12 base-36 characters.
pub fn new_id(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    let mut n = hasher.finish();
    let mut id = String::with_capacity(prefix.len() + 13);
    id.push_str(prefix);
    id.push('_');
    for _ in 0..12 {
        id.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
    }
    id
}

/// Timestamps are stored as RFC 3339 UTC with milliseconds, so text order is time order.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Parses a stored timestamp (always written by [`ts`]).
pub fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Cursors are opaque to clients; locally they are offsets.
pub fn cursor_offset(cursor: Option<&str>) -> Option<i64> {
    match cursor {
        None => Some(0),
        Some(c) => c
            .strip_prefix("c_")
            .and_then(|n| n.parse().ok())
            .filter(|n: &i64| *n >= 0),
    }
}

/// Cuts rows fetched with `LIMIT limit + 1` down to one page, and gives the next page's cursor
/// when the extra row shows there is one.
pub fn take_page<T>(mut rows: Vec<T>, offset: i64, limit: i64) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    (rows, more.then(|| format!("c_{}", offset + limit)))
}

/// Converts a stored enum string into the SDK's enum (stored values come from those enums, so a
/// mismatch is a corrupt row).
pub fn enum_value<T: std::str::FromStr>(s: &str) -> rusqlite::Result<T> {
    s.parse().map_err(|_| {
        rusqlite::Error::InvalidColumnType(0, format!("unexpected stored value `{s}`"), rusqlite::types::Type::Text)
    })
}

/// An SDK enum as its wire string.
pub fn enum_str<T: std::fmt::Display>(v: &T) -> String {
    v.to_string()
}

/// An optional stored timestamp.
pub fn opt_ts(v: Option<String>) -> Option<DateTime<Utc>> {
    v.as_deref().map(parse_ts)
}

/// At most `max` characters of `s`.
pub fn cut_chars(s: String, max: usize) -> String {
    if s.chars().count() > max {
        s.chars().take(max).collect()
    } else {
        s
    }
}

/// Paging parameters of every list; `limit` always comes (the spec's default fills it in, and
/// its range is checked, before a handler runs).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub cursor: Option<String>,
    pub limit: i64,
}

impl Page {
    /// (offset, limit), with a cursor this API returned.
    pub fn resolve(&self) -> crate::error::ApiResult<(i64, i64)> {
        let offset = cursor_offset(self.cursor.as_deref())
            .ok_or_else(|| crate::error::ApiError::bad_request("cursor", "`cursor` is not one this API returned"))?;
        Ok((offset, self.limit))
    }
}
