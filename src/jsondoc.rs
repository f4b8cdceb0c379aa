//! A response body parsed as JSON within a memory budget.
//!
//! `serde_json::Value` is the currency of checks, JSONPath and JSON Schema,
//! and it is large: 80 bytes a value, more for every object. Parsed the
//! usual way, a list grows by doubling and an object keeps room for twice
//! its keys, so a 16 MiB body can take a gigabyte. Here one fast pass over
//! the bytes first counts every list's items and every object's keys; the
//! parse then gives each container exactly the room it needs, and a body
//! whose parsed form would pass the budget is refused before anything is
//! allocated, with a reason that says why.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// What the first pass learnt: the item count of every container in the
/// order their brackets open, and the size of the parsed document.
struct Shape {
    counts: Vec<u32>,
    values: u64,
    strings: u64,
    string_bytes: u64,
}

/// A body too big to hold in memory as a document: why, in words.
#[derive(Debug, PartialEq)]
pub(crate) struct TooLarge {
    pub values: u64,
    pub bytes: u64,
    pub budget: u64,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a JSON body too large to check: its {} values would take about {} in memory, more than \
             the {} a body may take (32 times --max-body; raise --max-body to check it)",
            self.values,
            crate::text::size(self.bytes),
            crate::text::size(self.budget)
        )
    }
}

/// Why a body could not be parsed.
#[derive(Debug)]
pub(crate) enum ParseError {
    Json(serde_json::Error),
    TooLarge(TooLarge),
}

/// The bytes the parsed form of a body with this shape takes, near enough:
/// every value, every object's index, every string's heap block.
fn footprint(shape: &Shape) -> u64 {
    const VALUE: u64 = std::mem::size_of::<Value>() as u64;
    // An object's index holds a hash and a slot per key; a heap block has a header.
    const PER_STRING: u64 = 16;
    shape.values * (VALUE + 16) + shape.strings * PER_STRING + shape.string_bytes
}

/// Bodies up to this size skip the counting pass.
const SMALL: usize = 64 * 1024;

/// The most memory a byte of JSON can take parsed, by [`footprint`]: `[1,1,…]`
/// is a value for every two bytes.
const WORST_PER_BYTE: u64 = 64;

/// Parses `body` as one JSON document, refusing it when its parsed form
/// would take more than `budget` bytes.
pub(crate) fn parse(body: &[u8], budget: u64) -> Result<Value, ParseError> {
    // A small body is parsed the usual way: it cannot pass the budget (a value
    // takes at least two bytes to write), and counting first would cost more
    // than the room it saves.
    if body.len() <= SMALL && (body.len() as u64).saturating_mul(WORST_PER_BYTE) <= budget {
        return serde_json::from_slice(body).map_err(ParseError::Json);
    }
    parse_counted(body, budget)
}

/// Parses `body` after counting its containers' items.
fn parse_counted(body: &[u8], budget: u64) -> Result<Value, ParseError> {
    let shape = scan(body);
    let bytes = footprint(&shape);
    if bytes > budget {
        return Err(ParseError::TooLarge(TooLarge {
            values: shape.values,
            bytes,
            budget,
        }));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut counts = Counts {
        counts: &shape.counts,
        next: 0,
        // No container can hold more items than there are bytes to write them.
        most: body.len(),
    };
    let value = Seed(&mut counts).deserialize(&mut de).map_err(ParseError::Json)?;
    de.end().map_err(ParseError::Json)?;
    Ok(value)
}

/// One pass over the bytes: containers' item counts, in the order their
/// brackets open (the order the parser meets them), and the document's size.
/// Invalid JSON gives some shape or other: the parser that follows rejects it,
/// and a count is only ever a capacity.
fn scan(bytes: &[u8]) -> Shape {
    let mut shape = Shape {
        counts: Vec::new(),
        values: 0,
        strings: 0,
        string_bytes: 0,
    };
    let mut stack: Vec<Open> = Vec::new();
    // Whether the current scalar token (number, true, false, null) was counted.
    let mut in_token = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                in_token = false;
                // The end of the string: the next quote that no backslash escapes.
                let start = i + 1;
                let mut j = start;
                loop {
                    let Some(rest) = bytes.get(j..) else {
                        j = bytes.len();
                        break;
                    };
                    match memchr::memchr2(b'"', b'\\', rest) {
                        Some(k) if bytes[j + k] == b'\\' => j += k + 2,
                        Some(k) => {
                            j += k;
                            break;
                        }
                        None => {
                            j = bytes.len();
                            break;
                        }
                    }
                }
                shape.strings += 1;
                shape.string_bytes += j.min(bytes.len()).saturating_sub(start) as u64;
                // A key is not a value of its own; a string anywhere else is.
                let is_key = stack.last().is_some_and(|o| o.object) && next_significant(bytes, j + 1) == Some(b':');
                if !is_key {
                    seen(&mut stack, &mut shape);
                }
                i = j + 1;
                continue;
            }
            b'[' | b'{' => {
                in_token = false;
                seen(&mut stack, &mut shape);
                stack.push(Open {
                    index: shape.counts.len(),
                    commas: 0,
                    seen: false,
                    object: b == b'{',
                });
                shape.counts.push(0);
            }
            b']' | b'}' => {
                in_token = false;
                if let Some(open) = stack.pop()
                    && open.seen
                {
                    shape.counts[open.index] = open.commas.saturating_add(1);
                }
            }
            b',' => {
                in_token = false;
                if let Some(open) = stack.last_mut() {
                    open.commas = open.commas.saturating_add(1);
                }
            }
            b':' | b' ' | b'\t' | b'\n' | b'\r' => in_token = false,
            _ => {
                if !in_token {
                    in_token = true;
                    seen(&mut stack, &mut shape);
                }
            }
        }
        i += 1;
    }
    shape
}

