//! Sortie's template functions and filters, and the file-root check behind the file functions.
//!
//! Error messages name functions, paths and limits, never an argument's value: a value may be a
//! secret, and these messages reach every report.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use hmac::{Hmac, Mac};
use minijinja::value::{Object, ObjectRepr};
use minijinja::{Environment, Error, ErrorKind, State, Value};
use rand::Rng as _;
use sha2::{Digest, Sha256};

/// The context key under which a render's template folder travels to the file functions.
///
/// It is not a valid identifier, so no template can name it.
pub(super) const DIR_KEY: &str = "sortie:dir";

/// The largest `random_string(n)`: a typo like `random_string(10**9)` must not exhaust memory.
const MAX_RANDOM_STRING: usize = 1 << 20;

/// The folder of the file that holds the template being rendered (see [`DIR_KEY`]).
#[derive(Debug)]
pub(super) struct TemplateDir(pub(super) Arc<Path>);

impl Object for TemplateDir {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Plain
    }
}

/// Registers every Sortie function and filter; file functions are confined to `root`
/// (already canonical).
/// The filters [`register`] adds (minijinja cannot list them).
pub(super) const FILTERS: &[&str] = &["b64encode", "b64decode", "sha256", "hmac_sha256", "number", "date"];

pub(super) fn register(env: &mut Environment<'static>, root: Arc<Path>) {
    env.add_function("uuid", || uuid::Uuid::new_v4().to_string());
    env.add_function("now", || {
        humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
    });
    env.add_function("timestamp", timestamp);
    env.add_function("random_int", random_int);
    env.add_function("random_string", random_string);

    let r = root.clone();
    env.add_function("read_file", move |state: &State, path: String| {
        let resolved = resolve(state, &r, "read_file", &path)?;
        read_text(&resolved, "read_file", &path)
    });
    let r = root.clone();
    env.add_function("read_json", move |state: &State, path: String| {
        let resolved = resolve(state, &r, "read_json", &path)?;
        let text = read_text(&resolved, "read_json", &path)?;
        // serde_json's messages give a line and column, never the offending text.
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(format!("read_json: `{path}` is not valid JSON: {e}")))?;
        Ok(super::to_mj(&json))
    });
    env.add_function("read_csv", move |state: &State, path: String| {
        let resolved = resolve(state, &root, "read_csv", &path)?;
        read_csv(&resolved, &path)
    });

    env.add_filter("b64encode", |value: String| {
        base64::engine::general_purpose::STANDARD.encode(value)
    });
    env.add_filter("b64decode", b64decode);
    env.add_filter("sha256", |value: String| hex::encode(Sha256::digest(value.as_bytes())));
    env.add_filter("hmac_sha256", hmac_sha256);
    env.add_filter("number", number);
    env.add_filter("date", date);
    // `urlencode` is minijinja's own (feature `urlencode`): strings and maps of query pairs.
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

fn timestamp() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        // A clock set before 1970: still an integer, just a negative one.
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

fn random_int(a: i64, b: i64) -> Result<i64, Error> {
    if a > b {
        return Err(invalid(
            "random_int(a, b): the lower bound a is greater than the upper bound b".into(),
        ));
    }
    Ok(rand::rng().random_range(a..=b))
}

fn random_string(n: usize) -> Result<String, Error> {
    if n > MAX_RANDOM_STRING {
        return Err(invalid(format!(
            "random_string(n): n may be at most {MAX_RANDOM_STRING}"
        )));
    }
    Ok(rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(n)
        .map(char::from)
        .collect())
}

fn b64decode(value: String) -> Result<String, Error> {
    // Accept what people paste: padded or not, standard or URL-safe alphabet.
    let config = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, config);
    let url_safe = GeneralPurpose::new(&base64::alphabet::URL_SAFE, config);
    let input = value.trim();
    let bytes = standard
        .decode(input)
        .or_else(|_| url_safe.decode(input))
        .map_err(|_| invalid("b64decode: the input is not valid base64".into()))?;
    String::from_utf8(bytes).map_err(|_| invalid("b64decode: the decoded bytes are not UTF-8 text".into()))
}

