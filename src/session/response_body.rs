//! Reading a response body: decoded bytes counted against the cap
//! (`--max-body`), each chunk within the read timeout, one-chunk bodies kept
//! as they came. Both transports read through it.

use bytes::Bytes;

use super::error::{SendError, chain};
use crate::plan::Timeouts;
use crate::text::{human, size};

/// Reads the body chunk by chunk, each chunk within the read timeout, and
/// decodes it when `encoding` says (as Sortie's own transport does): encoded
/// bytes are held up to twice the cap, decoded ones counted against the cap.
pub(super) async fn read_reqwest(
    mut response: reqwest::Response,
    t: &Timeouts,
    max: u64,
    codings: Option<&super::decode::Codings>,
) -> Result<Bytes, SendError> {
    let (declared, limit) = match codings {
        Some(_) => (None, max.saturating_mul(2)),
        None => (response.content_length(), max),
    };
    let mut body = BodyBuf::new(declared, limit, max)?;
    loop {
        match tokio::time::timeout(t.read, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.push(chunk)?,
            Ok(Ok(None)) => {
                let raw = body.finish();
                return match codings {
                    Some(c) => c.decode(raw, max),
                    None => Ok(raw),
                };
            }
            Ok(Err(e)) if !e.is_timeout() => return Err(body_error(&e)),
            // reqwest's own read timeout and ours are the same limit; either may fire first.
            Ok(Err(_)) | Err(_) => return Err(body_stalled(t)),
        }
    }
}

/// A response body as it is read: held up to a limit, and a body that comes in
/// one chunk (most do) kept as it came, not copied.
pub(super) struct BodyBuf {
    first: Option<Bytes>,
    rest: bytes::BytesMut,
    /// The most bytes held.
    limit: u64,
    /// The cap the errors name (`--max-body`).
    max: u64,
    /// The length the response declared: the room taken at once when a second
    /// chunk comes, instead of growing by doubling (a peak of twice the body).
    declared: Option<u64>,
}

impl BodyBuf {
    /// Fails at once when the body's declared length is over `max`.
    pub(super) fn new(declared: Option<u64>, limit: u64, max: u64) -> Result<BodyBuf, SendError> {
        if let Some(len) = declared
            && len > max
        {
            return Err(SendError::new(
                format!(
                    "response body of {} is larger than the limit of {} (--max-body)",
                    size(len),
                    size(max)
                ),
                false,
            ));
        }
        Ok(BodyBuf {
            first: None,
            rest: bytes::BytesMut::new(),
            limit,
            max,
            declared,
        })
    }

    pub(super) fn push(&mut self, chunk: Bytes) -> Result<(), SendError> {
        let held = self.first.as_ref().map_or(0, Bytes::len) + self.rest.len();
        if held as u64 + chunk.len() as u64 > self.limit {
            return Err(over_limit(self.max));
        }
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(chunk);
        } else {
            if let Some(head) = self.first.take() {
                let whole = self.declared.unwrap_or(0).min(self.limit);
                let room = usize::try_from(whole).unwrap_or(0).max(head.len() + chunk.len());
                self.rest.reserve(room);
                self.rest.extend_from_slice(&head);
            }
            self.rest.extend_from_slice(&chunk);
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Bytes {
        self.first.unwrap_or_else(|| self.rest.freeze())
    }
}

pub(super) fn over_limit(max: u64) -> SendError {
    SendError::new(
        format!("response body is larger than the limit of {} (--max-body)", size(max)),
        false,
    )
}

pub(super) fn body_error(e: &(dyn std::error::Error + 'static)) -> SendError {
    SendError::new(format!("error reading the response body: {}", chain(e)), true)
}

pub(super) fn body_stalled(t: &Timeouts) -> SendError {
    SendError::new(
        format!(
            "the server stopped sending the body for {} (read timeout)",
            human(t.read)
        ),
        true,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_body_of_declared_length_is_held_in_one_block_taken_at_once() {
        let mut buf = BodyBuf::new(Some(1000), 2000, 2000).unwrap();
        buf.push(Bytes::from(vec![b'a'; 300])).unwrap();
        buf.push(Bytes::from(vec![b'b'; 300])).unwrap();
        let (block, room) = (buf.rest.as_ptr(), buf.rest.capacity());
        assert!(room >= 1000, "{room}");
        buf.push(Bytes::from(vec![b'c'; 400])).unwrap();
        assert_eq!(buf.rest.as_ptr(), block, "the block grew");
        let body = buf.finish();
        assert_eq!((body.len(), body[299], body[300], body[999]), (1000, b'a', b'b', b'c'));
    }

    #[test]
    fn without_a_declared_length_the_room_taken_is_what_came() {
        let mut buf = BodyBuf::new(None, 1 << 20, 1 << 20).unwrap();
        buf.push(Bytes::from(vec![b'a'; 10])).unwrap();
        buf.push(Bytes::from(vec![b'b'; 1000])).unwrap();
        let room = buf.rest.capacity();
        assert!((1010..2020).contains(&room), "{room}");
        assert_eq!(buf.finish().len(), 1010);
    }

    #[test]
    fn a_declared_length_over_the_cap_fails_before_reading() {
        assert!(BodyBuf::new(Some(10), 10, 10).is_ok());
        assert!(BodyBuf::new(None, 10, 10).is_ok());
        let err = BodyBuf::new(Some(2048), 4096, 1024).err().unwrap();
        assert_eq!(
            err,
            SendError::new(
                "response body of 2 KiB is larger than the limit of 1 KiB (--max-body)",
                false
            )
        );
    }

    #[test]
    fn bytes_are_counted_against_the_limit_and_the_cap_is_named() {
        let mut body = BodyBuf::new(None, 6, 3).unwrap();
        body.push(Bytes::from_static(b"abc")).unwrap();
        body.push(Bytes::from_static(b"def")).unwrap();
        let err = body.push(Bytes::from_static(b"g")).err().unwrap();
        assert_eq!(
            err,
            SendError::new("response body is larger than the limit of 3 B (--max-body)", false)
        );
        let mut body = BodyBuf::new(None, 3, 3).unwrap();
        assert!(body.push(Bytes::from_static(b"abcd")).is_err());
    }

    #[test]
    fn one_chunk_is_kept_as_it_came_and_more_are_joined_in_order() {
        let chunk = Bytes::from(vec![b'x'; 100]);
        let mut body = BodyBuf::new(None, 1000, 1000).unwrap();
        body.push(chunk.clone()).unwrap();
        let out = body.finish();
        assert_eq!(out.as_ptr(), chunk.as_ptr());

        let mut body = BodyBuf::new(None, 1000, 1000).unwrap();
        for part in ["ab", "cd", "", "ef"] {
            body.push(Bytes::from(part)).unwrap();
        }
        assert_eq!(body.finish(), "abcdef");
        assert!(BodyBuf::new(None, 10, 10).unwrap().finish().is_empty());
    }

    #[test]
    fn read_errors_say_what_happened() {
        let t = Timeouts {
            connect: Duration::from_secs(1),
            read: Duration::from_millis(1500),
            total: Duration::from_secs(9),
        };
        assert_eq!(
            body_stalled(&t),
            SendError::new("the server stopped sending the body for 1.5s (read timeout)", true)
        );
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        assert_eq!(
            body_error(&io),
            SendError::new("error reading the response body: reset by peer", true)
        );
    }
}
