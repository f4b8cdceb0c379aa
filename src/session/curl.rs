//! A `curl` command that sends the same request, for reproducing failures:
//! the method, URL, headers and body as sent, `-u` (with `--digest`) for
//! basic and digest auth, `-b` for the cookies sent, `--compressed` for
//! Sortie's `Accept-Encoding`, `-F` for multipart parts and `@PATH` for a body
//! streamed from a file.
//!
//! A secret never appears in it: each is a shell variable reference
//! (`"$SORTIE_PASSWORD"`, named after the variable that holds it), listed in
//! [`Command::vars`] for the reader to export. A secret found only in an encoded
//! form (percent-encoded in a URL, say) is `***`.

use std::fmt::Write as _;

use reqwest::Url;

use super::request_body::RequestBody;
use crate::redact::{MASK, Redactor};

/// Quotes a word for a POSIX shell.
pub(crate) fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%".contains(&b))
    {
        return s.to_owned();
    }
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What curl needs to know of a request besides its headers and body: how its
/// credentials and multipart parts were written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Replay {
    /// Basic or digest credentials (`-u user:password`, `--digest`): the
    /// `Authorization` header is then left to curl.
    pub user: Option<UserAuth>,
    /// The parts of a multipart body, in order (`-F`), when it is one.
    pub form: Vec<FormPart>,
    /// The token URL of OAuth2 auth: the `Authorization` header's token is then
    /// `$SORTIE_OAUTH2_TOKEN`, fetched from there.
    pub oauth2_token_url: Option<String>,
    /// Most redirects the step follows (`-L --max-redirs N`); 0: none, as curl by default.
    pub redirects: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct UserAuth {
    pub user: String,
    pub password: String,
    pub digest: bool,
}

/// One multipart part as curl's `-F` writes it.
#[derive(Debug, Clone)]
pub(crate) struct FormPart {
    pub name: String,
    pub content: PartContent,
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum PartContent {
    Value(String),
    File(std::path::PathBuf),
}

/// What curl is given on top of the request: TLS and proxy settings.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub insecure: bool,
    pub cacert: Option<std::path::PathBuf>,
    pub cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
    pub proxy: Option<String>,
    pub http2_prior_knowledge: bool,
}

/// A request as curl should send it: raw values (secrets in them are replaced
/// as the command is written).
pub(crate) struct Request<'a> {
    pub method: &'a str,
    pub url: &'a Url,
    /// As sent (or as the step made them when nothing was sent), names as written.
    pub headers: &'a [(String, String)],
    pub body: Option<&'a RequestBody>,
    pub replay: &'a Replay,
    pub options: &'a Options,
}

/// The secrets a command must not show: the redactor's, and the values of named
/// secret variables, each with the shell variable it is written as.
pub(crate) struct Secrets<'a> {
    pub redactor: &'a Redactor,
    /// `(value, shell variable, what it is)`, e.g. `("hunter2", "SORTIE_PASSWORD", "variable `password`")`.
    pub named: &'a [(String, String, String)],
}

/// A command line and the shell variables it reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Command {
    pub text: String,
    /// `(shell variable, what it holds)`, in order of first use.
    pub vars: Vec<(String, String)>,
}

/// The shell variable a named secret is written as: the environment variable
/// itself for `env.NAME`, else `SORTIE_` and the variable's name in capitals.
pub(crate) fn var_name(name: &str, from_env: bool) -> String {
    let base: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if from_env { base } else { format!("SORTIE_{base}") }
}

struct Writer<'a> {
    secrets: &'a Secrets<'a>,
    out: String,
    vars: Vec<(String, String)>,
    /// Unnamed secrets given a variable, by value.
    unnamed: Vec<(String, String)>,
}

