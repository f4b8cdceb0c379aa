use std::borrow::Cow;

use super::*;

fn with(secrets: &[&str]) -> Redactor {
    let mut r = Redactor::default();
    for s in secrets {
        r.add(s);
    }
    r
}

#[test]
fn masks_the_credentials_of_urls_however_short() {
    let r = Redactor::default();
    assert_eq!(
        r.string("GET http://bob:1@127.0.0.1:8080/x"),
        "GET http://bob:***@127.0.0.1:8080/x"
    );
    assert_eq!(
        r.string("https://sk_live_abc@api.example/v1"),
        "https://***@api.example/v1"
    );
    assert_eq!(
        r.string("http://:pw@h/ and ftp://u:p@h2"),
        "http://:***@h/ and ftp://u:***@h2"
    );
    assert_eq!(
        r.string(r#"{"next":"http://a:b@h/?to=x@y.z"}"#),
        r#"{"next":"http://a:***@h/?to=x@y.z"}"#
    );
    // No credentials: the same text, not a copy.
    for plain in [
        "http://h/?mail=x@y.z",
        "http://h/",
        "a://",
        "no url @ all",
        "http://bob:***@h/",
    ] {
        assert!(matches!(r.text(plain), Cow::Borrowed(_)), "{plain}");
    }
}

#[test]
fn masks_secrets_and_their_encoded_forms() {
    let r = with(&["p@ss word"]);
    assert_eq!(r.text("x=p@ss word&y=p%40ss%20word"), "x=***&y=***");
    let r = with(&["a\"b"]);
    assert_eq!(r.text(r#"{"k":"a\"b"}"#), r#"{"k":"***"}"#);
}

#[test]
fn masks_the_form_encoded_form() {
    let r = with(&["a b+c"]);
    assert_eq!(r.text("q=a+b%2Bc"), "q=***");
    let r = with(&["a long b+c"]);
    assert_eq!(r.text("q=a+long+b%2Bc&z"), "q=***&z");
}

#[test]
fn masks_every_percent_encoding_the_url_parser_and_filters_produce() {
    let r = with(&["my secret/väl!"]);
    for text in [
        // minijinja's `urlencode` keeps `/`.
        "/x?q=my%20secret/v%C3%A4l%21",
        // Lowercase hex, `/` encoded.
        "/x?q=my%20secret%2fv%c3%a4l%21",
        // The URL parser encodes only what it must.
        "/x?q=my%20secret/väl!",
        // A form: `+` for the space.
        "/x?q=my+secret%2Fv%C3%A4l%21",
    ] {
        assert_eq!(r.string(text), "/x?q=***", "{text}");
    }
}

#[test]
fn masks_json_escapes_once_and_quoted_again() {
    let r = with(&["pa\"ss\\wörd/x"]);
    for text in [
        // As serde_json writes it.
        r#"{"p":"pa\"ss\\wörd/x"}"#,
        // As PHP and Python write it: `\/`, `\u00f6`.
        r#"{"p":"pa\"ss\\w\u00f6rd\/x"}"#,
        // A body quoted a second time, as an `actual:` text shows it.
        r#""{\"p\":\"pa\\\"ss\\\\wörd/x\"}""#,
    ] {
        let masked = r.string(text);
        assert!(!masked.contains("ss"), "{text} → {masked}");
        assert!(masked.contains("***"), "{text} → {masked}");
    }
    // An astral character as a surrogate pair.
    let r = with(&["tok😀en-1"]);
    assert_eq!(r.string(r#"{"t":"tok\ud83d\ude00en-1"}"#), r#"{"t":"***"}"#);
}

#[test]
fn a_short_secret_is_masked_only_where_it_stands_whole() {
    let r = with(&["c", "1234"]);
    assert!(!r.all_free());
    // Free text keeps every `c`.
    for text in [
        "grant_type=client_credentials",
        "http://127.0.0.1:8080/c/abc?x=cc",
        "curl -H 'Accept: application/json'",
        "12345 and 01234",
        r#"{"c": 1}"#,
        // A word before a comma is no value.
        "a c, d",
        // After a colon with no space it is a port, not a value.
        "localhost:1234",
        // A comparison is no parameter.
        "a==c",
    ] {
        assert_eq!(r.text(text), text);
    }
    for (text, shown) in [
        ("c", "***"),
        (" c\n", " ***\n"),
        ("client_id=c&scope=read", "client_id=***&scope=read"),
        ("/token?scope=x&client_id=c", "/token?scope=x&client_id=***"),
        (r#"{"client_id":"c","pin":1234}"#, r#"{"client_id":"***","pin":***}"#),
        (r#"["a", "c"]"#, r#"["a", "***"]"#),
        ("client_id: c", "client_id: ***"),
        // A parameter after a space, as a command line writes it.
        ("curl -d client_id=c https://h", "curl -d client_id=*** https://h"),
        // A parameter with no name is still a parameter: masking is the safe side.
        ("/token?=c&x=1", "/token?=***&x=1"),
        ("=c", "=***"),
        (r#""{\"id\":\"c\"}""#, r#""{\"id\":\"***\"}""#),
    ] {
        assert_eq!(r.text(text), shown, "{text}");
    }
    assert_eq!(r.header("X-Client", "c"), "***");
    assert_eq!(r.header("X-Client", "abc"), "abc");
}

#[test]
fn the_start_of_a_secret_before_a_cut_mark_is_masked() {
    let r = with(&["s3cr3t-value", "my secret"]);
    assert_eq!(r.string("got: xx s3cr…"), "got: xx ***…");
    assert_eq!(r.string(r#""xx s3cr3t-va…" and more"#), r#""xx ***…" and more"#);
    // One character tells nothing: left as it is.
    assert_eq!(r.string("xx s…"), "xx s…");
    // The whole secret before the mark, after a byte that could start it.
    assert_eq!(r.string("xx ss3cr3t-value…"), "xx s***…");
    // A cut in an escape.
    assert_eq!(r.string("q=my%2…"), "q=***…");
    assert_eq!(r.string(r#"{"q":"my\u00…"#), r#"{"q":"***…"#);
    // The 64 KiB cap of a JSON text.
    assert_eq!(r.string(r#"{"a":"s3cr3t… (cut)"#), r#"{"a":"***… (cut)"#);
}

#[test]
fn nothing_is_masked_in_a_url_scheme_or_host() {
    let r = with(&["example", "https"]);
    assert_eq!(
        r.string("see https://example:8443/example?https"),
        "see https://example:8443/***?https"
    );
    assert_eq!(r.string("https://a:example@h/"), "https://a:***@h/");
}

#[test]
fn learns_credentials_from_sensitive_headers() {
    let mut r = Redactor::default();
    r.learn_header("Authorization", "Bearer tok-123456");
    r.learn_header("Authorization", "Basic dXNlcjpodW50ZXIyMg==");
    r.learn_header("Cookie", "theme=dark; sid=abcdef123");
    r.learn_header("Set-Cookie", "session=zyxwvu98; Path=/; HttpOnly");
    r.learn_header("Accept", "application/json");
    let text = "tok-123456 dXNlcjpodW50ZXIyMg== hunter22 dark abcdef123 zyxwvu98 application/json";
    assert_eq!(r.text(text), "*** *** *** dark *** *** application/json");
}

#[test]
fn only_cookies_that_read_as_credentials_are_masked_in_free_text() {
    let mut r = Redactor::default();
    r.learn_header("Set-Cookie", "cookie2=valueA; Path=/");
    r.learn_header("Cookie", "theme=darkest; prefs=0123456789abcdef0");
    r.learn_header("Set-Cookie", "plain=httponly1; HttpOnly");
    r.learn_header("Set-Cookie", "XSRF-TOKEN=abcdef12");
    assert_eq!(
        r.string("/cookies/is-valueA/darkest 0123456789abcdef0 httponly1 abcdef12"),
        "/cookies/is-valueA/darkest *** *** ***"
    );
    assert!(is_credential_cookie("JSESSIONID", "x", false));
    assert!(!is_credential_cookie("cookie2", "valueA", false));
}

#[test]
fn an_excerpt_is_cut_after_a_secret_or_url_credentials_it_would_split() {
    let r = with(&["s3cr3t-value"]);
    assert_eq!(r.excerpt("abcdefgh", 4), (Cow::Borrowed("abcd"), 4));
    assert_eq!(r.excerpt("abcdefgh", 8), (Cow::Borrowed("abcdefgh"), 8));
    // Across the cut, or just before it.
    let text = "xx s3cr3t-value tail";
    assert_eq!(r.excerpt(text, 6), (Cow::Owned("xx ***".to_owned()), 15));
    assert_eq!(r.excerpt("xx s3cr3t-value yy", 16).0, "xx *** ");
    // Encoded, across the cut.
    assert_eq!(r.excerpt(r#"xx s3cr3t\u002dvalue yy"#, 8).0, "xx ***");
    // URL credentials, whatever their length.
    assert_eq!(r.excerpt("see http://user:pw@h/path", 17).0, "see http://user:***@h");
    assert_eq!(r.excerpt("see http://h/a@b", 13).0, "see http://h/");
    // A character is never cut in two.
    assert_eq!(r.excerpt("aé", 2), (Cow::Borrowed("a"), 1));
    // A secret escaped whole is looked for as far past the cut as its longest form reaches.
    let escaped: String = "s3cr3t-value".chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
    assert_eq!(r.excerpt(&format!("xx {escaped} yy"), 8).0, "xx ***");
    // Nor is the stretch looked through for secrets past the cut (here 304 bytes on).
    let text = format!("a{}", "€".repeat(400));
    assert_eq!(r.excerpt(&text, 10), (Cow::Borrowed(&text[..10]), 10));
}

#[test]
fn longer_secrets_win() {
    let r = with(&["abcdef", "abcdefghi"]);
    assert_eq!(r.text("abcdefghi abcdef"), "*** ***");
}

#[test]
fn sensitive_headers_are_masked_whole() {
    let mut r = Redactor::default();
    r.add_header("X-API-Key");
    assert_eq!(r.header("Authorization", "Bearer x"), MASK);
    assert_eq!(r.header("x-api-key", "k"), MASK);
    assert_eq!(r.header("Accept", "json"), "json");
}

#[test]
fn many_secrets_cost_one_pass() {
    // 2,000 secrets over a 1 MiB text: an automaton, not 2,000 searches per form.
    let secrets: Vec<String> = (0..2000).map(|i| format!("secret-{i:05}-value")).collect();
    let mut r = Redactor::default();
    for s in &secrets {
        r.add(s);
    }
    let text = format!("{}secret-01999-value{}", "x%2F\\\"".repeat(50_000), "y".repeat(700_000));
    // The time is measured by `cargo bench --bench micro redact`, not here.
    let masked = r.string(&text);
    assert!(masked.contains("\\\"***y"), "masked");
}

#[test]
fn an_empty_secret_masks_nothing() {
    let mut r = Redactor::default();
    r.add("");
    assert_eq!(r.text("abc"), "abc");
    assert!(matches!(r.text("abc"), Cow::Borrowed(_)));
}

#[test]
fn a_clone_masks_the_same_until_a_new_secret_is_added() {
    let mut r = Redactor::default();
    r.add("first-secret");
    let mut copy = r.clone();
    assert!(copy.same_secrets(&r));
    // Nothing new: no copy of the list, still the same.
    copy.add("first-secret");
    copy.add("");
    assert!(copy.same_secrets(&r));
    copy.add("second-secret");
    assert!(!copy.same_secrets(&r));
    assert!(!r.same_secrets(&copy));
    assert_eq!(r.text("second-secret"), "second-secret");
    assert_eq!(copy.text("second-secret"), "***");
}

#[test]
fn a_secret_that_starts_at_the_cut_is_left_out_whole() {
    let r = with(&["s3cr3t-value"]);
    // Not split by the cut, so not pulled in: the excerpt stops before it.
    assert_eq!(r.excerpt("abcdefs3cr3t-valuezz", 6), (Cow::Borrowed("abcdef"), 6));
    assert_eq!(r.excerpt("abcs3cr3t-valuezz", 3), (Cow::Borrowed("abc"), 3));
    // One byte later it is split, and the cut moves past it.
    assert_eq!(
        r.excerpt("abcdefs3cr3t-valuezz", 7),
        (Cow::Owned("abcdef***".to_owned()), 18)
    );
}

#[test]
fn a_host_without_credentials_is_cut_like_any_text() {
    let r = Redactor::default();
    assert_eq!(
        r.excerpt("see http://host.example/path", 14),
        (Cow::Borrowed("see http://hos"), 14)
    );
}

#[test]
fn the_cut_never_moves_back_before_the_limit() {
    let r = with(&["✓ab-secret"]);
    // Looking back from the cut lands inside "✓": an occurrence that starts
    // there ends before the cut and does not hold it.
    assert_eq!(r.excerpt("✓ab-secretcdef", 14), (Cow::Owned("***cd".to_owned()), 14));
}

#[test]
fn automata_are_rebuilt_only_when_the_pending_secrets_outnumber_the_built_ones() {
    // How many secrets the automata hold after the next use.
    let built = |r: &Redactor| {
        let _ = r.ranges("x");
        r.known.automata.get().map(|a| (a.free_len, a.whole_len))
    };
    let mut r = Redactor::default();
    // Ten long secrets (free text) and six short ones (whole values only).
    for i in 0..10 {
        r.add(&format!("long-secret-{i:02}"));
    }
    for i in 0..6 {
        r.add(&format!("s{i}"));
    }
    assert_eq!(built(&r), Some((10, 6)), "the first use builds with every secret");
    let mut next = 0;
    let mut add = |r: &mut Redactor, n: usize| {
        for _ in 0..n {
            r.add(&format!("later-secret-{next:03}"));
            next += 1;
        }
    };
    // Sixteen pending (as many as built, and the floor of 16) are searched one by one.
    add(&mut r, 16);
    assert_eq!(built(&r), Some((10, 6)));
    // The seventeenth outnumbers them: rebuilt with all 33.
    add(&mut r, 1);
    assert_eq!(built(&r), Some((27, 6)));
    // Then up to 33 more wait; the 34th makes 67.
    add(&mut r, 33);
    assert_eq!(built(&r), Some((27, 6)));
    add(&mut r, 1);
    assert_eq!(built(&r), Some((61, 6)));
    // Whatever waits is masked all the same.
    add(&mut r, 5);
    assert_eq!(r.string("x later-secret-055 y"), "x *** y");
    assert_eq!(r.string("x later-secret-056 y"), "x later-secret-056 y");
}

#[test]
fn a_url_has_credentials_only_with_a_user_and_an_unfinished_escape_is_text() {
    assert!(Redactor::has_url_credentials("see http://user:pw@h/x"));
    assert!(!Redactor::has_url_credentials("see http://h/x?a=b@c"));
    assert!(!Redactor::has_url_credentials("no url, user:pw@h"));
    let r = with(&["s3cr3t-value"]);
    for text in ["xx%4", "xx%", "x41 and %zz"] {
        assert_eq!(r.string(text), text);
    }
}

#[test]
fn a_secret_with_control_characters_is_masked_in_its_json_escaped_form() {
    // A private key's line breaks, and the other one-letter JSON escapes.
    let r = with(&["key\u{8}a\u{c}b\nc\rd\te-1234"]);
    assert_eq!(r.string(r#"{"k":"key\ba\fb\nc\rd\te-1234"}"#), r#"{"k":"***"}"#);
    // A backslash at the very end is no escape.
    assert_eq!(r.string("tail\\"), "tail\\");
}

#[test]
fn a_long_secret_spelled_like_a_url_scheme_leaves_the_scheme_and_touching_secrets_share_a_mask() {
    let r = with(&["verylongscheme", "s3cr3t-token-a", "s3cr3t-token-b", "verylonghostname"]);
    assert_eq!(r.string("verylongscheme://h/verylongscheme"), "verylongscheme://h/***");
    // After credentials too, the host is the host.
    assert_eq!(
        r.string("https://user@verylonghostname:8443/verylonghostname"),
        "https://***@verylonghostname:8443/***"
    );
    assert_eq!(r.string("x s3cr3t-token-as3cr3t-token-b y"), "x *** y");
    assert_eq!(r.string("x s3cr3t-token-a s3cr3t-token-b y"), "x *** *** y");
}
