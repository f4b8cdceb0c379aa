//! An exchange against its OpenAPI operation: what was sent (parameters, JSON
//! body) and what came back (status, content type, headers, body). Pure: each
//! violation becomes one failed expectation in the caller.

use std::borrow::Cow;

use serde_json::Value;

use crate::openapi::{Compiled, In, Match, MediaType, Operation, Shape, Spec, StatusKey, Style, essence, is_json};

/// One way the exchange breaks the contract.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Violation {
    /// `openapi status`, `openapi body /id`, `openapi request query limit`, ...
    pub subject: String,
    /// `declared`, `exists`, `schema`, `json`.
    pub predicate: String,
    pub expected: String,
    pub actual: String,
}

fn violation(subject: String, predicate: &str, expected: String, actual: String) -> Violation {
    Violation {
        subject,
        predicate: predicate.into(),
        expected,
        actual,
    }
}

/// The request as it was sent.
pub(crate) struct Sent<'a> {
    pub url: &'a url::Url,
    pub headers: &'a [(String, String)],
    /// None when there was no body or it streamed from a file.
    pub body: Option<&'a [u8]>,
    /// The parts of a multipart body, by name: a text part's value, or None for a
    /// file part (its content is not read).
    pub parts: &'a [(&'a str, Option<&'a str>)],
    /// The body streams from a file (`body_file`): it is sent, but not read here.
    pub streamed: bool,
    /// The cookies sent (the step's and the session's jar's), by name.
    pub cookies: &'a [(&'a str, &'a str)],
}

/// The response as it came back.
pub(crate) struct Got<'a> {
    pub status: u16,
    /// A response to HEAD: its headers describe a body that is never sent.
    pub head: bool,
    pub headers: &'a reqwest::header::HeaderMap,
    pub body: &'a [u8],
    /// The body parsed as JSON, or why it is not JSON: called only when a declared
    /// JSON media type has a schema, so no other response is parsed for the contract.
    pub json: &'a dyn Fn() -> &'a Result<Value, String>,
}

/// What the response check found: its violations, the declared response it
/// fell under (for coverage), and a warning for `undeclared_status: warn`.
pub(crate) struct ResponseCheck {
    pub violations: Vec<Violation>,
    pub declared: Option<StatusKey>,
    pub warning: Option<String>,
}

/// Headers OpenAPI says a parameter list ignores: they are described elsewhere.
const IGNORED_HEADERS: &[&str] = &["accept", "content-type", "authorization"];

