//! What `format`, `before` and `after` need: string formats (checked by the
//! jsonschema crate's format validators, as JSON Schema defines them), and
//! points in time, written as dates, date-times, Unix seconds or `now ± DURATION`.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeDelta, Utc};
use serde_json::Value;

/// The string formats `format:` knows, as JSON Schema names them.
pub(crate) const FORMATS: [&str; 7] = ["uuid", "date-time", "date", "email", "uri", "ipv4", "ipv6"];

/// A string format, checked by a compiled `{ "format": NAME }` schema.
#[derive(Clone)]
pub struct Format {
    name: &'static str,
    validator: Arc<jsonschema::Validator>,
}

impl Format {
    /// The format named `name`; the error lists the known ones.
    pub(crate) fn of(name: &str) -> Result<Format, String> {
        let Some(&known) = FORMATS.iter().find(|f| **f == name) else {
            return Err(match crate::diagnostic::did_you_mean(name, FORMATS.iter().copied()) {
                Some(s) => format!("unknown format `{name}` (did you mean `{s}`?)"),
                None => format!("unknown format `{name}`: expected one of {}", FORMATS.join(", ")),
            });
        };
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&serde_json::json!({ "format": known }))
            .map_err(|e| format!("format `{known}`: {e}"))?;
        Ok(Format {
            name: known,
            validator: Arc::new(validator),
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn holds(&self, text: &str) -> bool {
        self.validator.is_valid(&Value::String(text.to_owned()))
    }
}

impl fmt::Debug for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Format({})", self.name)
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name == other.name
    }
}

/// A point in time an actual value is compared with.
#[derive(Debug, Clone, PartialEq)]
pub enum Moment {
    /// `now`, `now - 1d`, `now + 2h`: the time of the check, moved by so many milliseconds.
    Now { offset_ms: i64, text: String },
    /// A date-time, a date (midnight UTC) or Unix seconds, as written.
    At { at: DateTime<Utc>, text: String },
}

impl Moment {
    /// Reads `now`, `now ± DURATION` (`now - 1d`, `now + 90s`), an RFC 3339
    /// date-time, a date (`2024-05-01`) or a number of Unix seconds.
    pub(crate) fn parse(value: &Value) -> Result<Moment, String> {
        let text = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => {
                let at = instant(value).ok_or_else(|| format!("`{n}` is out of range as Unix seconds"))?;
                return Ok(Moment::At {
                    at,
                    text: n.to_string(),
                });
            }
            _ => {
                return Err(format!(
                    "expects a date, a date-time or `now - 1d`, found {}",
                    super::kind(value)
                ));
            }
        };
        if let Some(rest) = text.strip_prefix("now") {
            let rest = rest.trim();
            let offset_ms = if rest.is_empty() {
                0
            } else {
                let (sign, amount) = match rest.split_at(1) {
                    ("+", amount) => (1, amount),
                    ("-", amount) => (-1, amount),
                    _ => return Err(format!("`{text}`: write `now`, `now - 1d` or `now + 2h`")),
                };
                let duration = humantime::parse_duration(amount.trim())
                    .map_err(|e| format!("`{text}`: {e} (write a duration such as `1d`, `2h` or `30m`)"))?;
                sign * i64::try_from(duration.as_millis()).map_err(|_| format!("`{text}` is too far away"))?
            };
            return Ok(Moment::Now { offset_ms, text });
        }
        let at = instant(&Value::String(text.clone()))
            .ok_or_else(|| format!("`{text}` is not a date-time (RFC 3339), a date (YYYY-MM-DD) or `now - 1d`"))?;
        Ok(Moment::At { at, text })
    }

    /// The instant this moment stands for, `now` read from the clock.
    pub(crate) fn resolve(&self) -> DateTime<Utc> {
        match self {
            Moment::Now { offset_ms, .. } => {
                let now = DateTime::<Utc>::from(SystemTime::now());
                let offset = TimeDelta::try_milliseconds(*offset_ms).unwrap_or(TimeDelta::MAX);
                now.checked_add_signed(offset).unwrap_or(if *offset_ms < 0 {
                    DateTime::<Utc>::MIN_UTC
                } else {
                    DateTime::<Utc>::MAX_UTC
                })
            }
            Moment::At { at, .. } => *at,
        }
    }

    pub(crate) fn text(&self) -> &str {
        match self {
            Moment::Now { text, .. } | Moment::At { text, .. } => text,
        }
    }
}

