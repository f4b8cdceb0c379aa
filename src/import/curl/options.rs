//! curl's command line, read as curl reads it: short flags bundled (`-sSL`)
//! or with their value attached (`-XPOST`), long options, the URL; then what
//! each option asks for. Options that change only curl's output, and options
//! with no equivalent in a collection, are kept by name to be listed.

use super::Command;
use crate::diagnostic::Diagnostic;

/// What one curl command asks for.
#[derive(Default)]
pub(super) struct Curl {
    pub(super) method: Option<String>,
    pub(super) url: Option<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) data: Vec<Data>,
    pub(super) json: Vec<String>,
    pub(super) form: Vec<(String, String, bool)>,
    pub(super) user: Option<String>,
    pub(super) digest: bool,
    pub(super) bearer: Option<String>,
    pub(super) cookies: Vec<String>,
    pub(super) upload: Option<String>,
    pub(super) get: bool,
    pub(super) head: bool,
    pub(super) insecure: bool,
    pub(super) http2: bool,
    pub(super) max_redirs: Option<u32>,
    pub(super) location: bool,
    pub(super) max_time: Option<String>,
    pub(super) connect_timeout: Option<String>,
    pub(super) retry: Option<u32>,
    /// Options that change curl's output only.
    pub(super) ignored: Vec<String>,
    /// Options that change the request but have no equivalent here.
    pub(super) unsupported: Vec<String>,
}

pub(super) enum Data {
    /// Sent as written (`--data-raw`, or `-d` without `@`).
    Text(String),
    /// `-d @file` / `--data-binary @file`.
    File(String),
    /// `--data-urlencode`: already encoded.
    Encoded(String),
}

/// Long options that take a value, with the short letter when there is one.
const WITH_VALUE: &[(&str, Option<char>)] = &[
    ("--request", Some('X')),
    ("--header", Some('H')),
    ("--data", Some('d')),
    ("--data-ascii", None),
    ("--data-raw", None),
    ("--data-binary", None),
    ("--data-urlencode", None),
    ("--json", None),
    ("--form", Some('F')),
    ("--form-string", None),
    ("--user", Some('u')),
    ("--oauth2-bearer", None),
    ("--cookie", Some('b')),
    ("--cookie-jar", Some('c')),
    ("--user-agent", Some('A')),
    ("--referer", Some('e')),
    ("--url", None),
    ("--output", Some('o')),
    ("--write-out", Some('w')),
    ("--max-time", Some('m')),
    ("--connect-timeout", None),
    ("--max-redirs", None),
    ("--retry", None),
    ("--retry-delay", None),
    ("--retry-max-time", None),
    ("--range", Some('r')),
    ("--upload-file", Some('T')),
    ("--proxy", Some('x')),
    ("--proxy-user", Some('U')),
    ("--cacert", None),
    ("--capath", None),
    ("--cert", Some('E')),
    ("--key", None),
    ("--cert-type", None),
    ("--key-type", None),
    ("--resolve", None),
    ("--connect-to", None),
    ("--interface", None),
    ("--dump-header", Some('D')),
    ("--trace", None),
    ("--trace-ascii", None),
    ("--config", Some('K')),
    ("--limit-rate", None),
    ("--max-filesize", None),
    ("--time-cond", Some('z')),
    ("--speed-limit", Some('Y')),
    ("--speed-time", Some('y')),
    ("--continue-at", Some('C')),
    ("--quote", Some('Q')),
    ("--telnet-option", Some('t')),
    ("--aws-sigv4", None),
    ("--unix-socket", None),
    ("--abstract-unix-socket", None),
    ("--local-port", None),
    ("--netrc-file", None),
    ("--ciphers", None),
    ("--pinnedpubkey", None),
    ("--request-target", None),
    ("--variable", None),
    ("--expand-url", None),
    ("--expand-header", None),
    ("--expand-data", None),
];

/// Options that only change what curl prints or where it saves: nothing to send.
const OUTPUT_ONLY: &[&str] = &[
    "--silent",
    "--show-error",
    "--verbose",
    "--include",
    "--output",
    "--remote-name",
    "--write-out",
    "--fail",
    "--fail-with-body",
    "--progress-bar",
    "--no-progress-meter",
    "--trace",
    "--trace-ascii",
    "--dump-header",
    "--cookie-jar",
    "--globoff",
    "--no-buffer",
    "--create-dirs",
    "--remote-header-name",
    "--styled-output",
    "--compressed",
    "--http1.1",
    "--http2",
    "--tcp-nodelay",
    "--keepalive-time",
    "--path-as-is",
    "--ipv4",
    "--ipv6",
    "--no-keepalive",
    "--location-trusted",
    "--retry-delay",
    "--retry-max-time",
    "--retry-all-errors",
    "--retry-connrefused",
    "--compressed-ssh",
    "--raw",
];