/// The request's parameters and JSON body against the operation.
pub(crate) fn request(spec: &Spec, op: &Operation, m: &Match, sent: &Sent<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    // Borrowed from the URL unless a name or value had to be decoded.
    let query: Vec<(Cow<'_, str>, Cow<'_, str>)> = sent.url.query_pairs().collect();
    for p in &op.params {
        let read = match p.location {
            // A step that names its operation may send another path: nothing to read.
            In::Path if m.params.is_empty() => continue,
            In::Path => Read::Values(
                m.params
                    .iter()
                    .filter(|(n, _)| *n == p.name)
                    .map(|(_, v)| percent_encoding::percent_decode_str(v).decode_utf8_lossy())
                    .collect(),
                Some(','),
            ),
            In::Query => query_param(op, p, &query),
            In::Header => {
                if IGNORED_HEADERS.iter().any(|h| p.name.eq_ignore_ascii_case(h)) {
                    continue;
                }
                Read::Values(
                    sent.headers
                        .iter()
                        .filter(|(k, _)| k.eq_ignore_ascii_case(&p.name))
                        .map(|(_, v)| Cow::Borrowed(v.as_str()))
                        .collect(),
                    Some(','),
                )
            }
            In::Cookie => Read::Values(
                sent.cookies
                    .iter()
                    .filter(|(k, _)| *k == p.name)
                    .map(|(_, v)| Cow::Borrowed(*v))
                    .collect(),
                (!p.explode).then_some(','),
            ),
        };
        let subject = format!("openapi request {} {}", p.location.name(), p.name);
        let absent = match &read {
            Read::Values(values, _) => values.is_empty(),
            Read::Fields(fields) => fields.is_empty(),
        };
        if absent {
            if p.required {
                out.push(violation(
                    subject,
                    "exists",
                    format!("present: {} requires it", op.key()),
                    "absent".into(),
                ));
            }
            continue;
        }
        if let Some(schema) = &p.schema {
            match read {
                Read::Values(values, split) => out.extend(text_value(spec, schema, &values, split, &subject)),
                Read::Fields(fields) => out.extend(form_fields(spec, schema, &fields, &subject)),
            }
        }
    }
    if let Some(body) = &op.body {
        let content_type = sent
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str());
        // A body streamed from a file (`body_file`) is sent, with its Content-Type, but not read.
        let sent_body = sent.streamed || !sent.parts.is_empty() || sent.body.is_some_and(|b| !b.is_empty());
        match content_type {
            _ if !sent_body && body.required => out.push(violation(
                "openapi request body".into(),
                "exists",
                format!("a body: {} requires one", op.key()),
                "no body".into(),
            )),
            _ if !sent_body => {}
            None => {}
            Some(ct) => {
                let ct = essence(ct);
                match MediaType::find(&body.content, &ct) {
                    None => out.push(violation(
                        "openapi request Content-Type".into(),
                        "declared",
                        declared_types(&body.content),
                        ct,
                    )),
                    Some(media) => {
                        if let Some(schema) = &media.schema {
                            out.extend(request_body(spec, schema, &media.name, &ct, sent));
                        }
                    }
                }
            }
        }
    }
    out
}