/// A value as an instant: an RFC 3339 date-time, a date (midnight UTC) or Unix seconds.
pub(crate) fn instant(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::<FixedOffset>::parse_from_rfc3339(s) {
                return Some(t.with_timezone(&Utc));
            }
            let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
            Some(date.and_hms_opt(0, 0, 0)?.and_utc())
        }
        Value::Number(n) => {
            let seconds = n.as_f64()?;
            if !seconds.is_finite() || seconds.abs() > 1e14 {
                return None;
            }
            // Within ±1e14 seconds the milliseconds fit an i64 exactly enough.
            #[allow(clippy::cast_possible_truncation)]
            let ms = (seconds * 1000.0).round() as i64;
            DateTime::<Utc>::from_timestamp_millis(ms)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_are_json_schemas() {
        let uuid = Format::of("uuid").unwrap();
        assert!(uuid.holds("67e55044-10b1-426f-9247-bb680e5fe0c8"));
        assert!(!uuid.holds("67e55044"));
        let date = Format::of("date").unwrap();
        assert!(date.holds("2024-02-29") && !date.holds("2023-02-29"));
        assert!(Format::of("date-time").unwrap().holds("2024-05-01T10:00:00+02:00"));
        assert!(!Format::of("date-time").unwrap().holds("2024-05-01 10:00"));
        assert!(Format::of("email").unwrap().holds("a@example.com"));
        assert!(!Format::of("email").unwrap().holds("a.example.com"));
        assert!(Format::of("uri").unwrap().holds("https://example.com/a?b"));
        assert!(!Format::of("uri").unwrap().holds("not a uri"));
        assert!(Format::of("ipv4").unwrap().holds("127.0.0.1") && !Format::of("ipv4").unwrap().holds("::1"));
        assert!(Format::of("ipv6").unwrap().holds("::1"));
        assert_eq!(
            Format::of("uiid").unwrap_err(),
            "unknown format `uiid` (did you mean `uuid`?)"
        );
    }

    #[test]
    fn moments_are_dates_date_times_seconds_or_now() {
        let at = |v: Value| Moment::parse(&v).unwrap().resolve();
        assert_eq!(at(json!("2024-05-01")), at(json!("2024-05-01T00:00:00Z")));
        assert_eq!(at(json!("2024-05-01T02:00:00+02:00")), at(json!("2024-05-01")));
        assert_eq!(at(json!(1714521600)), at(json!("2024-05-01")));
        let now = DateTime::<Utc>::from(SystemTime::now());
        let day_ago = at(json!("now - 1d"));
        assert!((now - day_ago - TimeDelta::days(1)).num_seconds().abs() < 60);
        assert!(at(json!("now + 2h")) > now);
        assert!(Moment::parse(&json!("now * 2")).is_err());
        assert!(Moment::parse(&json!("yesterday")).is_err());
        assert!(Moment::parse(&json!(true)).is_err());
    }

    #[test]
    fn now_moved_past_the_calendar_stops_at_its_end_on_its_own_side() {
        let at = |v: &str| Moment::parse(&json!(v)).unwrap();
        assert_eq!(at("now - 300000y").resolve(), DateTime::<Utc>::MIN_UTC);
        assert_eq!(at("now + 300000y").resolve(), DateTime::<Utc>::MAX_UTC);
        assert_eq!(at("now - 300000y").text(), "now - 300000y");
        assert_eq!(at(" 2024-05-01 ").text(), "2024-05-01");
        assert_eq!(Moment::parse(&json!(1714521600)).unwrap().text(), "1714521600");
    }
}
