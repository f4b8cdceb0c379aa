//! Content codings: the `Content-Encoding` list of a response, undone in
//! reverse order of application (`gzip, br` was gzipped, then brotli'd), every
//! step stopped past the body cap. Both transports decode through it.

use std::io::Read;

use bytes::Bytes;
use reqwest::header::{self, HeaderMap};

use super::error::SendError;
use super::response_body::over_limit;

/// One content coding Sortie decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Brotli,
}

impl Coding {
    /// A coding by its name; names are case-insensitive (RFC 9110, 8.4.1).
    fn of(name: &str) -> Option<Coding> {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
            Coding::Brotli => "br",
        }
    }

    /// Decodes `raw`, stopping with an error past `max` decoded bytes (a
    /// compression bomb is never inflated in full).
    fn decode(self, raw: &[u8], max: u64) -> Result<Bytes, SendError> {
        if raw.is_empty() {
            return Ok(Bytes::new());
        }
        let reader: Box<dyn Read + '_> = match self {
            Coding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
            // HTTP's "deflate" is the zlib format (RFC 9110, 8.4.1.2).
            Coding::Deflate => Box::new(flate2::read::ZlibDecoder::new(raw)),
            Coding::Brotli => Box::new(brotli_decompressor::Decompressor::new(raw, 4096)),
        };
        let mut out = Vec::new();
        reader.take(max + 1).read_to_end(&mut out).map_err(|e| {
            SendError::new(
                format!("error reading the response body: cannot decode {}: {e}", self.name()),
                true,
            )
        })?;
        if out.len() as u64 > max {
            return Err(over_limit(max));
        }
        Ok(Bytes::from(out))
    }
}

/// The codings a response's body went through, in the order they were applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Codings(Vec<Coding>);

impl Codings {
    /// The codings every `Content-Encoding` line lists (`identity` is no coding); none when
    /// there is nothing to undo, or a coding Sortie does not know (the body is handed on as
    /// it came).
    pub(super) fn of(headers: &HeaderMap) -> Option<Codings> {
        let mut codings = Vec::new();
        for value in headers.get_all(header::CONTENT_ENCODING) {
            let text = value.to_str().ok()?;
            for name in text.split(',').map(str::trim) {
                if name.is_empty() || name.eq_ignore_ascii_case("identity") {
                    continue;
                }
                codings.push(Coding::of(name)?);
            }
        }
        (!codings.is_empty()).then_some(Codings(codings))
    }

    /// Undoes every coding, the last applied first; each result is held to `max` bytes.
    pub(super) fn decode(&self, raw: Bytes, max: u64) -> Result<Bytes, SendError> {
        self.0
            .iter()
            .rev()
            .try_fold(raw, |body, coding| coding.decode(&body, max))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::io::Write as _;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::BrotliCompress(&mut &data[..], &mut out, &brotli::enc::BrotliEncoderParams::default()).unwrap();
        out
    }

    fn codings(lines: &[&'static str]) -> (Option<Codings>, HeaderMap) {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append(header::CONTENT_ENCODING, HeaderValue::from_static(line));
        }
        (Codings::of(&headers), headers)
    }

    #[test]
    fn every_listed_coding_is_read_in_order_and_identity_is_none() {
        use Coding::{Brotli, Deflate, Gzip};
        let of = |lines: &[&'static str]| codings(lines).0.map(|c| c.0);
        assert_eq!(of(&["gzip"]), Some(vec![Gzip]));
        assert_eq!(of(&["br, identity"]), Some(vec![Brotli]));
        assert_eq!(of(&["gzip, gzip"]), Some(vec![Gzip, Gzip]));
        assert_eq!(
            of(&["deflate", "BR"]),
            Some(vec![Deflate, Brotli]),
            "several lines, any case"
        );
        assert_eq!(of(&["x-gzip"]), Some(vec![Gzip]));
        assert_eq!(of(&["identity"]), None);
        assert_eq!(of(&["gzip, zstd"]), None, "an unknown coding hands the body on");
    }

    #[test]
    fn layers_are_undone_last_first() {
        let text = b"hello, hello, hello".repeat(10);
        let (c, _) = codings(&["gzip, br"]);
        let body = Bytes::from(brotli(&gzip(&text)));
        assert_eq!(c.unwrap().decode(body, 1000).unwrap(), text);
        let (c, _) = codings(&["gzip, gzip"]);
        assert_eq!(c.unwrap().decode(Bytes::from(gzip(&gzip(&text))), 1000).unwrap(), text);
        let (c, _) = codings(&["deflate"]);
        assert_eq!(c.unwrap().decode(Bytes::from(deflate(&text)), 1000).unwrap(), text);
    }

    #[test]
    fn decoding_stops_past_the_cap() {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = e.finish().unwrap();
        assert!(bomb.len() < 4096);
        let err = Coding::Gzip.decode(&bomb, 64 * 1024).unwrap_err();
        assert!(
            err.message.contains("larger than the limit of 64 KiB"),
            "{}",
            err.message
        );
        assert_eq!(Coding::Gzip.decode(&bomb, 1 << 20).unwrap().len(), 1 << 20);
        assert!(Coding::Gzip.decode(b"", 10).unwrap().is_empty());
        // A bomb inside another layer is stopped as well.
        let (c, _) = codings(&["gzip, gzip"]);
        let err = c.unwrap().decode(Bytes::from(gzip(&bomb)), 64 * 1024).unwrap_err();
        assert!(err.message.contains("larger than the limit"), "{}", err.message);
    }

    #[test]
    fn the_cap_is_exact_and_garbage_is_an_error() {
        let text = vec![b'a'; 100];
        assert_eq!(Coding::Deflate.decode(&deflate(&text), 100).unwrap().len(), 100);
        let err = Coding::Deflate.decode(&deflate(&text), 99).unwrap_err();
        assert_eq!(
            err.message,
            "response body is larger than the limit of 99 B (--max-body)"
        );
        let err = Coding::Gzip.decode(b"not gzip", 100).unwrap_err();
        assert!(
            err.message
                .starts_with("error reading the response body: cannot decode gzip: "),
            "{}",
            err.message
        );
        assert!(err.retryable);
        let err = Coding::Brotli.decode(b"\xff\xff\xff\xff", 100).unwrap_err();
        assert!(err.message.contains("cannot decode br: "), "{}", err.message);
    }
}