/// A parameter's value as sent, borrowed from the request where it was not decoded.
enum Read<'s> {
    /// Its values (repeated), each split at the delimiter when there is one.
    Values(Vec<Cow<'s, str>>, Option<char>),
    /// An object written as several fields (`deepObject`, an exploded `form` object).
    Fields(Vec<Field<'s>>),
}

/// A form field or an object's field: its name, and its text (None for a file part).
type Field<'s> = (Cow<'s, str>, Option<Cow<'s, str>>);

/// A query parameter as its `style` and `explode` write it.
fn query_param<'s>(op: &Operation, p: &crate::openapi::Param, query: &'s [(Cow<'_, str>, Cow<'_, str>)]) -> Read<'s> {
    let named = || query.iter().filter(|(k, _)| *k == p.name).map(|(_, v)| v.as_ref());
    match (p.style, p.shape) {
        // `filter[name]=x&filter[age]=3`
        (Style::DeepObject, _) => Read::Fields(
            query
                .iter()
                .filter_map(|(k, v)| {
                    let inner = k.strip_prefix(p.name.as_str())?.strip_prefix('[')?;
                    let (field, _) = inner.split_once(']')?;
                    Some((Cow::Borrowed(field), Some(Cow::Borrowed(v.as_ref()))))
                })
                .collect(),
        ),
        // `name=x&age=3`: every query field no other parameter declares.
        (Style::Form, Shape::Object) if p.explode => Read::Fields(
            query
                .iter()
                .filter(|(k, _)| {
                    !op.params.iter().any(|q| {
                        q.location == In::Query
                            && (q.name == *k
                                || (q.style == Style::DeepObject
                                    && k.strip_prefix(q.name.as_str()).is_some_and(|r| r.starts_with('['))))
                    })
                })
                .map(|(k, v)| (Cow::Borrowed(k.as_ref()), Some(Cow::Borrowed(v.as_ref()))))
                .collect(),
        ),
        // `filter=name,x,age,3`
        (Style::Form, Shape::Object) => Read::Fields(
            named()
                .flat_map(|v| {
                    let items: Vec<&str> = v.split(',').collect();
                    items
                        .chunks(2)
                        .map(|kv| {
                            (
                                Cow::Borrowed(kv[0]),
                                Some(Cow::Borrowed(kv.get(1).copied().unwrap_or_default())),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
        ),
        (style, _) => {
            let delimiter = match style {
                Style::SpaceDelimited => ' ',
                Style::PipeDelimited => '|',
                _ => ',',
            };
            Read::Values(named().map(Cow::Borrowed).collect(), (!p.explode).then_some(delimiter))
        }
    }
}

/// The response against the operation's declared responses.
pub(crate) fn response(spec: &Spec, op: &Operation, got: &Got<'_>, warn_undeclared: bool) -> ResponseCheck {
    let mut out = Vec::new();
    let Some(declared) = op.response(got.status) else {
        let codes: Vec<String> = op.responses.iter().map(|r| r.status.text()).collect();
        let expected = if codes.is_empty() {
            format!("a status {} declares (it declares none)", op.key())
        } else {
            format!("a status {} declares: {}", op.key(), codes.join(", "))
        };
        let actual = got.status.to_string();
        if warn_undeclared {
            return ResponseCheck {
                violations: Vec::new(),
                declared: None,
                warning: Some(format!("OpenAPI: status {actual} is not declared; expected {expected}")),
            };
        }
        out.push(violation("openapi status".into(), "declared", expected, actual));
        return ResponseCheck {
            violations: out,
            declared: None,
            warning: None,
        };
    };
    let status = declared.status.text();
    for h in &declared.headers {
        let subject = format!("openapi header {}", h.name);
        let values: Vec<Cow<'_, str>> = got
            .headers
            .get_all(h.name.as_str())
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()))
            .collect();
        if values.is_empty() {
            if h.required {
                out.push(violation(
                    subject,
                    "exists",
                    format!("present: {} {status} requires it", op.key()),
                    "absent".into(),
                ));
            }
        } else if let Some(schema) = &h.schema {
            out.extend(text_value(spec, schema, &values, Some(','), &subject));
        }
    }
    if !declared.content.is_empty() && !got.head {
        // Read once, without its parameters, in lower case.
        let content_type = got
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| essence(&String::from_utf8_lossy(v.as_bytes())));
        match content_type {
            None if got.body.is_empty() => {}
            None => out.push(violation(
                "openapi Content-Type".into(),
                "declared",
                declared_types(&declared.content),
                "no Content-Type".into(),
            )),
            Some(ct) => match MediaType::find(&declared.content, &ct) {
                None => out.push(violation(
                    "openapi Content-Type".into(),
                    "declared",
                    declared_types(&declared.content),
                    ct,
                )),
                Some(media) => {
                    if let Some(schema) = &media.schema {
                        if is_json(&media.name) || is_json(&ct) {
                            match (got.json)() {
                                Ok(doc) => out.extend(document(spec, schema, doc, "openapi body")),
                                Err(why) => out.push(violation(
                                    "openapi body".into(),
                                    "json",
                                    format!("a JSON body, as `{}` in {} says", media.name, schema.place),
                                    why.clone(),
                                )),
                            }
                        } else {
                            let text = Value::String(String::from_utf8_lossy(got.body).into_owned());
                            out.extend(document(spec, schema, &text, "openapi body"));
                        }
                    }
                }
            },
        }
    }
    ResponseCheck {
        violations: out,
        declared: Some(declared.status),
        warning: None,
    }
}

/// A request body against the schema of its declared media type: JSON parsed, a
/// URL-encoded form or multipart parts read as an object of their fields; any other
/// media type is not read.
fn request_body(spec: &Spec, schema: &Compiled, declared: &str, sent_type: &str, sent: &Sent<'_>) -> Vec<Violation> {
    const SUBJECT: &str = "openapi request body";
    if is_json(declared) || is_json(sent_type) {
        let Some(bytes) = sent.body else {
            return Vec::new();
        };
        return match serde_json::from_slice::<Value>(bytes) {
            Ok(doc) => document(spec, schema, &doc, SUBJECT),
            Err(e) => vec![violation(
                SUBJECT.into(),
                "json",
                format!("a JSON body, as `{declared}` says"),
                format!("not JSON: {e}"),
            )],
        };
    }
    let fields: Vec<Field<'_>> = match sent_type {
        "application/x-www-form-urlencoded" => match sent.body {
            Some(bytes) => url::form_urlencoded::parse(bytes).map(|(k, v)| (k, Some(v))).collect(),
            None => return Vec::new(),
        },
        // Only parts Sortie built are known; a multipart body written by hand is not parsed.
        "multipart/form-data" if !sent.parts.is_empty() => sent
            .parts
            .iter()
            .map(|&(k, v)| (Cow::Borrowed(k), v.map(Cow::Borrowed)))
            .collect(),
        _ => return Vec::new(),
    };
    form_fields(spec, schema, &fields, SUBJECT)
}

