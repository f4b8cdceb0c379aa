//! HTTP Digest access authentication (RFC 7616): reading `WWW-Authenticate`
//! challenges and computing the `Authorization` answer. Pure functions; the
//! per-origin cache and nonce counting live in [`super`].

use std::fmt::Write as _;

use md5::Md5;
use sha2::{Digest as _, Sha256, Sha512_256};

/// A hash algorithm of RFC 7616 §3.3, plain or `-sess`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Md5,
    Sha256,
    Sha512_256,
}

/// One `Digest` challenge of a 401 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `-sess`: the session variant, where HA1 also covers nonce and cnonce.
    pub session: bool,
    /// True when the server offered `qop=auth`; false for RFC 2069 servers that send no qop.
    pub qop_auth: bool,
    /// The nonce expired but the credentials were right: answer again without asking the user.
    pub stale: bool,
    /// The server wants the username hashed.
    pub userhash: bool,
}

/// Why a `Digest` challenge cannot be answered.
pub(crate) type Unsupported = String;

/// The first `Digest` challenge sortie can answer among every
/// `WWW-Authenticate` value; `None` when there is no Digest challenge at all.
pub(crate) fn find_challenge<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Result<Challenge, Unsupported>> {
    let mut first_error = None;
    for value in values {
        for c in parse_challenges(value) {
            if !c.scheme.eq_ignore_ascii_case("digest") {
                continue;
            }
            match Challenge::from_params(&c.params) {
                Ok(ch) => return Some(Ok(ch)),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    first_error.map(Err)
}

impl Challenge {
    fn from_params(params: &[(String, String)]) -> Result<Challenge, Unsupported> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let nonce = get("nonce").ok_or("the Digest challenge has no nonce")?;
        let algo = get("algorithm").unwrap_or("MD5");
        let (name, session) = match algo.len().checked_sub(5) {
            Some(cut) if algo[cut..].eq_ignore_ascii_case("-sess") && algo.is_char_boundary(cut) => {
                (&algo[..cut], true)
            }
            _ => (algo, false),
        };
        let algorithm = match name.to_ascii_uppercase().as_str() {
            "MD5" => Algorithm::Md5,
            "SHA-256" => Algorithm::Sha256,
            "SHA-512-256" => Algorithm::Sha512_256,
            _ => {
                return Err(format!(
                    "the server asks for digest algorithm `{algo}`, which sortie does not support"
                ));
            }
        };
        let qop_auth = match get("qop") {
            None => false,
            Some(list) => {
                if list.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth")) {
                    true
                } else {
                    return Err(format!(
                        "the server asks for digest qop `{list}`; sortie supports qop=auth"
                    ));
                }
            }
        };
        let yes = |name: &str| get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Challenge {
            realm: get("realm").unwrap_or_default().to_owned(),
            nonce: nonce.to_owned(),
            opaque: get("opaque").map(str::to_owned),
            algorithm,
            session,
            qop_auth,
            stale: yes("stale"),
            userhash: yes("userhash"),
        })
    }

    /// The `Authorization` header value for one request. `uri` is the
    /// request target (path and query), `nc` the nonce count (from 1).
    pub(crate) fn authorization(
        &self,
        username: &str,
        password: &str,
        method: &str,
        uri: &str,
        nc: u32,
        cnonce: &str,
    ) -> String {
        let h = |s: &str| self.hash(s);
        let mut ha1 = h(&format!("{username}:{}:{password}", self.realm));
        if self.session {
            ha1 = h(&format!("{ha1}:{}:{cnonce}", self.nonce));
        }
        let ha2 = h(&format!("{method}:{uri}"));
        let nc_text = format!("{nc:08x}");
        let response = if self.qop_auth {
            h(&format!("{ha1}:{}:{nc_text}:{cnonce}:auth:{ha2}", self.nonce))
        } else {
            h(&format!("{ha1}:{}:{ha2}", self.nonce))
        };
        let mut out = String::from("Digest ");
        if self.userhash {
            let _ = write!(
                out,
                "username=\"{}\", userhash=true",
                h(&format!("{username}:{}", self.realm))
            );
        } else if username.is_ascii() && !username.contains(['"', '\\']) {
            let _ = write!(out, "username=\"{username}\"");
        } else {
            // RFC 7616 §3.4.4: a username that cannot be a quoted-string goes in `username*`.
            let _ = write!(out, "username*=UTF-8''{}", ext_value(username));
        }
        let _ = write!(
            out,
            ", realm=\"{}\", uri=\"{}\", algorithm={}, nonce=\"{}\"",
            quote(&self.realm),
            quote(uri),
            self.algorithm_name(),
            quote(&self.nonce)
        );
        if self.qop_auth {
            let _ = write!(out, ", nc={nc_text}, cnonce=\"{cnonce}\", qop=auth");
        }
        let _ = write!(out, ", response=\"{response}\"");
        if let Some(opaque) = &self.opaque {
            let _ = write!(out, ", opaque=\"{}\"", quote(opaque));
        }
        out
    }

    fn algorithm_name(&self) -> String {
        let base = match self.algorithm {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha512_256 => "SHA-512-256",
        };
        if self.session {
            format!("{base}-sess")
        } else {
            base.to_owned()
        }
    }

    fn hash(&self, s: &str) -> String {
        match self.algorithm {
            Algorithm::Md5 => hex::encode(Md5::digest(s.as_bytes())),
            Algorithm::Sha256 => hex::encode(Sha256::digest(s.as_bytes())),
            Algorithm::Sha512_256 => hex::encode(Sha512_256::digest(s.as_bytes())),
        }
    }
}

