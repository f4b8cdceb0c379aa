//! A request step's body, rendered: JSON, a form, raw text, a file streamed
//! from disk, or multipart parts; each sets its content type unless the step
//! set one.

use std::path::Path;

use super::prepare::{Draft, StepRender, text};
use crate::plan::BodyPlan;
use crate::session::curl::{FormPart, PartContent};
use crate::session::request_body::RequestBody;

/// Renders `body`, adding its content type to `draft` when the step set none.
pub(super) async fn render_body(
    body: &BodyPlan,
    render: &StepRender<'_>,
    draft: &mut Draft,
) -> Result<RequestBody, String> {
    Ok(match body {
        BodyPlan::Json(v) => {
            let json = render.value("json", v)?;
            draft.default_header("Content-Type", "application/json");
            RequestBody::bytes(serde_json::to_vec(&json).map_err(|e| format!("cannot encode the JSON body: {e}"))?)
        }
        BodyPlan::Form(fields) => {
            let mut form = form_urlencoded::Serializer::new(String::new());
            for (name, value) in fields {
                match render.value(&format!("form.{name}"), value)? {
                    serde_json::Value::Array(items) => items.iter().for_each(|i| {
                        form.append_pair(name, &text(i));
                    }),
                    other => {
                        form.append_pair(name, &text(&other));
                    }
                }
            }
            draft.default_header("Content-Type", "application/x-www-form-urlencoded");
            RequestBody::bytes(form.finish())
        }
        BodyPlan::Raw(t) => RequestBody::bytes(render.string("body", t)?),
        BodyPlan::File(path) => {
            // Streamed at send time; a file that is missing now is this step's error.
            check_file(path).await?;
            draft.default_header("Content-Type", &guess_type(path));
            RequestBody::file(path)
        }
        BodyPlan::Multipart(parts) => {
            let boundary = format!("sortie-{}", uuid::Uuid::new_v4().simple());
            let mut body = RequestBody::default();
            for part in parts {
                body.push_bytes(format!("--{boundary}\r\n"));
                let name = render.string("multipart name", &part.name)?;
                let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", escape_quoted(&name));
                let what = |field: &str| format!("multipart.{name}.{field}");
                let rendered_filename = match &part.filename {
                    Some(t) => Some(render.string(&what("filename"), t)?),
                    None => None,
                };
                let content_type = match &part.content_type {
                    Some(t) => Some(header_value(
                        &what("content_type"),
                        render.string(&what("content_type"), t)?,
                    )?),
                    None => None,
                };
                let filename = rendered_filename.or_else(|| {
                    part.file
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map(|f| f.to_string_lossy().into_owned())
                });
                if let Some(f) = &filename {
                    disposition.push_str(&format!("; filename=\"{}\"", escape_quoted(f)));
                }
                // curl names a file part after its file and types it by itself: only what differs is written.
                let shown_filename = filename.filter(|f| {
                    part.file
                        .as_ref()
                        .and_then(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        != Some(f.clone())
                        || part.value.is_some()
                });
                body.push_bytes(disposition + "\r\n");
                let ctype = match &part.file {
                    Some(path) if part.value.is_none() => Some(content_type.unwrap_or_else(|| guess_type(path))),
                    _ => content_type,
                };
                if let Some(ct) = &ctype {
                    body.push_bytes(format!("Content-Type: {ct}\r\n"));
                }
                let shown_type = ctype;
                body.push_bytes("\r\n");
                let content = match (&part.value, &part.file) {
                    (Some(v), _) => {
                        let value = text(&render.value(&format!("multipart.{name}"), v)?);
                        body.push_bytes(value.clone().into_bytes());
                        PartContent::Value(value)
                    }
                    (None, Some(path)) => {
                        check_file(path).await?;
                        body.push_file(path);
                        PartContent::File(path.clone())
                    }
                    (None, None) => PartContent::Value(String::new()),
                };
                draft.replay.form.push(FormPart {
                    name: name.clone(),
                    content,
                    filename: shown_filename,
                    content_type: shown_type,
                });
                body.push_bytes("\r\n");
            }
            body.push_bytes(format!("--{boundary}--\r\n"));
            draft.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
            draft.headers.push((
                "Content-Type".into(),
                format!("multipart/form-data; boundary={boundary}"),
            ));
            body
        }
    })
}

/// A file to stream must exist and be a file now, so the step errors before anything is sent.
async fn check_file(path: &Path) -> Result<(), String> {
    match tokio::fs::metadata(path).await {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(format!("cannot read `{}`: not a file", path.display())),
        Err(e) => Err(format!(
            "cannot read `{}`: {}",
            path.display(),
            crate::files::io_reason(&e)
        )),
    }
}

/// A part's `Content-Type` is a header line: a line break in it would start another
/// header of the part (or end the part's head), so it is an error of the step.
fn header_value(what: &str, value: String) -> Result<String, String> {
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(format!("`{what}` holds a line break, which a header value cannot hold"));
    }
    Ok(value)
}

fn escape_quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace(['\r', '\n'], " ")
}

/// The content type of a file, from its extension; `application/octet-stream` when unknown.
fn guess_type(path: &Path) -> String {
    mime_guess::from_path(path)
        .first_or_octet_stream()
        .essence_str()
        .to_owned()
}