/// How a form field's text is read as JSON, tried in this order until its schema agrees.
#[derive(Clone, Copy, PartialEq)]
enum Reading {
    /// The number, boolean or null it spells, else text.
    Scalar,
    Text,
    /// A list (its values repeated, or one value alone) of what they spell.
    List,
    /// A list of texts: `roles=12` for an array of strings.
    TextList,
}

impl Reading {
    /// The reading to try when this one fails; none after the last.
    fn next(self) -> Option<Reading> {
        match self {
            Reading::Scalar => Some(Reading::Text),
            Reading::Text => Some(Reading::List),
            Reading::List => Some(Reading::TextList),
            Reading::TextList => None,
        }
    }
}

/// Form fields (by name; None for a file part) as an object against a schema. Each
/// field is read as the number or boolean it spells, then as text, then as a list of
/// what its values spell, then as a list of texts, moving on only while the schema
/// finds fault with that field: the property's type decides, as for a query parameter.
fn form_fields(spec: &Spec, schema: &Compiled, fields: &[Field<'_>], subject: &str) -> Vec<Violation> {
    let mut names: Vec<&str> = Vec::new();
    for (name, _) in fields {
        if !names.contains(&name.as_ref()) {
            names.push(name.as_ref());
        }
    }
    let values = |name: &str| -> Vec<&Option<Cow<'_, str>>> {
        fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v).collect()
    };
    let read = |text: &Option<Cow<'_, str>>, how: Reading| match text {
        // A file part stands as a string: its content is not read.
        None => Value::String(String::new()),
        Some(t) if how == Reading::Text => Value::String(t.to_string()),
        Some(t) => match serde_json::from_str::<Value>(t) {
            Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => v,
            _ => Value::String(t.to_string()),
        },
    };
    let build = |readings: &[Reading]| -> Value {
        let mut object = serde_json::Map::new();
        for (name, how) in names.iter().zip(readings) {
            let all = values(name);
            let value = match (how, all.as_slice()) {
                (Reading::List, _) => Value::Array(all.iter().map(|v| read(v, Reading::Scalar)).collect()),
                (Reading::TextList, _) => Value::Array(all.iter().map(|v| read(v, Reading::Text)).collect()),
                (_, [one]) => read(one, *how),
                // A repeated field is a list however it is read.
                _ => Value::Array(all.iter().map(|v| read(v, *how)).collect()),
            };
            object.insert((*name).to_owned(), value);
        }
        Value::Object(object)
    };
    let Ok(compiled) = schema.get() else {
        return document(spec, schema, &build(&vec![Reading::Scalar; names.len()]), subject);
    };
    let mut readings = vec![Reading::Scalar; names.len()];
    let mut doc = build(&readings);
    loop {
        if compiled.is_valid(&doc) {
            return Vec::new();
        }
        let faulted = faulted_fields(compiled, &doc);
        let mut moved = false;
        for (name, how) in names.iter().zip(readings.iter_mut()) {
            if let Some(next) = how.next().filter(|_| faulted.iter().any(|f| f == name)) {
                *how = next;
                moved = true;
            }
        }
        if !moved {
            break;
        }
        doc = build(&readings);
    }
    // A field no reading satisfies is shown as read first, not as a list of one.
    let faulted = faulted_fields(compiled, &doc);
    for (name, how) in names.iter().zip(readings.iter_mut()) {
        if matches!(how, Reading::List | Reading::TextList)
            && values(name).len() == 1
            && faulted.iter().any(|f| f == name)
        {
            *how = Reading::Scalar;
        }
    }
    document(spec, schema, &build(&readings), subject)
}

