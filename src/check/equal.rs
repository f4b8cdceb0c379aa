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

/// Orders two JSON numbers by value, exactly: as decimals, from the text the
/// number was written with (serde_json keeps it: `arbitrary_precision`), so
/// integers of any size and decimals of any length compare without rounding
/// through `f64`, and `1`, `1.0` and `1e0` are equal.
pub(crate) fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    Decimal::of(a).cmp(&Decimal::of(b))
}

/// Whether a number has no fraction (`3`, `3.0` and `3e2` do not; `2.5` does).
pub(crate) fn is_whole(n: &Number) -> bool {
    let d = Decimal::of(n);
    d.digits.is_empty() || d.exponent >= 0
}

/// A JSON number as `±digits × 10^exponent`, with neither leading nor trailing
/// zeros in `digits` (zero has none), so equal values have equal forms.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn of(n: &Number) -> Decimal {
        Decimal::parse(&n.to_string())
    }

    /// Reads JSON number text (`-12.50e3`); what serde_json produced is always well formed.
    fn parse(text: &str) -> Decimal {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exp) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, "0"),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // An exponent past ±2^62 saturates: such a number is beyond comparing by anything else.
        let exp = exp.strip_prefix('+').unwrap_or(exp);
        let exp: i64 = exp
            .parse()
            .unwrap_or(if exp.starts_with('-') { -(1 << 62) } else { 1 << 62 });
        let exp = exp.clamp(-(1 << 62), 1 << 62);
        let mut digits: Vec<u8> = whole.bytes().chain(fraction.bytes()).map(|b| b - b'0').collect();
        let mut exponent = exp - i64::try_from(fraction.len()).unwrap_or(i64::MAX >> 1);
        while digits.last() == Some(&0) {
            digits.pop();
            exponent += 1;
        }
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        if digits.is_empty() {
            return Decimal {
                negative: false,
                digits,
                exponent: 0,
            };
        }
        Decimal {
            negative,
            digits,
            exponent,
        }
    }

    /// Where the most significant digit is: a larger magnitude has a larger one.
    fn scale(&self) -> i64 {
        i64::try_from(self.digits.len()).unwrap_or(i64::MAX >> 1) + self.exponent
    }

    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        match (self.digits.is_empty(), other.digits.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Same scale: without trailing zeros, digit order is value order.
            (false, false) => self
                .scale()
                .cmp(&other.scale())
                .then_with(|| self.digits.cmp(&other.digits)),
        }
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
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
    fn numbers_compare_as_written_not_through_floats() {
        // Both are the float 1e21; as written they differ by one.
        assert_eq!(
            compare_numbers(&num("1000000000000000000001"), &num("1e21")),
            Ordering::Greater
        );
        assert_eq!(
            compare_numbers(&num("1000000000000000000000"), &num("1e21")),
            Ordering::Equal
        );
        assert!(!json_equal(&json!(num("0.1")), &json!(num("0.10000000000000001"))));
        assert!(json_equal(&json!(num("1")), &json!(num("1.0"))));
        assert!(json_equal(&json!(num("1e0")), &json!(num("10e-1"))));
        assert!(json_equal(&json!(num("-0.0")), &json!(num("0"))));
        assert!(json_equal(&json!(num("12.50")), &json!(num("1.25E1"))));
        assert_eq!(
            compare_numbers(
                &num("123456789012345678901234567890.5"),
                &num("123456789012345678901234567890")
            ),
            Ordering::Greater
        );
        assert_eq!(compare_numbers(&num("-1e400"), &num("-1e399")), Ordering::Less);
        assert_eq!(compare_numbers(&num("1e-400"), &num("0")), Ordering::Greater);
        assert_eq!(compare_numbers(&num("0.001"), &num("0.01")), Ordering::Less);
        assert!(is_whole(&num("3.0")) && is_whole(&num("3e2")) && is_whole(&num("0")));
        assert!(!is_whole(&num("2.5")) && !is_whole(&num("25e-1")));
    }

    #[test]
    fn exponents_past_an_i64_saturate_on_their_own_side() {
        let huge = "1e99999999999999999999"; // the exponent overflows an i64
        let tiny = "1e-99999999999999999999";
        assert_eq!(compare_numbers(&num(huge), &num("1e400")), Ordering::Greater);
        assert_eq!(compare_numbers(&num(tiny), &num("1e-400")), Ordering::Less);
        assert_eq!(compare_numbers(&num(tiny), &num("0")), Ordering::Greater);
        assert_eq!(compare_numbers(&num(&format!("-{tiny}")), &num("0")), Ordering::Less);
        assert_eq!(Decimal::parse(huge).exponent, 1 << 62);
        assert_eq!(Decimal::parse(tiny).exponent, -(1 << 62));
        assert_eq!(Decimal::parse("1e+7").exponent, 7);
        // `PartialOrd` agrees with `Ord`.
        assert!(Decimal::parse("2") < Decimal::parse("2.5"));
        assert!(Decimal::parse("-1") > Decimal::parse("-1.5"));
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
