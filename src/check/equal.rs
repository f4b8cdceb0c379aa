//! Sortie's own JSON equality and number ordering: `serde_json::Value ==`
//! treats `1` and `1.0` as different; a test author means them equal.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// Deep equality: numbers compare by value (`1 == 1.0`, big integers
/// exactly), arrays in order, objects by key whatever the key order.
pub(crate) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Ordering::Equal,
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, xv)| y.get(key).is_some_and(|yv| json_equal(xv, yv)))
        }
        _ => false,
    }
}

/// Orders two JSON numbers by value, exactly: integers are compared as
/// integers (no rounding through `f64` past 2^53), and an integer against a
/// float without loss either way.
pub(crate) fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (as_int(a), as_int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(x), None) => int_vs_float(x, as_float(b)),
        (None, Some(y)) => int_vs_float(y, as_float(a)).reverse(),
        // JSON has no NaN, so the fallback never decides anything.
        (None, None) => as_float(a).partial_cmp(&as_float(b)).unwrap_or(Ordering::Equal),
    }
}

fn as_int(n: &Number) -> Option<i128> {
    n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
}

fn as_float(n: &Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}

/// Compares an integer with a float exactly, by splitting the float into its
/// integral part (exact in `i128` for every finite float in range) and its
/// fraction.
fn int_vs_float(i: i128, f: f64) -> Ordering {
    // Beyond ±2^126 no i64/u64 value can reach it; keeps the cast in range.
    const LIMIT: f64 = 8.507_059_173_023_462e37; // 2^126
    if f.is_nan() {
        return Ordering::Equal;
    }
    if f >= LIMIT {
        return Ordering::Less;
    }
    if f <= -LIMIT {
        return Ordering::Greater;
    }
    let whole = f.trunc();
    // In range by the checks above, and integral: the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let whole_int = whole as i128;
    match i.cmp(&whole_int) {
        Ordering::Equal if f > whole => Ordering::Less,
        Ordering::Equal if f < whole => Ordering::Greater,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn num(text: &str) -> Number {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn integers_and_floats_compare_by_value() {
        assert!(json_equal(&json!(1), &json!(1.0)));
        assert!(json_equal(&json!(-0.0), &json!(0)));
        assert!(json_equal(&json!(1e2), &json!(100)));
        assert!(!json_equal(&json!(1), &json!(1.5)));
        assert!(!json_equal(&json!(1), &json!("1")));
        assert!(json_equal(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
    }

    #[test]
    fn big_integers_are_exact() {
        let a = num("9007199254740993"); // 2^53 + 1: not a float
        let b = num("9007199254740992");
        assert_eq!(compare_numbers(&a, &b), Ordering::Greater);
        assert_eq!(compare_numbers(&a, &num("9007199254740992.0")), Ordering::Greater);
        assert_eq!(compare_numbers(&b, &num("9007199254740992.0")), Ordering::Equal);
        let max = num("18446744073709551615");
        assert_eq!(compare_numbers(&max, &num("-1")), Ordering::Greater);
        assert_eq!(compare_numbers(&max, &num("18446744073709551614")), Ordering::Greater);
        assert_eq!(compare_numbers(&num("-9223372036854775808"), &num("0")), Ordering::Less);
        assert_eq!(compare_numbers(&max, &num("1e300")), Ordering::Less);
        assert_eq!(compare_numbers(&max, &num("-1e300")), Ordering::Greater);
    }

    #[test]
    fn fractions_order_against_integers() {
        assert_eq!(compare_numbers(&num("2"), &num("2.5")), Ordering::Less);
        assert_eq!(compare_numbers(&num("3"), &num("2.5")), Ordering::Greater);
        assert_eq!(compare_numbers(&num("-2"), &num("-2.5")), Ordering::Greater);
        assert_eq!(compare_numbers(&num("-3"), &num("-2.5")), Ordering::Less);
        assert_eq!(compare_numbers(&num("2.5"), &num("2")), Ordering::Greater);
        assert_eq!(compare_numbers(&num("0.1"), &num("0.2")), Ordering::Less);
    }

    #[test]
    fn arrays_are_ordered_objects_are_not() {
        assert!(!json_equal(&json!([1, 2]), &json!([2, 1])));
        assert!(!json_equal(&json!([1, 2]), &json!([1, 2, 3])));
        assert!(json_equal(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_equal(&json!({"a": 1, "b": 2}), &json!({"a": 1, "c": 2})));
        assert!(json_equal(&json!(null), &json!(null)));
        assert!(!json_equal(&json!(null), &json!(false)));
        assert!(!json_equal(&json!({}), &json!([])));
    }

    #[test]
    fn booleans_and_strings_compare_by_value() {
        assert!(json_equal(&json!(true), &json!(true)));
        assert!(json_equal(&json!(false), &json!(false)));
        assert!(!json_equal(&json!(true), &json!(false)));
        assert!(json_equal(&json!("a"), &json!("a")));
        assert!(!json_equal(&json!("a"), &json!("b")));
    }
}
