//! Request bodies: bytes in memory, or pieces of which some are files that
//! are streamed from disk. A streamed body can be sent only once, so every
//! attempt (retries, auth challenges, 307/308 redirects) opens the files anew.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::{self, BoxStream};

/// One piece of a body.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Bytes(Bytes),
    File(PathBuf),
}

/// A request body, built once by the prepare stage and opened for each send.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestBody {
    segments: Vec<Segment>,
}

/// An opened body: what reqwest sends, and its length in bytes.
pub(crate) struct Opened {
    pub body: reqwest::Body,
    pub len: u64,
    /// True when the body streams from files (reqwest cannot know its length).
    pub streamed: bool,
}

impl RequestBody {
    /// A body held in memory.
    pub(crate) fn bytes(b: impl Into<Bytes>) -> RequestBody {
        RequestBody {
            segments: vec![Segment::Bytes(b.into())],
        }
    }

    /// A body streamed from one file.
    pub(crate) fn file(path: impl Into<PathBuf>) -> RequestBody {
        RequestBody {
            segments: vec![Segment::File(path.into())],
        }
    }

    /// Appends bytes, joined to the bytes before them: a multipart body is built
    /// from many small pieces, and is then one piece per file between them.
    pub(crate) fn push_bytes(&mut self, b: impl Into<Bytes>) {
        let b = b.into();
        if let Some(Segment::Bytes(last)) = self.segments.last_mut() {
            // Unshared while the body is built, so extended in place, its room doubling.
            let mut joined = std::mem::take(last)
                .try_into_mut()
                .unwrap_or_else(|shared| bytes::BytesMut::from(&shared[..]));
            joined.extend_from_slice(&b);
            *last = joined.freeze();
        } else {
            self.segments.push(Segment::Bytes(b));
        }
    }

    pub(crate) fn push_file(&mut self, path: impl Into<PathBuf>) {
        self.segments.push(Segment::File(path.into()));
    }

    /// The whole body when nothing of it is a file. Bytes are joined as they are
    /// pushed, so any body of more than one piece has a file.
    pub(crate) fn in_memory(&self) -> Option<Bytes> {
        match self.segments.as_slice() {
            [] => Some(Bytes::new()),
            [Segment::Bytes(b)] => Some(b.clone()),
            _ => None,
        }
    }

    /// Opens the files and chains the pieces into one stream. The length is
    /// taken from the files' sizes now, so the server gets a Content-Length
    /// instead of a chunked upload.
    pub(crate) async fn open(&self) -> Result<Opened, String> {
        if let Some(b) = self.in_memory() {
            return Ok(Opened {
                len: b.len() as u64,
                body: reqwest::Body::from(b),
                streamed: false,
            });
        }
        let mut len = 0u64;
        let mut parts: Vec<BoxStream<'static, std::io::Result<Bytes>>> = Vec::with_capacity(self.segments.len());
        for s in &self.segments {
            match s {
                Segment::Bytes(b) => {
                    len += b.len() as u64;
                    parts.push(stream::once(std::future::ready(Ok(b.clone()))).boxed());
                }
                Segment::File(path) => {
                    let file = tokio::fs::File::open(path).await.map_err(|e| read_error(path, &e))?;
                    let meta = file.metadata().await.map_err(|e| read_error(path, &e))?;
                    if !meta.is_file() {
                        return Err(format!("cannot read `{}`: not a file", path.display()));
                    }
                    len += meta.len();
                    parts.push(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).boxed());
                }
            }
        }
        Ok(Opened {
            body: reqwest::Body::wrap_stream(stream::iter(parts).flatten()),
            len,
            streamed: true,
        })
    }

    /// The body as text for reports, with each file shown as `<file PATH>`;
    /// at most `max` bytes of in-memory text.
    pub(crate) fn excerpt(&self, max: usize) -> String {
        let mut out = String::new();
        let mut left = max;
        for s in &self.segments {
            match s {
                Segment::Bytes(b) => {
                    let take = b.len().min(left);
                    out.push_str(&String::from_utf8_lossy(&b[..take]));
                    left -= take;
                    if take < b.len() {
                        out.push_str(&format!("\n… ({} more bytes)", b.len() - take));
                        break;
                    }
                }
                Segment::File(path) => out.push_str(&format!("<file {}>", path.display())),
            }
        }
        out
    }

    /// The path of a body that is one file: curl sends it as `--data-binary @PATH`.
    pub(crate) fn file_path(&self) -> Option<&Path> {
        match self.segments.as_slice() {
            [Segment::File(path)] => Some(path),
            _ => None,
        }
    }

    /// True for a body of no bytes and no file.
    pub(crate) fn is_empty(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Bytes(b) if b.is_empty()))
    }
}