/// `"12.50" | number`: a number from its text, exactly as written (a number stays itself).
fn number(value: Value) -> Result<Value, Error> {
    if value.kind() == minijinja::value::ValueKind::Number {
        return Ok(value);
    }
    let text = value
        .as_str()
        .ok_or_else(|| invalid("number: expects a string or a number".into()))?;
    let n: serde_json::Number = serde_json::from_str(text.trim())
        .map_err(|_| invalid("number: the text is not a number (such as 42, -1.5 or 2e3)".into()))?;
    Ok(super::to_mj(&serde_json::Value::Number(n)))
}

/// `s | date` or `s | date('%d/%m/%Y')`: a date or date-time as RFC 3339 in UTC, which
/// `before` and `after` compare. Without a format it reads RFC 3339, HTTP dates (RFC 2822,
/// as `Expires` and `Date` write them), `YYYY-MM-DD` and Unix seconds.
fn date(value: Value, format: Option<String>) -> Result<String, Error> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
    let at: Option<DateTime<Utc>> = match (&format, value.as_str()) {
        (Some(f), Some(text)) => NaiveDateTime::parse_from_str(text.trim(), f)
            .map(|t| t.and_utc())
            .or_else(|_| DateTime::parse_from_str(text.trim(), f).map(|t| t.with_timezone(&Utc)))
            .or_else(|_| {
                NaiveDate::parse_from_str(text.trim(), f).map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
            })
            .ok(),
        (Some(_), None) => return Err(invalid("date: a format reads a string".into())),
        (None, Some(text)) => DateTime::parse_from_rfc2822(text.trim())
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| crate::check::moment::instant(&serde_json::Value::String(text.to_owned()))),
        (None, None) => super::to_json(&value)
            .ok()
            .and_then(|v| crate::check::moment::instant(&v)),
    };
    let at = at.ok_or_else(|| match &format {
        Some(f) => invalid(format!("date: the text does not match the format `{f}`")),
        None => invalid("date: not a date, a date-time or Unix seconds (give a format: date('%d/%m/%Y'))".into()),
    })?;
    Ok(at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn hmac_sha256(value: String, key: String) -> Result<String, Error> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .map_err(|_| invalid("hmac_sha256: the key cannot be used".into()))?;
    mac.update(value.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// Resolves `path` against the template's folder by the loader's rule
/// ([`crate::files::resolve_in`]), in a template function's words.
fn resolve(state: &State, root: &Path, func: &str, path: &str) -> Result<PathBuf, Error> {
    use crate::files::{PathError, resolve_in};
    // Without a folder in the context (a render that did not set one), the root is the base.
    let dir = state
        .lookup(DIR_KEY)
        .and_then(|v| v.downcast_object::<TemplateDir>())
        .map_or_else(|| root.to_path_buf(), |d| d.0.to_path_buf());
    resolve_in(root, &dir, path).map_err(|e| {
        invalid(match e {
            PathError::Outside => format!("{func}: `{path}` is outside the file root `{}`", root.display()),
            PathError::Io(e, joined) => {
                let why = match e.kind() {
                    std::io::ErrorKind::NotFound => "no such file".to_string(),
                    _ => crate::files::io_reason(&e),
                };
                format!("{func}: cannot read `{path}` ({}): {why}", joined.display())
            }
            PathError::Folder => format!("{func}: `{path}` is a folder, not a file"),
        })
    })
}

fn read_text(resolved: &Path, func: &str, path: &str) -> Result<String, Error> {
    crate::files::read_to_string(resolved)
        .map_err(|e| invalid(format!("{func}: cannot read `{path}`: {}", crate::files::io_reason(&e))))
}

/// A list of maps keyed by the header row, every value a string, columns in file order.
fn read_csv(resolved: &Path, path: &str) -> Result<Value, Error> {
    let fail = |e: csv::Error| {
        // csv's messages give positions and field counts, never field contents.
        invalid(format!("read_csv: cannot read `{path}`: {e}"))
    };
    let bytes = crate::files::read(resolved).map_err(|e| {
        invalid(format!(
            "read_csv: cannot read `{path}`: {}",
            crate::files::io_reason(&e)
        ))
    })?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers = reader.headers().map_err(fail)?.clone();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(fail)?;
        rows.push(Value::from_pairs(headers.iter().zip(record.iter())));
    }
    Ok(Value::from(rows))
}
