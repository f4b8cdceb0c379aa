//! Tests of every predicate: what holds, what fails, and the texts a person reads.

use super::*;
use crate::jsonpath::JsonPath;
use serde_json::json;

fn ok(p: &Predicate, actual: Value) {
    if let Err(m) = check(p, Some(&actual)) {
        panic!("{p:?} on {actual}: {m}");
    }
}

fn fails(p: &Predicate, actual: Value) -> Mismatch {
    match check(p, Some(&actual)) {
        Ok(()) => panic!("{p:?} held on {actual}"),
        Err(m) => m,
    }
}

fn text(p: &Predicate, actual: Value) -> String {
    fails(p, actual).to_string()
}

fn re(src: &str) -> Predicate {
    Predicate::Matches(Arc::new(Regex::new(src).unwrap()))
}

fn all_kinds() -> Vec<Predicate> {
    vec![
        Predicate::Equals(json!(1)),
        Predicate::NotEquals(json!(1)),
        Predicate::Gt(json!(1)),
        Predicate::Ge(json!(1)),
        Predicate::Lt(json!(1)),
        Predicate::Le(json!(1)),
        Predicate::Contains(json!("a")),
        Predicate::NotContains(json!("a")),
        Predicate::StartsWith("a".into()),
        Predicate::EndsWith("a".into()),
        re("a"),
        Predicate::Exists(true),
        Predicate::Exists(false),
        Predicate::Type(JsonType::Null),
        Predicate::Length(vec![Predicate::Equals(json!(0))]),
        Predicate::OneOf(vec![json!(1)]),
        Predicate::Empty(true),
        Predicate::Empty(false),
        Predicate::Format(Format::of("uuid").unwrap()),
        Predicate::Before(Moment::parse(&json!("now")).unwrap()),
        Predicate::After(Moment::parse(&json!("now")).unwrap()),
    ]
}

#[test]
fn not_holds_when_its_predicates_do_not_all_hold() {
    let not_int = Predicate::Not(vec![Predicate::Type(JsonType::Integer)]);
    ok(&not_int, json!("3"));
    ok(&not_int, json!(2.5));
    assert_eq!(text(&not_int, json!(3)), "not: expected not (type integer), actual 3");
    let not_exists = Predicate::Not(vec![Predicate::Exists(true)]);
    assert_eq!(
        check(&not_exists, None),
        Ok(()),
        "`not: {{ exists: true }}` holds on no match"
    );
    // Both must hold for `not` to fail.
    let both = Predicate::Not(vec![Predicate::Contains(json!("a")), Predicate::Contains(json!("b"))]);
    ok(&both, json!("a"));
    assert!(check(&both, Some(&json!("ab"))).is_err());
}

#[test]
fn all_reports_the_first_that_does_not_hold_under_its_own_name() {
    let all = Predicate::All(vec![Predicate::Contains(json!("a")), Predicate::Contains(json!("b"))]);
    ok(&all, json!(["b", "a"]));
    assert_eq!(
        text(&all, json!(["a"])),
        r#"contains: expected contains "b", actual ["a"]"#
    );
    assert_eq!(
        Predicate::All(vec![Predicate::Gt(json!(1)), Predicate::Lt(json!(5))]).expected_text(),
        "> 1 and < 5"
    );
}

#[test]
fn no_match_fails_everything_but_exists_false() {
    for p in all_kinds() {
        let result = check(&p, None);
        if p == Predicate::Exists(false) {
            assert_eq!(result, Ok(()));
        } else {
            let m = result.expect_err(p.name());
            assert_eq!(m.actual, "no match", "{p:?}");
            assert_eq!(m.predicate, p.name());
            assert_eq!(m.diff, None);
        }
    }
    assert_eq!(
        check(&Predicate::Exists(true), None).unwrap_err().to_string(),
        "exists: expected a match, actual no match"
    );
}

#[test]
fn every_predicate_name_is_listed() {
    for p in all_kinds() {
        assert!(predicate_names().contains(&p.name()), "{}", p.name());
    }
    assert_eq!(predicate_names().len(), 21);
}