fn read_error(path: &Path, e: &std::io::Error) -> String {
    format!("cannot read `{}`: {}", path.display(), crate::files::io_reason(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn streams_bytes_and_files_in_order_with_their_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, vec![b'x'; 100_000]).unwrap();
        let mut body = RequestBody::bytes("head:");
        body.push_file(&path);
        body.push_bytes(":tail");
        assert!(body.in_memory().is_none());
        let opened = body.open().await.unwrap();
        assert_eq!(opened.len, 100_010);
        assert!(opened.streamed);
        let all = http_body_util::BodyExt::collect(opened.body).await.unwrap().to_bytes();
        assert_eq!(all.len(), 100_010);
        assert!(all.starts_with(b"head:xx") && all.ends_with(b"xx:tail"));
        assert_eq!(body.excerpt(100), format!("head:<file {}>:tail", path.display()));
    }

    #[tokio::test]
    async fn pieces_of_bytes_are_one_body_held_in_memory() {
        let mut body = RequestBody::default();
        for i in 0..1000 {
            body.push_bytes(format!("{i},"));
        }
        let expected: String = (0..1000).map(|i| format!("{i},")).collect();
        assert_eq!(body.segments.len(), 1);
        assert_eq!(body.in_memory().unwrap(), expected.as_bytes());
        let opened = body.open().await.unwrap();
        assert!(!opened.streamed);
        assert_eq!(opened.len, expected.len() as u64);
    }

    #[tokio::test]
    async fn a_missing_file_is_a_clear_error() {
        let body = RequestBody::file("/nonexistent/sortie/x.bin");
        let err = body.open().await.err().unwrap();
        assert!(err.starts_with("cannot read `/nonexistent/sortie/x.bin`"), "{err}");
    }

    #[test]
    fn an_excerpt_is_cut_and_says_how_much_more_there_was() {
        let body = RequestBody::bytes("0123456789");
        assert_eq!(body.excerpt(10), "0123456789");
        assert_eq!(body.excerpt(4), "0123\n… (6 more bytes)");
        assert_eq!(body.excerpt(0), "\n… (10 more bytes)");
        // The budget is shared by the pieces around a file.
        let mut body = RequestBody::bytes("abc");
        body.push_file("/f");
        body.push_bytes("defgh");
        assert_eq!(body.excerpt(5), "abc<file /f>de\n… (3 more bytes)");
        assert_eq!(body.excerpt(8), "abc<file /f>defgh");
        assert_eq!(RequestBody::default().excerpt(5), "");
    }

    #[test]
    fn curl_is_given_a_lone_file_by_name() {
        assert_eq!(
            RequestBody::file("/tmp/up.bin").file_path(),
            Some(Path::new("/tmp/up.bin"))
        );
        assert_eq!(RequestBody::bytes("a=1").file_path(), None);
        let mut body = RequestBody::file("/f");
        body.push_bytes("x");
        assert_eq!(body.file_path(), None);
        assert!(RequestBody::default().is_empty() && RequestBody::bytes("").is_empty());
        assert!(!RequestBody::bytes("x").is_empty() && !RequestBody::file("/f").is_empty());
    }

    #[tokio::test]
    async fn bytes_after_a_file_are_a_piece_of_their_own() {
        let mut body = RequestBody::default();
        assert_eq!(body.in_memory().unwrap(), "");
        body.push_file("/f");
        body.push_bytes("a");
        body.push_bytes("b");
        assert_eq!(body.segments.len(), 2);
        assert!(body.in_memory().is_none());
        let opened = RequestBody::default().open().await.unwrap();
        assert_eq!((opened.len, opened.streamed), (0, false));
    }

    #[tokio::test]
    async fn a_directory_is_not_a_body() {
        let dir = tempfile::tempdir().unwrap();
        let err = RequestBody::file(dir.path()).open().await.err().unwrap();
        assert_eq!(err, format!("cannot read `{}`: not a file", dir.path().display()));
    }
}