/// A container the first pass is inside.
struct Open {
    index: usize,
    commas: u32,
    seen: bool,
    object: bool,
}

/// A value starts, in the innermost open container.
fn seen(stack: &mut [Open], shape: &mut Shape) {
    shape.values += 1;
    if let Some(open) = stack.last_mut() {
        open.seen = true;
    }
}

/// The first byte from `i` on that is not JSON whitespace.
fn next_significant(bytes: &[u8], i: usize) -> Option<u8> {
    bytes
        .get(i..)?
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The counts, handed out in the order the parser opens containers.
struct Counts<'a> {
    counts: &'a [u32],
    next: usize,
    most: usize,
}

impl Counts<'_> {
    fn take(&mut self) -> usize {
        let n = self.counts.get(self.next).copied().unwrap_or(0);
        self.next += 1;
        (n as usize).min(self.most)
    }
}

/// `Value`'s own deserializer, but with each container sized by its count.
struct Seed<'c, 'a>(&'c mut Counts<'a>);

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// The key serde_json gives a number's text under (`arbitrary_precision`), as its own
/// `Value` visitor reads it.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(self.0.take());
        while let Some(item) = seq.next_element_seed(Seed(self.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let first = map.next_key::<String>()?;
        // serde_json hands a number over as a one-key map holding its text when it keeps
        // that text (`arbitrary_precision`); it is no container, so it takes no count.
        if first.as_deref() == Some(NUMBER_TOKEN) {
            let text: String = map.next_value()?;
            return serde_json::from_str(&text)
                .map(Value::Number)
                .map_err(de::Error::custom);
        }
        let mut entries = Map::with_capacity(self.0.take());
        let Some(first) = first else {
            return Ok(Value::Object(entries));
        };
        let value = map.next_value_seed(Seed(self.0))?;
        entries.insert(first, value);
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Seed(self.0))?;
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLENTY: u64 = 1 << 30;

    fn same_as_serde(text: &str) {
        let theirs: Value = serde_json::from_str(text).unwrap();
        for ours in [parse(text.as_bytes(), PLENTY), parse_counted(text.as_bytes(), PLENTY)] {
            let ours = ours.unwrap();
            assert_eq!(ours, theirs, "{text}");
            // Key order is kept too.
            assert_eq!(ours.to_string(), theirs.to_string(), "{text}");
        }
    }

    #[test]
    fn parses_as_serde_json_does() {
        for text in [
            "1",
            "-0.5",
            "18446744073709551615",
            "-9223372036854775808",
            "0.30000000000000004",
            // Kept as written, past what an f64 holds.
            "1000000000000000000001",
            "[1e21, 0.10000000000000000000001, {\"n\": -12.50}]",
            r#""a\"b\\""#,
            "[]",
            "{}",
            "[[], {}, [[]], {\"a\": []}]",
            r#"{"b": 1, "a": [1, "x,y]", {"c": null}], "\"k\"": true, "d": {"e": [false]}}"#,
            r#"{"dup": 1, "dup": 2, "z": 0}"#,
            " [ 1 , 2 ,3 ] ",
            r#"["\u00e9", "}", "{", "[", "]", ",", ":"]"#,
        ] {
            same_as_serde(text);
        }
    }

    #[test]
    fn containers_get_exactly_their_room() {
        let doc = parse_counted(br#"{"a": [1, 2, 3], "b": {"x": 1, "y": [[]]}, "c": "[,]"}"#, PLENTY).unwrap();
        let a = doc["a"].as_array().unwrap();
        assert_eq!((a.len(), a.capacity()), (3, 3));
        let shape = scan(br#"{"a": [1, 2, 3], "b": {"x": 1, "y": [[]]}, "c": "[,]"}"#);
        assert_eq!(shape.counts, vec![3, 3, 2, 1, 0]);
        // The root, a, three in a, b, x's 1, y, the empty list in y, c.
        assert_eq!(shape.values, 10);
    }

    #[test]
    fn invalid_json_is_an_error_not_a_panic() {
        for text in [
            "",
            "[1,",
            "{\"a\" 1}",
            "[1]]",
            "]",
            "}{",
            "\"open",
            "[\"\\",
            "{,}",
            "[,,,]",
            "nul",
        ] {
            assert!(
                matches!(parse(text.as_bytes(), PLENTY), Err(ParseError::Json(_))),
                "{text}"
            );
        }
        // Past f64 is still a JSON number: kept as written (`arbitrary_precision`).
        let big = parse(b"1e400", PLENTY).unwrap();
        assert_eq!(big.to_string(), "1e+400");
    }

    #[test]
    fn a_body_over_the_budget_is_refused_before_parsing() {
        let body = format!("[{}1]", "1,".repeat(10_000));
        let Err(ParseError::TooLarge(too)) = parse(body.as_bytes(), 100_000) else {
            panic!("not refused")
        };
        assert_eq!(too.values, 10_002);
        assert!(too.bytes > 100_000);
        assert!(too.to_string().contains("its 10002 values"), "{too}");
        assert!(parse(body.as_bytes(), too.bytes).is_ok());
    }
}