/// A fresh client nonce: 128 random bits in hex.
pub(crate) fn cnonce() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The `nextnonce` of an `Authentication-Info` header (RFC 7616 §3.5), if any.
pub(crate) fn next_nonce(authentication_info: &str) -> Option<String> {
    // The header is a list of auth-params, the same grammar as a challenge's.
    parse_params(authentication_info.as_bytes(), &mut 0)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("nextnonce"))
        .map(|(_, v)| v)
}

fn quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// RFC 8187 value characters percent-encoded.
fn ext_value(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One challenge of a `WWW-Authenticate` value (RFC 9110 §11.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawChallenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

/// Splits a `WWW-Authenticate` value into its challenges. Never fails: what
/// does not parse is skipped.
fn parse_challenges(value: &str) -> Vec<RawChallenge> {
    let s = value.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < s.len() {
        skip(s, &mut i, b" \t,");
        let scheme = token(s, &mut i);
        if scheme.is_empty() {
            i += 1;
            continue;
        }
        let mut ch = RawChallenge {
            scheme,
            params: Vec::new(),
        };
        skip(s, &mut i, b" \t");
        let start = i;
        if starts_params(s, i) {
            ch.params = parse_params(s, &mut i);
        } else {
            // A token68 (`Negotiate abc==`) instead of parameters.
            let _ = token68(s, &mut i);
            i = i.max(start);
        }
        out.push(ch);
    }
    out
}

/// `name=value` pairs separated by commas, up to the next challenge's scheme.
fn parse_params(s: &[u8], i: &mut usize) -> Vec<(String, String)> {
    let mut params = Vec::new();
    loop {
        skip(s, i, b" \t,");
        let start = *i;
        let name = token(s, i);
        if name.is_empty() {
            if *i < s.len() {
                *i += 1;
                continue;
            }
            break;
        }
        skip(s, i, b" \t");
        if *i >= s.len() || s[*i] != b'=' {
            // A token with no `=`: the scheme of the next challenge.
            *i = start;
            break;
        }
        *i += 1;
        skip(s, i, b" \t");
        let value = if *i < s.len() && s[*i] == b'"' {
            quoted(s, i)
        } else {
            token(s, i)
        };
        params.push((name.to_ascii_lowercase(), value));
    }
    params
}

fn skip(s: &[u8], i: &mut usize, set: &[u8]) {
    while *i < s.len() && set.contains(&s[*i]) {
        *i += 1;
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn token(s: &[u8], i: &mut usize) -> String {
    let start = *i;
    while *i < s.len() && is_tchar(s[*i]) {
        *i += 1;
    }
    String::from_utf8_lossy(&s[start..*i]).into_owned()
}

/// True when `name = value` starts at `i`: one `=` after a token, then a value.
fn starts_params(s: &[u8], mut i: usize) -> bool {
    if token(s, &mut i).is_empty() {
        return true;
    }
    skip(s, &mut i, b" \t");
    if i >= s.len() || s[i] != b'=' {
        return false;
    }
    i += 1;
    skip(s, &mut i, b" \t");
    i < s.len() && (s[i] == b'"' || is_tchar(s[i]))
}

fn token68(s: &[u8], i: &mut usize) -> String {
    let start = *i;
    while *i < s.len() && (s[*i].is_ascii_alphanumeric() || b"-._~+/".contains(&s[*i])) {
        *i += 1;
    }
    while *i < s.len() && s[*i] == b'=' {
        *i += 1;
    }
    String::from_utf8_lossy(&s[start..*i]).into_owned()
}

/// A quoted-string with backslash escapes; an unterminated one ends the value.
fn quoted(s: &[u8], i: &mut usize) -> String {
    let mut out = Vec::new();
    *i += 1;
    while *i < s.len() {
        match s[*i] {
            b'"' => {
                *i += 1;
                break;
            }
            b'\\' if *i + 1 < s.len() => {
                out.push(s[*i + 1]);
                *i += 2;
            }
            b => {
                out.push(b);
                *i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
    #[test]
    fn rfc_7616_example_md5_and_sha256() {
        let header = |algo: &str| {
            format!(
                "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={algo}, \
                 nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", \
                 opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
            )
        };
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
        for (algo, response) in [
            ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
            (
                "SHA-256",
                "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
            ),
        ] {
            let h = header(algo);
            let ch = find_challenge([h.as_str()]).unwrap().unwrap();
            assert!(ch.qop_auth && !ch.session && !ch.stale);
            let auth = ch.authorization("Mufasa", "Circle of Life", "GET", "/dir/index.html", 1, cnonce);
            assert_eq!(
                auth,
                format!(
                    "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", \
                     algorithm={algo}, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, \
                     cnonce=\"{cnonce}\", qop=auth, response=\"{response}\", \
                     opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""
                )
            );
        }
    }

    /// RFC 7616 §3.9.2: SHA-512-256 with a hashed, non-ASCII username. The
    /// RFC's printed hashes cannot be reproduced (erratum 4897), so the
    /// expected values come from Python's hashlib over the same inputs.
    #[test]
    fn rfc_7616_example_userhash_sha512_256() {
        let h = "Digest realm=\"api@example.org\", qop=\"auth\", algorithm=SHA-512-256, \
                 nonce=\"5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK\", \
                 opaque=\"HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS\", charset=UTF-8, userhash=true";
        let ch = find_challenge([h]).unwrap().unwrap();
        let auth = ch.authorization(
            "J\u{e4}s\u{f8}n Doe",
            "Secret, or not?",
            "GET",
            "/doe.json",
            1,
            "NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
        );
        assert!(
            auth.starts_with(
                "Digest username=\"793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b\", userhash=true"
            ),
            "{auth}"
        );
        assert!(
            auth.contains("response=\"3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5\""),
            "{auth}"
        );
    }

    #[test]
    fn a_non_ascii_username_without_userhash_goes_in_username_star() {
        let ch = find_challenge(["Digest realm=\"r\", nonce=\"n\", qop=auth"])
            .unwrap()
            .unwrap();
        let auth = ch.authorization("J\u{e4}s\u{f8}n Doe", "p", "GET", "/", 1, "c");
        assert!(
            auth.starts_with("Digest username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, "),
            "{auth}"
        );
    }

    #[test]
    fn picks_the_digest_challenge_among_others() {
        let v = "Basic realm=\"x\", Negotiate abc==, Digest realm=\"r\", nonce=\"n\", algorithm=SHA-256-sess, \
                 qop=\"auth-int,auth\", stale=TRUE";
        let ch = find_challenge([v]).unwrap().unwrap();
        assert_eq!(ch.algorithm, Algorithm::Sha256);
        assert!(ch.session && ch.stale && ch.qop_auth);
        let all = parse_challenges(v);
        assert_eq!(
            all.iter().map(|c| c.scheme.as_str()).collect::<Vec<_>>(),
            ["Basic", "Negotiate", "Digest"]
        );
    }

    #[test]
    fn unsupported_and_garbage_challenges_are_reported_not_panicked_on() {
        let e = find_challenge(["Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\""]).unwrap();
        assert!(e.unwrap_err().contains("qop"));
        let e = find_challenge(["Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1"]).unwrap();
        assert!(e.unwrap_err().contains("SHA-1"));
        assert!(find_challenge(["Basic realm=\"x\""]).is_none());
        for junk in [
            "",
            "Digest",
            "Digest ,,,",
            "Digest realm=\"unterminated",
            "=\"\"\\",
            "Digest a==b, é=\"x\"",
        ] {
            let _ = find_challenge([junk]);
        }
    }

    #[test]
    fn legacy_rfc_2069_without_qop() {
        let ch = find_challenge(["Digest realm=\"testrealm@host.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\""])
            .unwrap()
            .unwrap();
        let auth = ch.authorization("Mufasa", "CircleOfLife", "GET", "/dir/index.html", 1, "x");
        assert!(!auth.contains("nc="), "{auth}");
        // RFC 2069's own example answer.
        assert!(auth.contains("response=\"1949323746fe6a43ef61f9606e7febea\""), "{auth}");
    }

    #[test]
    fn next_nonce_is_read_from_authentication_info() {
        assert_eq!(
            next_nonce("qop=auth, rspauth=\"x\", nextnonce=\"abc\", nc=00000001").as_deref(),
            Some("abc")
        );
        assert_eq!(next_nonce("rspauth=\"x\""), None);
    }

    /// Expected answers from Python's hashlib over the same inputs.
    #[test]
    fn session_variant_and_sha512_256_answers() {
        let ch = find_challenge(["Digest realm=\"r\", nonce=\"n1\", qop=auth, algorithm=md5-SESS"])
            .unwrap()
            .unwrap();
        assert!(ch.session && ch.algorithm == Algorithm::Md5);
        assert_eq!(
            ch.authorization("u", "p", "POST", "/a?b=1", 2, "c1"),
            "Digest username=\"u\", realm=\"r\", uri=\"/a?b=1\", algorithm=MD5-sess, nonce=\"n1\", nc=00000002, \
             cnonce=\"c1\", qop=auth, response=\"cd205f828b314ecd2040625c469142f0\""
        );
        let ch = find_challenge(["Digest realm=\"r\", nonce=\"n1\", algorithm=SHA-512-256"])
            .unwrap()
            .unwrap();
        assert_eq!(
            ch.authorization("u", "p", "POST", "/a?b=1", 1, "c1"),
            "Digest username=\"u\", realm=\"r\", uri=\"/a?b=1\", algorithm=SHA-512-256, nonce=\"n1\", \
             response=\"ca0c30e4d90dbcbe87d372fe28ae87fb0b0cd46de88a6319c1cc82f6b7c354c9\""
        );
    }

    #[test]
    fn quoted_values_are_unescaped_when_read_and_escaped_when_written() {
        let ch = find_challenge([r#"Digest realm="a\"b\\c", nonce="n1", opaque="o\"p""#])
            .unwrap()
            .unwrap();
        assert_eq!((ch.realm.as_str(), ch.opaque.as_deref()), (r#"a"b\c"#, Some(r#"o"p"#)));
        assert_eq!(
            ch.authorization("u", "p", "GET", "/", 1, "c"),
            r#"Digest username="u", realm="a\"b\\c", uri="/", algorithm=MD5, nonce="n1", response="0500f5bf9fcfab9dc9928548279df8f9", opaque="o\"p""#
        );
        // A username that cannot be quoted as it is goes in `username*`.
        let auth = ch.authorization("a\"b\\c!#$&+-.^_`|~z", "p", "GET", "/", 1, "c");
        assert!(
            auth.starts_with("Digest username*=UTF-8''a%22b%5Cc!#$&+-.^_`|~z, "),
            "{auth}"
        );
    }

    #[test]
    fn challenge_parameters_are_read_leniently() {
        let ch =
            find_challenge(["digest NONCE = abc , Realm=\"R\",stale=false, userhash=TRUE, QOP=\" auth-int , AUTH \""])
                .unwrap()
                .unwrap();
        assert_eq!(
            ch,
            Challenge {
                realm: "R".into(),
                nonce: "abc".into(),
                opaque: None,
                algorithm: Algorithm::Md5,
                session: false,
                qop_auth: true,
                stale: false,
                userhash: true,
            }
        );
        // No realm is an empty realm; an unterminated quote ends the value.
        let ch = find_challenge(["Digest nonce=\"n1"]).unwrap().unwrap();
        assert_eq!((ch.realm.as_str(), ch.nonce.as_str()), ("", "n1"));
    }

    #[test]
    fn the_first_answerable_digest_challenge_wins() {
        let values = [
            "Basic realm=\"b\"",
            "Digest realm=\"x\", nonce=\"n0\", algorithm=SHA-1",
            "Newauth token68abc==, Digest realm=\"y\", nonce=\"n1\", Digest realm=\"z\", nonce=\"n2\"",
        ];
        let ch = find_challenge(values).unwrap().unwrap();
        assert_eq!((ch.realm.as_str(), ch.nonce.as_str()), ("y", "n1"));
        // None answerable: the first reason.
        let err = find_challenge(["Digest realm=\"x\"", "Digest nonce=\"n\", algorithm=SHA-1"])
            .unwrap()
            .unwrap_err();
        assert_eq!(err, "the Digest challenge has no nonce");
        let err = find_challenge(["Digest nonce=\"n\", algorithm=MD5-sessx"])
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err,
            "the server asks for digest algorithm `MD5-sessx`, which sortie does not support"
        );
        let err = find_challenge(["Digest nonce=\"n\", qop=\"auth-int\""])
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err,
            "the server asks for digest qop `auth-int`; sortie supports qop=auth"
        );
    }

    #[test]
    fn a_stray_character_between_parameters_is_skipped_and_an_empty_last_value_is_empty() {
        let digest = |params: &[(&str, &str)]| RawChallenge {
            scheme: "Digest".into(),
            params: params.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
        };
        assert_eq!(
            parse_challenges(r#"Digest realm="r", @, nonce="n""#),
            [digest(&[("realm", "r"), ("nonce", "n")])]
        );
        assert_eq!(
            parse_challenges("Digest realm=x, opaque="),
            [digest(&[("realm", "x"), ("opaque", "")])]
        );
    }

    #[test]
    fn a_token68_is_not_taken_for_parameters_even_at_the_end() {
        let scheme = |name: &str| RawChallenge {
            scheme: name.into(),
            params: vec![],
        };
        assert_eq!(
            parse_challenges("Negotiate YWJj, Digest realm=x"),
            [
                scheme("Negotiate"),
                RawChallenge {
                    scheme: "Digest".into(),
                    params: vec![("realm".into(), "x".into())],
                }
            ]
        );
        assert_eq!(parse_challenges("Negotiate YWJj"), [scheme("Negotiate")]);
        assert_eq!(parse_challenges("Digest realm="), [scheme("Digest")]);
        // An unterminated quoted value ending in a backslash keeps it.
        assert_eq!(
            parse_challenges(r#"Digest realm="a\"b\"#),
            [RawChallenge {
                scheme: "Digest".into(),
                params: vec![("realm".into(), r#"a"b\"#.into())],
            }]
        );
    }

    #[test]
    fn challenges_split_at_each_scheme() {
        let all = parse_challenges("Bearer, Negotiate YWJj==, Digest a=1, b=\"2,3\", Basic realm=x");
        assert_eq!(
            all,
            [
                RawChallenge {
                    scheme: "Bearer".into(),
                    params: vec![],
                },
                RawChallenge {
                    scheme: "Negotiate".into(),
                    params: vec![],
                },
                RawChallenge {
                    scheme: "Digest".into(),
                    params: vec![("a".into(), "1".into()), ("b".into(), "2,3".into())],
                },
                RawChallenge {
                    scheme: "Basic".into(),
                    params: vec![("realm".into(), "x".into())],
                },
            ]
        );
    }

    #[test]
    fn next_nonce_takes_any_spelling() {
        assert_eq!(next_nonce("NextNonce=abc, qop=auth").as_deref(), Some("abc"));
        assert_eq!(next_nonce(" nextnonce = \"a\\\"b\"").as_deref(), Some("a\"b"));
        assert_eq!(next_nonce(""), None);
    }

    #[test]
    fn client_nonces_are_fresh_128_bit_hex() {
        let (a, b) = (cnonce(), cnonce());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }
}