#[test]
fn equals() {
    ok(&Predicate::Equals(json!(1)), json!(1.0));
    ok(&Predicate::Equals(json!({"a": [1, "x"]})), json!({"a": [1.0, "x"]}));
    ok(&Predicate::Equals(json!(null)), json!(null));
    assert_eq!(
        text(&Predicate::Equals(json!("alice")), json!("bob")),
        r#"equals: expected "alice", actual "bob""#
    );
    let m = fails(&Predicate::Equals(json!(1)), json!("1"));
    assert_eq!((m.expected.as_str(), m.actual.as_str(), m.diff), ("1", r#""1""#, None));
}

#[test]
fn equals_on_documents_carries_a_diff() {
    let m = fails(
        &Predicate::Equals(json!({"roles": ["admin", "dev"]})),
        json!({"roles": ["admin"]}),
    );
    assert_eq!(m.expected, r#"{"roles":["admin","dev"]}"#);
    assert_eq!(m.actual, r#"{"roles":["admin"]}"#);
    insta::assert_snapshot!(m.diff.unwrap(), @r#"
    --- expected
    +++ actual
    @@ -1,6 +1,5 @@
     {
       "roles": [
    -    "admin",
    -    "dev"
    +    "admin"
       ]
     }
    "#);
}

#[test]
fn long_values_are_cut_and_kept_whole_in_diff() {
    let long = "x".repeat(500);
    let m = fails(&Predicate::Equals(json!("short")), json!(long));
    assert_eq!(m.actual.chars().count(), SHORT_TEXT + 1);
    assert!(m.actual.starts_with("\"xxx") && m.actual.ends_with('…'));
    assert!(m.diff.unwrap().contains(&format!("+{long}\n")));

    let m = fails(&Predicate::Contains(json!("needle")), json!(long));
    assert_eq!(m.expected, r#"contains "needle""#);
    assert_eq!(m.diff.unwrap(), format!("actual:\n\"{long}\"\n"));

    let huge = json!("y".repeat(200_000));
    let m = fails(&Predicate::StartsWith("z".into()), huge);
    let full = m.diff.unwrap();
    assert!(full.len() < 70_000, "{}", full.len());
    assert!(full.ends_with("… (cut)\n"));
}

#[test]
fn not_equals() {
    ok(&Predicate::NotEquals(json!(1)), json!(2));
    ok(&Predicate::NotEquals(json!(1)), json!("1"));
    assert_eq!(
        text(&Predicate::NotEquals(json!(1)), json!(1.0)),
        "not_equals: expected not 1, actual 1.0"
    );
}

#[test]
fn comparisons() {
    ok(&Predicate::Gt(json!(1)), json!(2));
    ok(&Predicate::Ge(json!(2)), json!(2.0));
    ok(&Predicate::Lt(json!(2.5)), json!(2));
    ok(&Predicate::Le(json!(2)), json!(2));
    ok(&Predicate::Gt(json!(9007199254740992_u64)), json!(9007199254740993_u64));
    fails(&Predicate::Gt(json!(2)), json!(2));
    fails(&Predicate::Ge(json!(2)), json!(1.5));
    fails(&Predicate::Lt(json!(2)), json!(2));
    fails(&Predicate::Le(json!(2)), json!(3));
    assert_eq!(text(&Predicate::Gt(json!(10)), json!(3)), "gt: expected > 10, actual 3");
    assert_eq!(
        text(&Predicate::Le(json!(1)), json!(1.5)),
        "le: expected <= 1, actual 1.5"
    );
}

#[test]
fn comparisons_need_numbers() {
    assert_eq!(
        text(&Predicate::Lt(json!(500)), json!("12")),
        r#"lt: expected < 500, actual "12" (not a number)"#
    );
    assert_eq!(
        text(&Predicate::Ge(json!(0)), json!(null)),
        "ge: expected >= 0, actual null (not a number)"
    );
    assert_eq!(
        text(&Predicate::Gt(json!("a")), json!(1)),
        r#"gt: expected > "a", actual 1 (the bound is not a number)"#
    );
}

#[test]
fn contains() {
    ok(&Predicate::Contains(json!("come")), json!("welcome"));
    ok(&Predicate::Contains(json!(200)), json!("HTTP 200 OK"));
    ok(&Predicate::Contains(json!(true)), json!("is true"));
    ok(&Predicate::Contains(json!(2)), json!([1, 2.0, 3]));
    ok(&Predicate::Contains(json!({"id": 1})), json!([{"id": 1.0}]));
    ok(&Predicate::Contains(json!("a")), json!({"a": null}));
    fails(&Predicate::Contains(json!("z")), json!("abc"));
    fails(&Predicate::Contains(json!(null)), json!("null"));
    fails(&Predicate::Contains(json!(4)), json!([1, 2]));
    fails(&Predicate::Contains(json!("b")), json!({"a": 1}));
    fails(&Predicate::Contains(json!(1)), json!({"1": 1}));
    assert_eq!(
        text(&Predicate::Contains(json!("admin")), json!(["dev"])),
        r#"contains: expected contains "admin", actual ["dev"]"#
    );
    assert_eq!(
        text(&Predicate::Contains(json!("1")), json!(1)),
        r#"contains: expected contains "1", actual 1 (not a string, list or map)"#
    );
}

#[test]
fn not_contains() {
    ok(&Predicate::NotContains(json!("z")), json!("abc"));
    ok(&Predicate::NotContains(json!(4)), json!([1, 2]));
    ok(&Predicate::NotContains(json!("b")), json!({"a": 1}));
    fails(&Predicate::NotContains(json!("b")), json!("abc"));
    fails(&Predicate::NotContains(json!(1)), json!([1.0]));
    assert_eq!(
        text(&Predicate::NotContains(json!("a")), json!({"a": 1})),
        r#"not_contains: expected not contains "a", actual {"a":1}"#
    );
    // A wrong type is a failure, not "nothing contained".
    let m = fails(&Predicate::NotContains(json!("a")), json!(true));
    assert_eq!(m.actual, "true (not a string, list or map)");
    // So is a needle that cannot be in the haystack at all: it would otherwise
    // never be "contained", and `not_contains` would always hold.
    let m = fails(&Predicate::NotContains(json!(["a"])), json!("abc"));
    assert_eq!(m.actual, r#""abc" (a string holds text, not a list)"#);
    let m = fails(&Predicate::NotContains(json!(null)), json!("abc"));
    assert_eq!(m.actual, r#""abc" (a string holds text, not null)"#);
    let m = fails(&Predicate::NotContains(json!(1)), json!({"a": 1}));
    assert_eq!(m.actual, r#"{"a":1} (a map's keys are strings, not a number)"#);
    fails(&Predicate::Contains(json!({"a": 1})), json!("abc"));
    // An empty text is in every text: it checks nothing, so it never holds; in a
    // list or a map it is an item or a key like any other.
    let m = fails(&Predicate::Contains(json!("")), json!("abc"));
    assert_eq!(
        m.actual,
        r#""abc" (every text contains the empty string, so it checks nothing)"#
    );
    fails(&Predicate::NotContains(json!("")), json!("abc"));
    ok(&Predicate::Contains(json!("")), json!(["", "a"]));
    ok(&Predicate::Contains(json!("")), json!({"": 1}));
}

#[test]
fn starts_and_ends_with() {
    ok(&Predicate::StartsWith("appl".into()), json!("application/json"));
    ok(&Predicate::EndsWith("json".into()), json!("application/json"));
    assert_eq!(
        text(&Predicate::StartsWith("text/".into()), json!("application/json")),
        r#"starts_with: expected starts with "text/", actual "application/json""#
    );
    assert_eq!(
        text(&Predicate::EndsWith("x".into()), json!("abc")),
        r#"ends_with: expected ends with "x", actual "abc""#
    );
    assert_eq!(
        fails(&Predicate::StartsWith("1".into()), json!(12)).actual,
        "12 (not a string)"
    );
    assert_eq!(
        fails(&Predicate::EndsWith("2".into()), json!(12)).actual,
        "12 (not a string)"
    );
}

#[test]
fn matches() {
    ok(&re(r"^\d{3}-\d{4}$"), json!("555-1234"));
    ok(&re("b"), json!("abc")); // a search, not a full match
    fails(&re(r"^\d+$"), json!("12a"));
    assert_eq!(
        text(&re(r"^\d+$"), json!("x")),
        r#"matches: expected matches /^\d+$/, actual "x""#
    );
    assert_eq!(
        text(&re(r"^\d+$"), json!(42)),
        r#"matches: expected matches /^\d+$/, actual 42 (not a string)"#
    );
}

#[test]
fn exists() {
    ok(&Predicate::Exists(true), json!(null));
    ok(&Predicate::Exists(true), json!(false));
    assert_eq!(check(&Predicate::Exists(false), None), Ok(()));
    assert_eq!(
        text(&Predicate::Exists(false), json!("tok")),
        r#"exists: expected no match, actual "tok""#
    );
}

#[test]
fn types() {
    let cases = [
        (JsonType::String, json!("x"), json!(1)),
        (JsonType::Number, json!(1.5), json!("1.5")),
        (JsonType::Number, json!(1), json!(null)),
        (JsonType::Integer, json!(3), json!(3.5)),
        (JsonType::Integer, json!(3.0), json!("3")),
        (JsonType::Integer, json!(1e20), json!(true)),
        (JsonType::Boolean, json!(false), json!(0)),
        (JsonType::Array, json!([]), json!({})),
        (JsonType::Object, json!({}), json!([])),
        (JsonType::Null, json!(null), json!(0)),
        (JsonType::Float, json!(1.5), json!(3)),
        (JsonType::Float, json!(3.0), json!("1.5")),
    ];
    for (t, good, bad) in cases {
        ok(&Predicate::Type(t), good);
        fails(&Predicate::Type(t), bad);
    }
    assert_eq!(
        text(&Predicate::Type(JsonType::Integer), json!(3.5)),
        "type: expected type integer, actual number 3.5"
    );
    assert_eq!(
        text(&Predicate::Type(JsonType::String), json!({"a": 1})),
        r#"type: expected type string, actual object {"a":1}"#
    );
}

#[test]
fn json_type_names() {
    for t in JsonType::ALL {
        assert_eq!(t.to_string().parse::<JsonType>(), Ok(t));
    }
    assert_eq!(
        "int".parse::<JsonType>(),
        Err("unknown type `int`: expected one of string, number, integer, float, boolean, array, object, null".into())
    );
}

#[test]
fn length() {
    let eq = |n: i32| Predicate::Length(vec![Predicate::Equals(json!(n))]);
    ok(&eq(3), json!("abc"));
    ok(&eq(2), json!("é✓")); // characters, not bytes
    ok(&eq(2), json!([1, 2]));
    ok(&eq(1), json!({"a": 1}));
    ok(&eq(0), json!(""));
    let range = Predicate::Length(vec![Predicate::Gt(json!(1)), Predicate::Le(json!(3))]);
    ok(&range, json!([1, 2, 3]));
    assert_eq!(
        text(&range, json!([1])),
        "length.gt: expected length > 1, actual length 1"
    );
    assert_eq!(
        text(&range, json!("abcd")),
        "length.le: expected length <= 3, actual length 4"
    );
    assert_eq!(
        text(&eq(3), json!("ab")),
        "length.equals: expected length 3, actual length 2"
    );
    assert_eq!(
        text(&range, json!(12)),
        "length: expected length > 1 and <= 3, actual 12 (not a string, list or map)"
    );
    assert_eq!(
        check(&eq(3), None).unwrap_err().to_string(),
        "length: expected length 3, actual no match"
    );
}

#[test]
fn one_of() {
    let p = Predicate::OneOf(vec![json!("a"), json!(2), json!({"k": [1]})]);
    ok(&p, json!("a"));
    ok(&p, json!(2.0));
    ok(&p, json!({"k": [1.0]}));
    assert_eq!(
        text(&p, json!("b")),
        r#"one_of: expected one of ["a", 2, {"k":[1]}], actual "b""#
    );
}

#[test]
fn empty() {
    for v in [json!(""), json!([]), json!({})] {
        ok(&Predicate::Empty(true), v.clone());
        fails(&Predicate::Empty(false), v);
    }
    for v in [json!(" "), json!([null]), json!({"a": 1})] {
        ok(&Predicate::Empty(false), v.clone());
        fails(&Predicate::Empty(true), v);
    }
    assert_eq!(
        text(&Predicate::Empty(true), json!([1])),
        "empty: expected empty, actual [1]"
    );
    assert_eq!(
        text(&Predicate::Empty(false), json!("")),
        r#"empty: expected not empty, actual """#
    );
    assert_eq!(
        text(&Predicate::Empty(true), json!(null)),
        "empty: expected empty, actual null (not a string, list or map)"
    );
}

#[test]
fn selections_feed_predicates() {
    let doc = json!({"items": [{"id": 1}, {"id": 2}], "token": "abcdefghijkl"});
    let select = |path: &str| JsonPath::parse(path).unwrap().select(&doc).to_value();
    let ids = select("$.items[*].id");
    assert_eq!(check(&Predicate::Equals(json!([1, 2])), ids.as_ref()), Ok(()));
    assert_eq!(check(&Predicate::Contains(json!(2)), ids.as_ref()), Ok(()));
    let token = select("$.token");
    let p = Predicate::Length(vec![Predicate::Gt(json!(10))]);
    assert_eq!(check(&p, token.as_ref()), Ok(()));
    let missing = select("$.nope");
    assert_eq!(check(&Predicate::Exists(false), missing.as_ref()), Ok(()));
    insta::assert_snapshot!(
        check(&Predicate::Type(JsonType::String), missing.as_ref()).unwrap_err(),
        @"type: expected type string, actual no match"
    );
}

#[test]
fn predicates_compare_regexes_by_source() {
    assert_eq!(re("a+"), re("a+"));
    assert_ne!(re("a+"), re("a*"));
    assert_ne!(Predicate::Exists(true), Predicate::Empty(true));
}

#[test]
fn predicates_equal_only_their_own_kind_with_the_same_value() {
    let kinds = all_kinds();
    for (i, a) in kinds.iter().enumerate() {
        for (j, b) in kinds.iter().enumerate() {
            assert_eq!(a == b, i == j, "{a:?} == {b:?}");
        }
        assert_eq!(*a, a.clone(), "{a:?}");
    }
    let others = [
        Predicate::Equals(json!(2)),
        Predicate::NotEquals(json!(2)),
        Predicate::Gt(json!(2)),
        Predicate::Ge(json!(2)),
        Predicate::Lt(json!(2)),
        Predicate::Le(json!(2)),
        Predicate::Contains(json!("b")),
        Predicate::NotContains(json!("b")),
        Predicate::StartsWith("b".into()),
        Predicate::EndsWith("b".into()),
        re("b"),
        Predicate::Exists(false),
        Predicate::Exists(true),
        Predicate::Type(JsonType::String),
        Predicate::Length(vec![Predicate::Equals(json!(1))]),
        Predicate::OneOf(vec![json!(2)]),
        Predicate::Empty(false),
        Predicate::Empty(true),
        Predicate::Format(Format::of("date").unwrap()),
        Predicate::Before(Moment::parse(&json!("2024-05-01")).unwrap()),
        Predicate::After(Moment::parse(&json!("now - 1d")).unwrap()),
    ];
    assert_eq!(others.len(), kinds.len());
    for (a, b) in kinds.iter().zip(&others) {
        assert_ne!(a, b);
    }
    // `not` and `all` compare their predicates, in order.
    let a = vec![Predicate::Exists(true), Predicate::Gt(json!(1))];
    let b = vec![Predicate::Gt(json!(1)), Predicate::Exists(true)];
    assert_eq!(Predicate::Not(a.clone()), Predicate::Not(a.clone()));
    assert_eq!(Predicate::All(a.clone()), Predicate::All(a.clone()));
    assert_ne!(Predicate::Not(a.clone()), Predicate::Not(b.clone()));
    assert_ne!(Predicate::All(a.clone()), Predicate::All(b));
    assert_ne!(Predicate::Not(a.clone()), Predicate::All(a));
}

#[test]
fn formats_are_named_in_what_was_expected() {
    let uuid = Predicate::Format(Format::of("uuid").unwrap());
    ok(&uuid, json!("67e55044-10b1-426f-9247-bb680e5fe0c8"));
    assert_eq!(text(&uuid, json!("x")), r#"format: expected format uuid, actual "x""#);
    assert_eq!(format!("{uuid:?}"), "Format(Format(uuid))");
}

#[test]
fn before_and_after_are_strict_and_read_every_kind_of_instant() {
    let day = |p: fn(Moment) -> Predicate| p(Moment::parse(&json!("2024-05-01")).unwrap());
    let (before, after) = (day(Predicate::Before), day(Predicate::After));
    ok(&before, json!("2024-04-30T23:59:59Z"));
    ok(&before, json!(1_714_521_599)); // Unix seconds
    fails(&before, json!("2024-05-01T00:00:00Z"));
    fails(&before, json!("2024-05-01T02:00:00+02:00")); // the same instant
    fails(&before, json!("2024-05-02"));
    ok(&after, json!("2024-05-01T00:00:01Z"));
    fails(&after, json!("2024-05-01"));
    fails(&after, json!(1_714_521_599));
    assert_eq!(
        text(&after, json!("2024-04-30")),
        r#"after: expected after 2024-05-01, actual "2024-04-30""#
    );
    // `now` is read when the check runs.
    let an_hour = |p: fn(Moment) -> Predicate| p(Moment::parse(&json!("now - 1h")).unwrap());
    ok(
        &an_hour(Predicate::After),
        json!(chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).to_rfc3339()),
    );
    fails(
        &an_hour(Predicate::Before),
        json!(chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).to_rfc3339()),
    );
    ok(&an_hour(Predicate::Before), json!("2000-01-01"));
}

#[test]
fn json_text_is_compact_and_cut_on_a_character() {
    assert_eq!(json_text(&json!({"a": [1, "é"]})), r#"{"a":[1,"é"]}"#);
    // 64 KiB are kept: exactly that fits; one byte more, and the closing quote does not.
    let text = json_text(&json!("x".repeat(65_534)));
    assert_eq!(text, format!("\"{}\"", "x".repeat(65_534)));
    let text = json_text(&json!("x".repeat(65_535)));
    assert_eq!(text, format!("\"{}… (cut)", "x".repeat(65_535)));
    // 2-byte characters: the cap falls inside one of them, which is left out whole.
    let text = json_text(&json!("é".repeat(40_000)));
    assert_eq!(text, format!("\"{}… (cut)", "é".repeat(32_767)));
}

#[test]
fn the_capped_writer_leaves_no_gap_and_takes_nothing_past_the_cap() {
    use std::io::Write as _;
    let mut w = Capped {
        buf: Vec::new(),
        full: false,
    };
    assert_eq!(w.write(&[b'a'; FULL_TEXT - 1]).unwrap(), FULL_TEXT - 1);
    // A character that does not fit whole is not taken...
    assert_eq!(w.write("é".as_bytes()).unwrap(), 0);
    // ...nor anything after it, even what would fit: the text has no gap.
    assert!(w.write(b"b").is_err());
    assert_eq!(w.buf.len(), FULL_TEXT - 1);

    let mut w = Capped {
        buf: vec![b'a'; FULL_TEXT - 2],
        full: false,
    };
    // Part of a chunk: whole characters up to the cap.
    assert_eq!(w.write("xé".as_bytes()).unwrap(), 1);
    assert!(w.write("é".as_bytes()).is_err());

    let mut w = Capped {
        buf: vec![b'a'; FULL_TEXT],
        full: false,
    };
    assert!(w.write(b"b").is_err());

    // Stray continuation bytes never move the cut before the chunk.
    let mut w = Capped {
        buf: vec![b'a'; FULL_TEXT - 2],
        full: false,
    };
    assert_eq!(w.write(&[0x80; 4]).unwrap(), 0);
    assert_eq!(w.buf.len(), FULL_TEXT - 2);
}