/// Short boolean flags and their long names.
const SHORT_FLAGS: &[(char, &str)] = &[
    ('s', "--silent"),
    ('S', "--show-error"),
    ('v', "--verbose"),
    ('i', "--include"),
    ('I', "--head"),
    ('k', "--insecure"),
    ('L', "--location"),
    ('G', "--get"),
    ('f', "--fail"),
    ('O', "--remote-name"),
    ('J', "--remote-header-name"),
    ('g', "--globoff"),
    ('N', "--no-buffer"),
    ('#', "--progress-bar"),
    ('4', "--ipv4"),
    ('6', "--ipv6"),
    ('n', "--netrc"),
    ('j', "--junk-session-cookies"),
    ('l', "--list-only"),
    ('p', "--proxytunnel"),
    ('q', "--disable"),
    ('R', "--remote-time"),
    ('Z', "--parallel"),
    ('0', "--http1.0"),
    ('1', "--tlsv1"),
    ('2', "--sslv2"),
    ('3', "--sslv3"),
];

/// `-XPOST`, `-sSL`, `--data x` → (long name, value) pairs, with the URL(s) as `--url`.
fn options(words: &[String], place: &str) -> Result<Vec<(String, Option<String>)>, Diagnostic> {
    let mut out = Vec::new();
    let mut i = 0;
    let takes = |long: &str| WITH_VALUE.iter().any(|(l, _)| *l == long);
    let value_of = |i: &mut usize, name: &str| -> Result<String, Diagnostic> {
        *i += 1;
        words
            .get(*i)
            .cloned()
            .ok_or_else(|| Diagnostic::new(format!("{place}: `{name}` needs a value")))
    };
    while i < words.len() {
        let w = &words[i];
        if let Some(long) = w.strip_prefix("--").filter(|l| !l.is_empty()) {
            let name = format!("--{long}");
            if takes(&name) {
                let v = value_of(&mut i, &name)?;
                out.push((name, Some(v)));
            } else {
                out.push((name, None));
            }
        } else if w.len() > 1 && w.starts_with('-') {
            let chars: Vec<char> = w[1..].chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k];
                if let Some((long, _)) = WITH_VALUE.iter().find(|(_, s)| *s == Some(c)) {
                    let rest: String = chars[k + 1..].iter().collect();
                    let v = if rest.is_empty() {
                        value_of(&mut i, &format!("-{c}"))?
                    } else {
                        rest
                    };
                    out.push(((*long).to_owned(), Some(v)));
                    break;
                }
                let long = SHORT_FLAGS
                    .iter()
                    .find(|(s, _)| *s == c)
                    .map_or_else(|| format!("-{c}"), |(_, l)| (*l).to_owned());
                out.push((long, None));
                k += 1;
            }
        } else {
            out.push(("--url".to_owned(), Some(w.clone())));
        }
        i += 1;
    }
    Ok(out)
}