/// The top-level fields of an object that a schema finds fault with (from the errors'
/// instance pointers).
fn faulted_fields(compiled: &crate::check::Schema, doc: &Value) -> Vec<String> {
    compiled
        .violations(doc)
        .into_iter()
        .filter_map(|(pointer, _, _)| {
            let first = pointer.strip_prefix('/')?.split('/').next()?;
            Some(first.replace("~1", "/").replace("~0", "~"))
        })
        .collect()
}

fn declared_types(content: &[MediaType]) -> String {
    let names: Vec<&str> = content.iter().map(|m| m.name.as_str()).collect();
    format!("a declared content type: {}", names.join(", "))
}

/// A document against a schema: one violation per error, naming its JSON pointer and the
/// place in the spec of the keyword that failed.
fn document(spec: &Spec, schema: &Compiled, doc: &Value, subject: &str) -> Vec<Violation> {
    let compiled = match schema.get() {
        Ok(s) => s,
        Err(why) => {
            return vec![violation(
                subject.to_owned(),
                "schema",
                format!("the schema at {}", schema.place),
                why.to_owned(),
            )];
        }
    };
    // Most documents are valid: the cheap check first, the errors only when there are some.
    if compiled.is_valid(doc) {
        return Vec::new();
    }
    compiled
        .violations(doc)
        .into_iter()
        .map(|(pointer, message, location)| {
            let place = location
                .and_then(|l| spec.place_of(&l))
                .unwrap_or_else(|| schema.place.clone());
            let pointer = if pointer.is_empty() { "/".to_owned() } else { pointer };
            violation(
                format!("{subject} {pointer}"),
                "schema",
                format!("the schema at {place}"),
                message,
            )
        })
        .collect()
}