impl Writer<'_> {
    fn arg(&mut self, flag: &str) {
        self.out.push(' ');
        self.out.push_str(flag);
    }

    /// `raw` as one shell word, each secret in it a variable reference. With
    /// `whole` (a credential header's value, a cookie's), a value in which no
    /// secret is found is a secret as a whole, written as that variable.
    fn word(&mut self, raw: &str, whole: Option<(&str, &str)>) {
        self.out.push(' ');
        if Redactor::has_url_credentials(raw) {
            // A URL's credentials are masked by position, however short: no variable
            // could stand for them here.
            self.out.push_str(&shell_quote(&self.secrets.redactor.string(raw)));
            return;
        }
        let mut ranges = self.secrets.redactor.ranges(raw);
        if ranges.is_empty()
            && !raw.is_empty()
            && let Some((var, what)) = whole
        {
            let var = self.unnamed_var(raw, var, what);
            let _ = write!(self.out, "\"${var}\"");
            return;
        }
        if ranges.is_empty() {
            self.out.push_str(&shell_quote(raw));
            return;
        }
        ranges.sort_by_key(|r| r.start);
        let mut done = 0;
        for r in ranges {
            if r.start > done {
                self.out.push_str(&literal(&raw[done..r.start]));
            }
            let matched = &raw[r.clone()];
            if let Some((_, var, what)) = self.secrets.named.iter().find(|(v, _, _)| v == matched) {
                let (var, what) = (var.clone(), what.clone());
                self.used(&var, &what);
                let _ = write!(self.out, "\"${var}\"");
            } else if self.secrets.redactor.is_secret(matched) {
                let (var, what) = whole.unwrap_or(("SORTIE_SECRET", "a secret the run obtained"));
                let var = self.unnamed_var(matched, var, what);
                let _ = write!(self.out, "\"${var}\"");
            } else {
                // An encoded form: not the value a variable would hold.
                self.out.push_str(MASK);
            }
            done = r.end;
        }
        if done < raw.len() {
            self.out.push_str(&literal(&raw[done..]));
        }
    }

    /// The variable for a secret no named variable holds, numbered when the name is taken.
    fn unnamed_var(&mut self, value: &str, var: &str, what: &str) -> String {
        if let Some((_, v)) = self.unnamed.iter().find(|(val, _)| val == value) {
            return v.clone();
        }
        let mut name = var.to_owned();
        let mut n = 1;
        while self.vars.iter().any(|(v, _)| *v == name) {
            n += 1;
            name = format!("{var}_{n}");
        }
        self.unnamed.push((value.to_owned(), name.clone()));
        self.used(&name, what);
        name
    }

    fn used(&mut self, var: &str, what: &str) {
        if !self.vars.iter().any(|(v, _)| v == var) {
            self.vars.push((var.to_owned(), what.to_owned()));
        }
    }
}

/// A piece of a word, quoted for the shell (empty stays empty).
fn literal(s: &str) -> String {
    if s.is_empty() { String::new() } else { shell_quote(s) }
}

/// `SORTIE_` and a header or cookie name in capitals.
fn derived(prefix: &str, name: &str) -> String {
    format!("SORTIE_{prefix}{}", var_name(name, true))
}