pub(super) fn parse(cmd: &Command) -> Result<Curl, Diagnostic> {
    let mut c = Curl::default();
    for (name, value) in options(&cmd.words, &cmd.place)? {
        let v = value.clone().unwrap_or_default();
        match name.as_str() {
            "--request" => c.method = Some(v.to_ascii_uppercase()),
            "--url" => {
                if c.url.is_some() {
                    c.unsupported.push(format!(
                        "a second URL `{v}` (one request per step: import it as its own command)"
                    ));
                } else {
                    c.url = Some(v);
                }
            }
            "--header" => match v.split_once(':') {
                Some((k, val)) => c.headers.push((k.trim().to_owned(), val.trim().to_owned())),
                None => match v.strip_suffix(';') {
                    Some(k) => c.headers.push((k.trim().to_owned(), String::new())),
                    None => c.unsupported.push(format!("-H `{v}` (not a `Name: value` header)")),
                },
            },
            "--data" | "--data-ascii" | "--data-binary" => match v.strip_prefix('@') {
                Some(path) => c.data.push(Data::File(path.to_owned())),
                None => c.data.push(Data::Text(if name == "--data-binary" {
                    v
                } else {
                    v.replace(['\r', '\n'], "")
                })),
            },
            "--data-raw" => c.data.push(Data::Text(v)),
            "--data-urlencode" => c.data.push(urlencode(&v, &mut c.unsupported)),
            "--json" => c.json.push(v),
            "--form" => c.form.push(split_form(&v, true)),
            "--form-string" => c.form.push(split_form(&v, false)),
            "--user" => c.user = Some(v),
            "--digest" => c.digest = true,
            "--basic" => c.digest = false,
            "--oauth2-bearer" => c.bearer = Some(v),
            "--cookie" => {
                if v.contains('=') {
                    c.cookies.push(v);
                } else {
                    c.unsupported.push(format!(
                        "-b `{v}` (a cookie file: the session keeps the cookies servers set)"
                    ));
                }
            }
            "--user-agent" => c.headers.push(("User-Agent".into(), v)),
            "--referer" => c.headers.push(("Referer".into(), v)),
            "--range" => c.headers.push(("Range".into(), format!("bytes={v}"))),
            "--upload-file" => c.upload = Some(v),
            "--get" => c.get = true,
            "--head" => c.head = true,
            "--insecure" => c.insecure = true,
            "--http2-prior-knowledge" => c.http2 = true,
            "--location" => c.location = true,
            "--max-redirs" => c.max_redirs = v.parse().ok(),
            "--max-time" => c.max_time = Some(v),
            "--connect-timeout" => c.connect_timeout = Some(v),
            "--retry" => c.retry = v.parse().ok(),
            n if OUTPUT_ONLY.contains(&n) => c.ignored.push(n.to_owned()),
            n => c.unsupported.push(match value {
                Some(v) => format!("{n} {}", shell_words::quote(&v)),
                None => n.to_owned(),
            }),
        }
    }
    // curl joins a file's content with the other data; a collection body is text or a file.
    if c.data.len() > 1 {
        for d in &c.data {
            if let Data::File(path) = d {
                c.unsupported.push(format!(
                    "the content of `@{path}` among other data (sent as the text `@{path}`)"
                ));
            }
        }
    }
    Ok(c)
}

/// `--data-urlencode`: `content`, `=content`, `name=content`, `@file`, `name@file`.
fn urlencode(v: &str, unsupported: &mut Vec<String>) -> Data {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    if let Some((name, content)) = v.split_once('=') {
        return Data::Encoded(if name.is_empty() {
            enc(content)
        } else {
            format!("{name}={}", enc(content))
        });
    }
    if v.contains('@') {
        unsupported.push(format!("--data-urlencode `{v}` (a file's content, encoded)"));
        return Data::Encoded(String::new());
    }
    Data::Encoded(enc(v))
}

/// `-F name=value`, `name=@file;type=…;filename=…`, `name=<file`; the flag says
/// whether `@` and `<` are read (`-F`) or literal (`--form-string`).
fn split_form(v: &str, files: bool) -> (String, String, bool) {
    let (name, value) = v.split_once('=').unwrap_or((v, ""));
    (name.to_owned(), value.to_owned(), files)
}

#[cfg(test)]
mod tests {
    use super::options;

    fn read(words: &[&str]) -> Vec<(String, Option<String>)> {
        let words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        options(&words, "test").expect("readable")
    }

    fn pair(name: &str, value: Option<&str>) -> (String, Option<String>) {
        (name.to_owned(), value.map(str::to_owned))
    }

    #[test]
    fn short_flags_bundle_and_take_attached_values() {
        assert_eq!(
            read(&["-sSL", "-XPOST", "-d@body.json", "-H", "A: b", "https://h/x"]),
            [
                pair("--silent", None),
                pair("--show-error", None),
                pair("--location", None),
                pair("--request", Some("POST")),
                pair("--data", Some("@body.json")),
                pair("--header", Some("A: b")),
                pair("--url", Some("https://h/x")),
            ]
        );
    }

    #[test]
    fn an_unknown_option_is_kept_by_name_and_a_known_one_takes_its_value() {
        assert_eq!(
            read(&["--proxy", "http://p:1", "--frobnicate", "https://h/"]),
            [
                pair("--proxy", Some("http://p:1")),
                pair("--frobnicate", None),
                pair("--url", Some("https://h/")),
            ]
        );
    }

    #[test]
    fn a_missing_value_is_an_error_naming_the_option() {
        let words = vec!["-H".to_owned()];
        let e = options(&words, "cmd.sh:3").expect_err("no value");
        assert_eq!(e.message, "cmd.sh:3: `-H` needs a value");
    }
}