/// A parameter or header value (text) against its schema: as a string first, then as
/// the number, boolean or null it spells, then as a list (repeated, or comma-separated).
fn text_value(
    spec: &Spec,
    schema: &Compiled,
    values: &[Cow<'_, str>],
    split: Option<char>,
    subject: &str,
) -> Vec<Violation> {
    let scalar = |s: &str| match serde_json::from_str::<Value>(s) {
        Ok(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => v,
        _ => Value::String(s.to_owned()),
    };
    let valid = |v: &Value| schema.get().is_ok_and(|s| s.is_valid(v));
    fn texts<S: AsRef<str>>(items: &[S]) -> Value {
        Value::Array(items.iter().map(|s| Value::String(s.as_ref().to_owned())).collect())
    }
    // The forms in order of likelihood, each built only when the one before fails.
    let shown = if let [value] = values {
        let one = scalar(value.as_ref());
        if valid(&one) {
            return Vec::new();
        }
        // A text that spells a number may still be meant as text (`007`).
        if !one.is_string() && valid(&Value::String(value.to_string())) {
            return Vec::new();
        }
        let items: Vec<&str> = match split {
            Some(delimiter) => value.split(delimiter).collect(),
            None => vec![value.as_ref()],
        };
        // A list of what the items spell, then of texts (`names=12` for an array of strings).
        if valid(&Value::Array(items.iter().map(|s| scalar(s)).collect())) || valid(&texts(&items)) {
            return Vec::new();
        }
        one
    } else {
        let list = Value::Array(values.iter().map(|s| scalar(s)).collect());
        if valid(&list) || valid(&texts(values)) {
            return Vec::new();
        }
        list
    };
    document(spec, schema, &shown, subject)
        .into_iter()
        .map(|mut v| {
            v.subject = subject.to_owned();
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Sources;

    /// A spec from text, loaded as a collection names it.
    fn spec(text: &str) -> Spec {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().canonicalize().expect("canonical");
        std::fs::write(root.join("api.yaml"), text).expect("write");
        let mut sources = Sources::default();
        let span = crate::source::Span::default();
        crate::openapi::load("api.yaml", &root, &root, &mut sources, Some(span)).expect("the spec loads")
    }

    const API: &str = r#"
openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /things/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, schema: { type: integer } }
        - { name: code, in: query, schema: { type: string } }
        - { name: ids, in: query, explode: false, schema: { type: array, items: { type: integer } } }
      responses:
        "200": { description: ok, content: { application/json: { schema: { type: object, required: [a] } } } }
        4XX: { description: refused }
        default: { description: other }
"#;

    fn got<'a>(
        status: u16,
        headers: &'a reqwest::header::HeaderMap,
        json: &'a dyn Fn() -> &'a Result<Value, String>,
    ) -> Got<'a> {
        Got {
            status,
            head: false,
            headers,
            body: b"",
            json,
        }
    }

    #[test]
    fn a_status_falls_under_its_code_then_its_range_then_default() {
        let spec = spec(API);
        let op = &spec.operations[0];
        let headers = reqwest::header::HeaderMap::new();
        let json: Result<Value, String> = Ok(serde_json::json!({}));
        let json = || &json;
        let declared = |status| response(&spec, op, &got(status, &headers, &json), false).declared;
        assert_eq!(declared(404), Some(StatusKey::Range(4)));
        assert_eq!(declared(503), Some(StatusKey::Default));
        // 200 declares JSON: a response with no Content-Type and an empty body passes.
        assert_eq!(declared(200), Some(StatusKey::Code(200)));
    }

    #[test]
    fn a_head_response_has_no_body_to_check() {
        let spec = spec(API);
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("content-type", "application/json".parse().expect("header"));
        let not_json: Result<Value, String> = Err("an empty body".to_owned());
        let not_json = || &not_json;
        let mut g = got(200, &headers, &not_json);
        g.body = b"x";
        assert_eq!(response(&spec, &spec.operations[0], &g, false).violations.len(), 1);
        g.head = true;
        assert!(response(&spec, &spec.operations[0], &g, false).violations.is_empty());
    }

    #[test]
    fn parameters_are_read_as_text_numbers_or_lists() {
        let spec = spec(API);
        let op = &spec.operations[0];
        let check = |url: &str, id: &str| {
            let url = url::Url::parse(url).expect("url");
            let m = Match {
                operation: 0,
                params: vec![("id".into(), id.into())],
            };
            let sent = Sent {
                url: &url,
                headers: &[],
                body: None,
                parts: &[],
                streamed: false,
                cookies: &[],
            };
            request(&spec, op, &m, &sent)
                .into_iter()
                .map(|v| v.subject)
                .collect::<Vec<_>>()
        };
        // `007` is text for a string, `7` a number for an integer, `1,2` a list.
        assert!(check("http://h/things/7?code=007&ids=1,2", "7").is_empty());
        assert_eq!(
            check("http://h/things/x?ids=1,b", "x"),
            vec!["openapi request path id", "openapi request query ids"]
        );
    }

    #[test]
    fn form_fields_are_read_as_their_properties_types_say() {
        let spec = spec(
            r#"
openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /f:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                n: { type: integer }
                code: { type: string }
                roles: { type: array, items: { type: string } }
      responses: { "204": { description: ok } }
"#,
        );
        let op = &spec.operations[0];
        let check = |body: &str| {
            let url = url::Url::parse("http://h/f").expect("url");
            let headers = [(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            )];
            let m = Match {
                operation: 0,
                params: Vec::new(),
            };
            let sent = Sent {
                url: &url,
                headers: &headers,
                body: Some(body.as_bytes()),
                parts: &[],
                streamed: false,
                cookies: &[],
            };
            request(&spec, op, &m, &sent)
        };
        // A number for `n`, text for `code` (`007` stays text), a list of one or of two for `roles`.
        assert!(check("n=3&code=007&roles=a").is_empty());
        assert!(check("roles=a&roles=b").is_empty());
        // A field no reading satisfies is shown as first read, not as a list of one.
        let wrong = check("n=x");
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].subject, "openapi request body /n");
        assert!(wrong[0].actual.starts_with("\"x\""), "{wrong:?}");
    }
}
