//! Reading a response body: decoded bytes counted against the cap
//! (`--max-body`), each chunk within the read timeout, one-chunk bodies kept
//! as they came. Both transports read through it.

use bytes::Bytes;

use super::error::{SendError, chain};
use crate::plan::Timeouts;
use crate::text::{human, size};

/// Reads the body chunk by chunk: decoded bytes are counted against the
/// cap, and each chunk must arrive within the read timeout.
pub(super) async fn read_reqwest(mut response: reqwest::Response, t: &Timeouts, max: u64) -> Result<Bytes, SendError> {
    let mut body = BodyBuf::new(response.content_length(), max, max)?;
    loop {
        match tokio::time::timeout(t.read, response.chunk()).await {
            Ok(Ok(Some(chunk))) => body.push(chunk)?,
            Ok(Ok(None)) => return Ok(body.finish()),
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