/// The curl command for `req`.
pub(crate) fn command(req: &Request<'_>, secrets: &Secrets<'_>) -> Command {
    let mut w = Writer {
        secrets,
        out: String::from("curl"),
        vars: Vec::new(),
        unnamed: Vec::new(),
    };
    let o = req.options;
    if o.insecure {
        w.arg("--insecure");
    }
    if let Some(ca) = &o.cacert {
        w.arg("--cacert");
        w.word(&ca.display().to_string(), None);
    }
    if let Some((cert, key)) = &o.cert {
        w.arg("--cert");
        w.word(&cert.display().to_string(), None);
        w.arg("--key");
        w.word(&key.display().to_string(), None);
    }
    if let Some(proxy) = &o.proxy {
        // Its credentials go to `--proxy-user`, the password a variable.
        let parsed = Url::parse(proxy)
            .ok()
            .filter(|u| !u.username().is_empty() || u.password().is_some());
        match parsed {
            Some(mut u) => {
                let (user, password) = crate::session::auth::url_credentials(&u).unwrap_or_default();
                let _ = u.set_username("");
                let _ = u.set_password(None);
                w.arg("--proxy");
                w.word(u.as_str(), None);
                w.arg("--proxy-user");
                let user_part = literal(&format!("{user}:"));
                let var = w.unnamed_var(
                    password.as_deref().unwrap_or(""),
                    "SORTIE_PROXY_PASSWORD",
                    "the proxy's password",
                );
                let _ = write!(w.out, " {user_part}\"${var}\"");
            }
            None => {
                w.arg("--proxy");
                w.word(proxy, None);
            }
        }
    }
    if o.http2_prior_knowledge {
        w.arg("--http2-prior-knowledge");
    }
    if req.replay.redirects > 0 {
        // Sortie follows redirects unless told not to; curl only with -L (up to
        // 50: a limit other than Sortie's default is written out).
        w.arg("-L");
        if req.replay.redirects != crate::plan::DEFAULT_MAX_REDIRECTS {
            w.arg("--max-redirs");
            w.arg(&req.replay.redirects.to_string());
        }
    }
    let multipart = !req.replay.form.is_empty();
    let has_body = multipart || req.body.is_some_and(|b| !b.is_empty());
    if req.method == "HEAD" && !has_body {
        // `-X HEAD` would wait for a body that never comes.
        w.arg("--head");
    } else if req.method != "GET" || has_body {
        w.arg("-X");
        w.word(req.method, None);
    }
    // Credentials in the URL go to `-u`, where they can be variables.
    let mut url = req.url.clone();
    let url_user = crate::session::auth::url_credentials(&url);
    if url_user.is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    w.word(url.as_str(), None);
    if let Some(auth) = &req.replay.user {
        if auth.digest {
            w.arg("--digest");
        }
        w.arg("-u");
        user_word(&mut w, &auth.user, &auth.password);
    } else if let Some((user, password)) = &url_user {
        w.arg("-u");
        user_word(&mut w, user, password.as_deref().unwrap_or(""));
    }
    let host = super::outgoing::host_header(req.url);
    for (name, value) in req.headers {
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            // curl writes these from its URL and body.
            "content-length" => continue,
            "host" if host.as_ref().is_some_and(|h| h == value.as_str()) => continue,
            "accept" if value == "*/*" => continue,
            "accept-encoding" if value == super::outgoing::ACCEPT_ENCODING => {
                w.arg("--compressed");
                continue;
            }
            "authorization" if req.replay.user.is_some() || url_user.is_some() => continue,
            "content-type" if multipart && value.starts_with("multipart/form-data") => continue,
            "cookie" => {
                w.arg("-b");
                cookie_word(&mut w, value);
                continue;
            }
            _ => {}
        }
        w.arg("-H");
        let (var, what) = match &req.replay.oauth2_token_url {
            Some(url) if lower == "authorization" => (
                "SORTIE_OAUTH2_TOKEN".to_owned(),
                format!("an OAuth2 access token (client credentials grant at {url})"),
            ),
            _ => (derived("", name), format!("the value of header {name}")),
        };
        if secrets.redactor.is_sensitive_header(name) {
            // `Name: ` stays readable; the value is a secret, whole or in part.
            let mut inner = Writer {
                secrets,
                out: String::new(),
                vars: std::mem::take(&mut w.vars),
                unnamed: std::mem::take(&mut w.unnamed),
            };
            inner.word(value, Some((&var, &what)));
            w.vars = inner.vars;
            w.unnamed = inner.unnamed;
            let _ = write!(
                w.out,
                " {}{}",
                shell_quote(&format!("{name}: ")),
                inner.out.trim_start()
            );
        } else {
            w.word(&format!("{name}: {value}"), None);
        }
    }
    if multipart {
        for part in &req.replay.form {
            form_part(&mut w, part);
        }
    } else if let Some(body) = req.body.filter(|b| !b.is_empty()) {
        w.arg("--data-binary");
        match body.file_path() {
            Some(path) => w.word(&format!("@{}", path.display()), None),
            None => w.word(&body.excerpt(usize::MAX), None),
        }
    }
    Command {
        text: w.out,
        vars: w.vars,
    }
}

