//! Human units: times, durations, money, token counts, and cutting long text.

use chrono::{DateTime, Utc};

/// `2026-11-21 09:00 UTC`.
pub fn time(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An RFC 3339 text as [`time`] shows it.
pub fn timestamp(rfc3339: &str) -> Option<String> {
    Some(time(&DateTime::parse_from_rfc3339(rfc3339).ok()?.with_timezone(&Utc)))
}

/// An RFC 3339 text's day: `2026-11-21`.
pub fn date(rfc3339: &str) -> Option<String> {
    Some(
        DateTime::parse_from_rfc3339(rfc3339)
            .ok()?
            .with_timezone(&Utc)
            .format("%Y-%m-%d")
            .to_string(),
    )
}

/// `512 B`, `3.5 KiB`.
pub fn bytes(n: f64) -> String {
    if n < 1024.0 {
        format!("{n} B")
    } else {
        format!("{} KiB", trim_float(n / 1024.0, 1))
    }
}

/// `850 ms`, `1.8 s`, `4 min 12 s`, `2 h 05 min`.
pub fn duration_ms(ms: f64) -> String {
    if ms < 1000.0 {
        return format!("{} ms", ms.round());
    }
    let s = ms / 1000.0;
    if s < 60.0 {
        return format!("{} s", trim_float(s, 1));
    }
    let total = s.round() as u64;
    if total < 3600 {
        format!("{} min {} s", total / 60, total % 60)
    } else {
        format!("{} h {:02} min", total / 3600, (total % 3600) / 60)
    }
}

/// `$0.031`, `$12.40`.
pub fn money(usd: f64) -> String {
    if usd != 0.0 && usd.abs() < 0.01 {
        format!("${}", trim_float(usd, 4))
    } else if usd.abs() < 1.0 {
        format!("${}", trim_float(usd, 3))
    } else {
        format!("${usd:.2}")
    }
}

/// `950`, `12.4k`, `3.1M`.
pub fn count(n: f64) -> String {
    if n.abs() >= 1_000_000.0 {
        format!("{}M", trim_float(n / 1_000_000.0, 1))
    } else if n.abs() >= 10_000.0 {
        format!("{}k", trim_float(n / 1000.0, 1))
    } else {
        trim_float(n, 3)
    }
}

/// A float with at most `decimals` decimals and no trailing zeros.
pub fn trim_float(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Cuts `text` to at most `max` characters, marking the cut and how much it left out.
pub fn cut(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max).collect();
    format!("{kept}… [cut, {} more chars]", count - max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_like_a_person_wrote_them() {
        assert_eq!(
            timestamp("2026-11-21T09:00:00Z").as_deref(),
            Some("2026-11-21 09:00 UTC")
        );
        assert_eq!(
            timestamp("2026-11-21T10:30:00+01:00").as_deref(),
            Some("2026-11-21 09:30 UTC")
        );
        assert_eq!(duration_ms(850.0), "850 ms");
        assert_eq!(duration_ms(1800.0), "1.8 s");
        assert_eq!(duration_ms(252_000.0), "4 min 12 s");
        assert_eq!(duration_ms(7_500_000.0), "2 h 05 min");
        assert_eq!(money(0.031), "$0.031");
        assert_eq!(money(0.0042), "$0.0042");
        assert_eq!(money(12.4), "$12.40");
        assert_eq!(count(950.0), "950");
        assert_eq!(count(12_400.0), "12.4k");
        assert_eq!(count(3_100_000.0), "3.1M");
        assert_eq!(date("2026-11-21T23:30:00-02:00").as_deref(), Some("2026-11-22"));
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3584.0), "3.5 KiB");
        assert_eq!(cut("abcdef", 4), "abcd… [cut, 2 more chars]");
    }
}