/// `user:password`, the password a variable unless it is a known literal that is no secret.
fn user_word(w: &mut Writer<'_>, user: &str, password: &str) {
    let user_part = literal(&format!("{user}:"));
    let before = w.out.len();
    w.word(password, Some(("SORTIE_PASSWORD", "the password")));
    let written = w.out.split_off(before);
    let _ = write!(w.out, " {user_part}{}", written.trim_start());
}

/// `name=value; …` with each credential cookie's value a variable.
fn cookie_word(w: &mut Writer<'_>, header: &str) {
    let mut word = String::new();
    for (i, pair) in header.split("; ").enumerate() {
        if i > 0 {
            word.push_str(&literal("; "));
        }
        let Some((name, value)) = pair.split_once('=') else {
            word.push_str(&literal(pair));
            continue;
        };
        word.push_str(&literal(&format!("{name}=")));
        let secret = crate::redact::is_credential_cookie(name, value, false)
            || w.secrets.redactor.is_secret(value)
            || !w.secrets.redactor.ranges(value).is_empty();
        let before = w.out.len();
        if secret {
            let var = derived("COOKIE_", name);
            let what = format!("the value of cookie {name}");
            w.word(value, Some((&var, &what)));
            // A value the redactor does not know is still the cookie's: a variable.
            if !w.out[before..].contains('$') {
                w.out.truncate(before);
                let var = w.unnamed_var(value, &var, &what);
                let _ = write!(w.out, " \"${var}\"");
            }
        } else {
            w.word(value, None);
        }
        word.push_str(w.out.split_off(before).trim_start());
    }
    let _ = write!(w.out, " {word}");
}

/// `-F name=@path;filename=…;type=…` for a file, `--form-string name=value` for a
/// plain value (curl reads nothing into it), `-F` when it has a type or file name.
fn form_part(w: &mut Writer<'_>, part: &FormPart) {
    let mut extra = String::new();
    if let Some(f) = &part.filename {
        let _ = write!(extra, ";filename={}", form_quote(f));
    }
    if let Some(t) = &part.content_type {
        let _ = write!(extra, ";type={t}");
    }
    match &part.content {
        PartContent::File(path) => {
            w.arg("-F");
            w.word(
                &format!("{}=@{}{extra}", part.name, form_quote(&path.display().to_string())),
                None,
            );
        }
        PartContent::Value(value) if extra.is_empty() => {
            w.arg("--form-string");
            w.word(&format!("{}={value}", part.name), None);
        }
        PartContent::Value(value) => {
            w.arg("-F");
            w.word(&format!("{}={}{extra}", part.name, form_quote(value)), None);
        }
    }
}

/// A `-F` field value, double-quoted when curl would read `;` or `,` in it as a separator.
fn form_quote(s: &str) -> String {
    if s.contains([';', ',', '"', '\\']) || s.starts_with(['@', '<']) {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_owned()
    }
}

/// The comment atop a file of commands: the variables to export before running them.
pub(crate) fn vars_comment(vars: &[(String, String)]) -> String {
    if vars.is_empty() {
        return String::new();
    }
    let mut out = String::from("# Secrets are shell variables; export them before running these commands:\n");
    for (var, what) in vars {
        let _ = writeln!(out, "#   export {var}=…   # {what}");
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>, replay: &Replay) -> Command {
        cmd_with(method, url, headers, body, replay, &Redactor::default(), &[])
    }

    /// `GET http://h/` with `headers`, where the run obtained `secrets`.
    fn get_with_secrets(secrets: &[&str], headers: &[(&str, &str)]) -> Command {
        let mut redactor = Redactor::default();
        for secret in secrets {
            redactor.add(secret);
        }
        cmd_with("GET", "http://h/", headers, None, &Replay::default(), &redactor, &[])
    }

    fn cmd_with(
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
        replay: &Replay,
        redactor: &Redactor,
        named: &[(String, String, String)],
    ) -> Command {
        let url = Url::parse(url).unwrap();
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();
        let body = body.map(|b| RequestBody::bytes(b.to_owned()));
        command(
            &Request {
                method,
                url: &url,
                headers: &headers,
                body: body.as_ref(),
                replay,
                options: &Options::default(),
            },
            &Secrets { redactor, named },
        )
    }

    #[test]
    fn quotes_what_the_shell_would_split() {
        let c = cmd(
            "POST",
            "http://h/x?a=1&b=2",
            &[("Content-Type", "application/json")],
            Some(r#"{"it's": 1}"#),
            &Replay::default(),
        );
        assert_eq!(
            c.text,
            r#"curl -X POST 'http://h/x?a=1&b=2' -H 'Content-Type: application/json' --data-binary '{"it'\''s": 1}'"#
        );
        assert!(c.vars.is_empty());
    }

    #[test]
    fn plain_words_stay_bare_and_the_empty_word_is_quoted() {
        assert_eq!(shell_quote("a-z_0.9/:=@,+%"), "a-z_0.9/:=@,+%");
        assert_eq!(shell_quote(""), "''");
        for word in ["a b", "$HOME", "a;b", "*", "x\"y", "é"] {
            assert_eq!(shell_quote(word), format!("'{word}'"));
        }
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn the_method_is_named_unless_a_plain_get_and_head_is_head() {
        let r = Replay::default();
        assert_eq!(cmd("GET", "http://h/", &[], None, &r).text, "curl http://h/");
        assert_eq!(cmd("HEAD", "http://h/", &[], None, &r).text, "curl --head http://h/");
        assert_eq!(
            cmd("DELETE", "http://h/", &[], None, &r).text,
            "curl -X DELETE http://h/"
        );
        assert_eq!(
            cmd("GET", "http://h/", &[], Some("q"), &r).text,
            "curl -X GET http://h/ --data-binary q"
        );
    }

    #[test]
    fn defaults_become_flags_and_what_curl_writes_itself_is_left_out() {
        let c = cmd(
            "GET",
            "http://h:8080/",
            &[
                ("host", "h:8080"),
                ("user-agent", "sortie/1"),
                ("accept", "*/*"),
                ("accept-encoding", "gzip,deflate,br"),
                ("cookie", "theme=dark; sid=abcdefgh"),
                ("content-length", "0"),
            ],
            None,
            &Replay::default(),
        );
        assert_eq!(
            c.text,
            r#"curl http://h:8080/ -H 'user-agent: sortie/1' --compressed -b theme=dark'; 'sid="$SORTIE_COOKIE_SID""#
        );
        assert_eq!(c.vars, [("SORTIE_COOKIE_SID".into(), "the value of cookie sid".into())]);
    }

    #[test]
    fn secrets_are_variables_named_after_theirs() {
        let mut redactor = Redactor::default();
        redactor.add("hunter2-secret");
        redactor.add("tok-123456");
        let named = [(
            "hunter2-secret".to_owned(),
            "SORTIE_PASSWORD".to_owned(),
            "variable `password`".to_owned(),
        )];
        let replay = Replay {
            user: Some(UserAuth {
                user: "alice".into(),
                password: "hunter2-secret".into(),
                digest: true,
            }),
            ..Replay::default()
        };
        let c = cmd_with(
            "POST",
            "http://h/login",
            &[("authorization", "Digest x"), ("x-token", "tok-123456")],
            Some(r#"{"p":"hunter2-secret"}"#),
            &replay,
            &redactor,
            &named,
        );
        assert_eq!(
            c.text,
            r#"curl -X POST http://h/login --digest -u alice:"$SORTIE_PASSWORD" -H 'x-token: '"$SORTIE_SECRET" --data-binary '{"p":"'"$SORTIE_PASSWORD"'"}'"#
        );
        assert_eq!(
            c.vars,
            [
                ("SORTIE_PASSWORD".into(), "variable `password`".into()),
                ("SORTIE_SECRET".into(), "a secret the run obtained".into())
            ]
        );
        assert!(!c.text.contains("hunter2") && !c.text.contains("tok-123456"));
    }

    #[test]
    fn each_unnamed_secret_gets_a_variable_of_its_own_and_keeps_it() {
        let c = get_with_secrets(
            &["tok-aaaaaa", "tok-bbbbbb"],
            &[("x-a", "tok-aaaaaa"), ("x-b", "tok-bbbbbb"), ("x-c", "tok-aaaaaa")],
        );
        assert_eq!(
            c.text,
            r#"curl http://h/ -H 'x-a: '"$SORTIE_SECRET" -H 'x-b: '"$SORTIE_SECRET_2" -H 'x-c: '"$SORTIE_SECRET""#
        );
        assert_eq!(
            c.vars,
            [
                ("SORTIE_SECRET".into(), "a secret the run obtained".into()),
                ("SORTIE_SECRET_2".into(), "a secret the run obtained".into())
            ]
        );
    }

    #[test]
    fn a_credential_header_no_secret_is_found_in_is_a_variable_whole() {
        let c = cmd(
            "GET",
            "http://h/",
            &[("Authorization", "Bearer abc")],
            None,
            &Replay::default(),
        );
        assert_eq!(c.text, r#"curl http://h/ -H 'Authorization: '"$SORTIE_AUTHORIZATION""#);
        let c = cmd(
            "GET",
            "http://u:pw@h/",
            &[("authorization", "Basic dTpwdw==")],
            None,
            &Replay::default(),
        );
        assert_eq!(c.text, r#"curl http://h/ -u u:"$SORTIE_PASSWORD""#);
    }

    #[test]
    fn credentials_of_a_url_in_a_body_stay_masked() {
        let c = cmd(
            "POST",
            "http://h/",
            &[],
            Some("see http://bob:pw@other/x"),
            &Replay::default(),
        );
        assert_eq!(
            c.text,
            "curl -X POST http://h/ --data-binary 'see http://bob:***@other/x'"
        );
    }

    #[test]
    fn a_step_that_follows_redirects_is_replayed_with_l() {
        let follow = |redirects| Replay {
            redirects,
            ..Replay::default()
        };
        assert_eq!(cmd("GET", "http://h/", &[], None, &follow(0)).text, "curl http://h/");
        assert_eq!(
            cmd("GET", "http://h/", &[], None, &follow(10)).text,
            "curl -L http://h/"
        );
        assert_eq!(
            cmd("GET", "http://h/", &[], None, &follow(3)).text,
            "curl -L --max-redirs 3 http://h/"
        );
    }

    #[test]
    fn multipart_parts_are_form_fields() {
        let replay = Replay {
            user: None,
            oauth2_token_url: None,
            redirects: 0,
            form: vec![
                FormPart {
                    name: "file".into(),
                    content: PartContent::File("/tmp/a b.png".into()),
                    filename: None,
                    content_type: Some("image/png".into()),
                },
                FormPart {
                    name: "note".into(),
                    content: PartContent::Value("@not a file".into()),
                    filename: None,
                    content_type: None,
                },
            ],
        };
        let c = cmd(
            "POST",
            "http://h/up",
            &[("content-type", "multipart/form-data; boundary=x")],
            Some("ignored"),
            &replay,
        );
        assert_eq!(
            c.text,
            "curl -X POST http://h/up -F 'file=@/tmp/a b.png;type=image/png' --form-string 'note=@not a file'"
        );
    }

    #[test]
    fn headers_unlike_those_curl_writes_itself_are_kept() {
        let c = cmd(
            "POST",
            "http://h:8080/",
            &[
                ("host", "other.test"),
                ("accept", "application/json"),
                ("accept-encoding", "identity"),
                ("content-type", "multipart/form-data; boundary=b"),
            ],
            Some("--b--"),
            &Replay::default(),
        );
        assert_eq!(
            c.text,
            "curl -X POST http://h:8080/ -H 'host: other.test' -H 'accept: application/json' \
             -H 'accept-encoding: identity' -H 'content-type: multipart/form-data; boundary=b' --data-binary --b--"
        );
    }

    #[test]
    fn an_oauth2_bearer_token_is_the_token_variable_and_other_headers_keep_their_names() {
        let mut redactor = Redactor::default();
        redactor.add("tok-123456");
        redactor.add_header("x-api-key");
        let replay = Replay {
            oauth2_token_url: Some("http://auth.test/token".into()),
            ..Replay::default()
        };
        let c = cmd_with(
            "GET",
            "http://h/",
            &[("authorization", "Bearer tok-123456"), ("x-api-key", "k")],
            None,
            &replay,
            &redactor,
            &[],
        );
        assert_eq!(
            c.text,
            r#"curl http://h/ -H 'authorization: ''Bearer '"$SORTIE_OAUTH2_TOKEN" -H 'x-api-key: '"$SORTIE_X_API_KEY""#
        );
        assert_eq!(
            c.vars,
            [
                (
                    "SORTIE_OAUTH2_TOKEN".into(),
                    "an OAuth2 access token (client credentials grant at http://auth.test/token)".into()
                ),
                ("SORTIE_X_API_KEY".into(), "the value of header x-api-key".into())
            ]
        );
    }

    #[test]
    fn proxy_credentials_go_to_proxy_user_and_a_proxy_without_them_is_left_as_is() {
        let url = Url::parse("http://h/").unwrap();
        let proxied = |proxy: &str| {
            command(
                &Request {
                    method: "GET",
                    url: &url,
                    headers: &[],
                    body: None,
                    replay: &Replay::default(),
                    options: &Options {
                        proxy: Some(proxy.to_owned()),
                        ..Options::default()
                    },
                },
                &Secrets {
                    redactor: &Redactor::default(),
                    named: &[],
                },
            )
            .text
        };
        assert_eq!(
            proxied("http://u:pw-secret@proxy.test:3128"),
            r#"curl --proxy http://proxy.test:3128/ --proxy-user u:"$SORTIE_PROXY_PASSWORD" http://h/"#
        );
        assert_eq!(
            proxied("http://u@proxy.test:3128"),
            r#"curl --proxy http://proxy.test:3128/ --proxy-user u:"$SORTIE_PROXY_PASSWORD" http://h/"#
        );
        assert_eq!(
            proxied("http://proxy.test:3128"),
            "curl --proxy http://proxy.test:3128 http://h/"
        );
    }

    #[test]
    fn a_typed_value_part_is_a_form_field_quoted_when_curl_would_read_it_as_a_file() {
        let part = |value: &str| FormPart {
            name: "note".into(),
            content: PartContent::Value(value.into()),
            filename: None,
            content_type: Some("text/plain".into()),
        };
        let replay = Replay {
            form: vec![part("@not a file"), part("plain")],
            ..Replay::default()
        };
        let c = cmd("POST", "http://h/up", &[], Some("ignored"), &replay);
        assert_eq!(
            c.text,
            r#"curl -X POST http://h/up -F 'note="@not a file";type=text/plain' -F 'note=plain;type=text/plain'"#
        );
    }

    #[test]
    fn a_cookie_with_a_secret_inside_is_the_cookie_variable_and_an_unknown_session_cookie_too() {
        let c = get_with_secrets(
            &["tok-123456"],
            &[("cookie", "pref=x-tok-123456-y; sid=unknown1; theme=dark")],
        );
        assert_eq!(
            c.text,
            r#"curl http://h/ -b pref=x-"$SORTIE_COOKIE_PREF"-y'; 'sid="$SORTIE_COOKIE_SID"'; 'theme=dark"#
        );
    }

    #[test]
    fn the_comment_lists_the_variables() {
        assert_eq!(vars_comment(&[]), "");
        let text = vars_comment(&[("SORTIE_PASSWORD".into(), "variable `password`".into())]);
        assert!(
            text.contains("#   export SORTIE_PASSWORD=…   # variable `password`\n"),
            "{text}"
        );
    }
}
