//! The HTML report (`--report-html`): one self-contained file a person opens
//! in a browser. A summary, then per collection a timeline of step durations
//! and every step, failed ones expanded with their expectations, diff and curl
//! command, the rest collapsed.
//!
//! Everything from a run is escaped, and a Content-Security-Policy allows only
//! the report's own inline script (by hash) and no network access: a response
//! body holding `<script>` is text, never code.

use std::fmt::Write as _;
use std::io;
use std::time::Duration;

use base64::Engine as _;
use sha2::Digest as _;

use super::console::{clean, format_duration};
use crate::check::diff::DiffLine;
use crate::outcome::{CollectionOutcome, Counts, LISTED_TEXT, Phase, RunOutcome, StepOutcome, StepStatus};
use crate::text::cut;

const CSS: &str = include_str!("html.css");
const SCRIPT: &str = include_str!("html.js");

/// The HTML report file of a run (`--report-html`).
pub(crate) fn document(run: &RunOutcome) -> io::Result<Vec<u8>> {
    Ok(render_html(run).into_bytes())
}

/// Text safe inside HTML elements and quoted attributes; control characters
/// shown as escapes, as on the console.
pub(crate) fn escape(text: &str) -> String {
    let text = clean(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The whole document.
pub(crate) fn render_html(run: &RunOutcome) -> String {
    let counts = run.counts();
    let ok = run.success();
    let script_hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SCRIPT.as_bytes()));
    let mut out = String::with_capacity(16 * 1024);
    let title = if ok { "passed" } else { "failed" };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'sha256-{script_hash}'; img-src data:\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Sortie report: {title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
    );
    push_summary(&mut out, run, counts, ok);
    out.push_str("<main>\n");
    if run.collections.is_empty() {
        out.push_str("<p class=\"empty\">No collection ran.</p>\n");
    }
    push_coverage(&mut out, run);
    for (index, collection) in run.collections.iter().enumerate() {
        push_collection(&mut out, index, collection);
    }
    let _ = write!(
        out,
        "</main>\n<footer>Written by sortie {}</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

fn push_summary(out: &mut String, run: &RunOutcome, counts: Counts, ok: bool) {
    let (verdict, class) = match (ok, run.interrupted) {
        (_, true) => ("Interrupted", "errored"),
        (true, false) => ("Passed", "passed"),
        (false, false) => ("Failed", "failed"),
    };
    let started = run
        .collections
        .first()
        .and_then(|c| crate::text::rfc3339(c.started, false))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<header class=\"summary\">\n<div class=\"title\"><h1>Sortie report</h1>\
         <span class=\"verdict {class}\">{verdict}</span></div>\n\
         <p class=\"meta\">{} · {} · {} · started {}</p>\n<div class=\"cards\">",
        crate::text::count(run.collections.len(), "collection"),
        crate::text::count(counts.total(), "step"),
        format_duration(run.duration),
        escape(&started),
    );
    for (status, count) in counts.by_status() {
        let word = status.name();
        let zero = if count == 0 { " zero" } else { "" };
        let _ = write!(
            out,
            "<div class=\"card {word}{zero}\"><b>{count}</b><span>{word}</span></div>"
        );
    }
    out.push_str("</div>\n");
    push_ratio_bar(out, counts);
    out.push_str(
        "<nav class=\"tools\"><label><input type=\"checkbox\" id=\"only-failures\"> Only failures</label>\
         <button type=\"button\" id=\"expand\">Expand all</button>\
         <button type=\"button\" id=\"collapse\">Collapse all</button></nav>\n",
    );
    push_problems(out, run);
    out.push_str("</header>\n");
}

/// One bar split by status, widths in proportion to the step counts.
fn push_ratio_bar(out: &mut String, counts: Counts) {
    let total = counts.total().max(1) as f64;
    out.push_str("<div class=\"ratio\" aria-hidden=\"true\">");
    for (status, count) in counts.by_status() {
        if count > 0 {
            let _ = write!(
                out,
                "<span class=\"{}\" style=\"width:{:.3}%\"></span>",
                status.name(),
                count as f64 * 100.0 / total
            );
        }
    }
    out.push_str("</div>\n");
}

/// Each OpenAPI spec's coverage, with the operations no step exchanged with and the
/// statuses received that the spec does not declare.
fn push_coverage(out: &mut String, run: &RunOutcome) {
    for c in &run.openapi {
        let _ = write!(
            out,
            "<section class=\"coverage\">\n<h2>OpenAPI coverage: {}</h2>\n<p class=\"where\">{}</p>\n",
            escape(&c.figures().text()),
            escape(&c.spec)
        );
        if let Some(why) = &run.coverage_failed {
            let _ = writeln!(out, "<p class=\"failed\">{}</p>", escape(why));
        }
        let uncovered: Vec<String> = c
            .operations
            .iter()
            .filter(|o| !o.covered)
            .map(|o| format!("<li>{}</li>", escape(&o.operation)))
            .collect();
        if !uncovered.is_empty() {
            let _ = writeln!(out, "<h3>Not covered</h3>\n<ul>{}</ul>", uncovered.join(""));
        }
        let undeclared: Vec<String> = c
            .operations
            .iter()
            .filter(|o| !o.undeclared.is_empty())
            .map(|o| {
                let codes: Vec<String> = o.undeclared.iter().map(u16::to_string).collect();
                format!("<li>{}: {}</li>", escape(&o.operation), codes.join(", "))
            })
            .collect();
        if !undeclared.is_empty() {
            let _ = writeln!(
                out,
                "<h3>Undeclared statuses received</h3>\n<ul>{}</ul>",
                undeclared.join("")
            );
        }
        out.push_str("</section>\n");
    }
}

/// Links to every failed or errored step.
fn push_problems(out: &mut String, run: &RunOutcome) {
    let mut items = String::new();
    for (c, collection) in run.collections.iter().enumerate() {
        for (s, step) in collection.steps.iter().enumerate() {
            if step.status.is_problem() {
                let _ = write!(
                    items,
                    "<li><a href=\"#s{c}-{s}\"><span class=\"mark {}\">{}</span> {} / {}</a> \
                     <span class=\"where\">{}:{}</span></li>",
                    step.status.name(),
                    mark(step.status),
                    escape(&collection.name),
                    escape(&step.name),
                    escape(&step.file),
                    step.line
                );
            }
        }
    }
    if !items.is_empty() {
        let _ = writeln!(out, "<ul class=\"problems\">{items}</ul>");
    }
}

fn push_collection(out: &mut String, index: usize, c: &CollectionOutcome) {
    let counts = c.counts();
    let class = if counts.problems() > 0 { "failed" } else { "passed" };
    let _ = write!(
        out,
        "<section class=\"collection {class}\" id=\"c{index}\">\n<div class=\"collection-head\"><h2>{}</h2>\
         <span class=\"file\">{}</span>",
        escape(&c.name),
        escape(&c.path)
    );
    for tag in &c.tags {
        let _ = write!(out, "<span class=\"tag\">{}</span>", escape(tag));
    }
    let parts: Vec<String> = counts
        .by_status()
        .iter()
        .map(|(status, count)| format!("{count} {}", status.name()))
        .collect();
    let _ = writeln!(
        out,
        "<span class=\"counts\">{} · {}</span></div>",
        parts.join(" · "),
        format_duration(c.duration)
    );
    push_timeline(out, index, c);
    let slowest = c.steps.iter().map(|s| s.duration).max().unwrap_or_default();
    out.push_str("<div class=\"steps\">\n");
    for (s, step) in c.steps.iter().enumerate() {
        push_step(out, &format!("s{index}-{s}"), step, slowest);
    }
    out.push_str("</div>\n</section>\n");
}

/// The steps one after another, each as wide as its share of the time; a
/// concurrent group shows as if its steps ran in turn.
fn push_timeline(out: &mut String, index: usize, c: &CollectionOutcome) {
    let total: f64 = c.steps.iter().map(|s| s.duration.as_secs_f64()).sum();
    if c.steps.is_empty() || total <= 0.0 {
        return;
    }
    out.push_str("<div class=\"timeline\" role=\"img\" aria-label=\"step durations\">");
    for (s, step) in c.steps.iter().enumerate() {
        let share = step.duration.as_secs_f64() * 100.0 / total;
        let _ = write!(
            out,
            "<a href=\"#s{index}-{s}\" class=\"{}\" style=\"flex-grow:{share:.4}\" title=\"{} · {}\"></a>",
            step.status.name(),
            escape(&step.name),
            duration(step.duration)
        );
    }
    out.push_str("</div>\n");
}

fn push_step(out: &mut String, id: &str, step: &StepOutcome, slowest: Duration) {
    let class = step.status.name();
    // A warning is read like a problem: its step opens.
    let open = if step.status.is_problem() || !step.warnings.is_empty() {
        " open"
    } else {
        ""
    };
    let width = if slowest.is_zero() || step.status == StepStatus::Skipped {
        0.0
    } else {
        step.duration.as_secs_f64() * 100.0 / slowest.as_secs_f64()
    };
    let phase = match step.phase {
        Phase::Setup => "<span class=\"phase\">setup</span>",
        Phase::Teardown => "<span class=\"phase\">teardown</span>",
        Phase::Steps => "",
    };
    let code = step.response.as_ref().map_or_else(
        || "<span class=\"code\"></span>".to_owned(),
        |r| format!("<span class=\"code c{}\">{}</span>", r.status / 100, r.status),
    );
    let _ = write!(
        out,
        "<details class=\"step {class}\" id=\"{id}\"{open}><summary>\
         <span class=\"mark {class}\">{}</span><span class=\"name\">{}{phase}</span>{code}\
         <span class=\"bar\"><span class=\"{class}\" style=\"width:{width:.2}%\"></span></span>\
         <span class=\"time\">{}</span></summary>\n<div class=\"body\">\n",
        mark(step.status),
        escape(&step.name),
        duration(step.duration)
    );
    push_step_body(out, step);
    out.push_str("</div></details>\n");
}

fn push_step_body(out: &mut String, step: &StepOutcome) {
    if let Some(description) = &step.description {
        let _ = writeln!(out, "<p class=\"description\">{}</p>", escape(description));
    }
    let _ = write!(out, "<p class=\"where\">{}:{}", escape(&step.file), step.line);
    if step.attempts > 1 {
        let _ = write!(out, " · {} attempts", step.attempts);
    }
    out.push_str("</p>\n");
    if let Some(message) = &step.message {
        let class = if step.status == StepStatus::Skipped {
            "note"
        } else {
            "error"
        };
        let _ = writeln!(out, "<pre class=\"message {class}\">{}</pre>", escape(message));
    }
    for warning in &step.warnings {
        let _ = writeln!(out, "<pre class=\"message warning\">warning: {}</pre>", escape(warning));
    }
    push_expectations(out, step);
    if let Some(request) = &step.request {
        if step.status.is_problem() {
            let _ = writeln!(
                out,
                "<div class=\"curl\"><button type=\"button\" class=\"copy\">Copy</button><pre>{}</pre></div>",
                escape(&request.curl)
            );
        }
        let _ = write!(
            out,
            "<h3>Request</h3><p class=\"line\"><b>{}</b> {}</p>",
            escape(&request.method),
            escape(&request.url)
        );
        push_headers(out, &request.headers);
        if let Some(body) = &request.body_excerpt {
            let _ = write!(out, "<pre class=\"payload\">{}</pre>", escape(&pretty(body)));
        }
        if !step.status.is_problem() {
            let _ = write!(out, "<pre class=\"curl-plain\">{}</pre>", escape(&request.curl));
        }
        out.push('\n');
    }
    if let Some(response) = &step.response {
        let _ = write!(
            out,
            "<h3>Response</h3><p class=\"line\"><b>{}</b> · {} · {}</p>",
            response.status,
            crate::text::count(response.size, "byte"),
            duration(response.elapsed)
        );
        push_headers(out, &response.headers);
        if !response.body_excerpt.is_empty() {
            let _ = write!(
                out,
                "<pre class=\"payload\">{}</pre>",
                escape(&pretty(&response.body_excerpt))
            );
        }
        out.push('\n');
    }
    push_exchanges(out, step);
    if !step.captures.is_empty() {
        out.push_str("<h3>Captures</h3><table class=\"kv\">");
        for (name, value) in &step.captures {
            let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(name), escape(value));
        }
        out.push_str("</table>\n");
    }
}

/// A bar per request sent, its phases in proportion to the longest exchange of the
/// step, each named with its time on hover and in text.
fn push_exchanges(out: &mut String, step: &StepOutcome) {
    if step.exchanges.is_empty() {
        return;
    }
    let longest = step
        .exchanges
        .iter()
        .map(|e| e.timings.total())
        .max()
        .unwrap_or_default()
        .as_secs_f64()
        .max(1e-9);
    out.push_str("<h3>Timings</h3><table class=\"timings\">");
    for e in &step.exchanges {
        let t = &e.timings;
        let phases = [
            ("dns", t.dns),
            ("connect", t.connect),
            ("tls", t.tls),
            ("ttfb", Some(t.ttfb)),
            ("download", Some(t.download)),
        ];
        let _ = write!(
            out,
            "<tr><th>{} {} · {}</th><td><span class=\"phases\">",
            escape(&e.method),
            escape(&e.url),
            e.status
        );
        let mut text = Vec::new();
        for (name, d) in phases {
            let Some(d) = d else { continue };
            let shown = crate::report::console::phase_duration(d);
            let _ = write!(
                out,
                "<span class=\"{name}\" style=\"width:{:.2}%\" title=\"{name} {shown}\"></span>",
                d.as_secs_f64() * 100.0 / longest
            );
            text.push(format!("{name} {shown}"));
        }
        let _ = write!(out, "</span><small>{}</small></td></tr>", escape(&text.join(", ")));
    }
    out.push_str("</table>\n");
}

/// Every check, passed or not; a failure's diff under it.
fn push_expectations(out: &mut String, step: &StepOutcome) {
    if step.expectations.is_empty() {
        return;
    }
    out.push_str(
        "<h3>Expectations</h3><table class=\"checks\"><thead><tr><th></th><th>subject</th><th>expected</th>\
         <th>actual</th><th>line</th></tr></thead><tbody>",
    );
    for r in &step.expectations {
        let (class, mark) = if r.passed { ("passed", "✓") } else { ("failed", "✗") };
        let predicate = if r.predicate == "equals" {
            String::new()
        } else {
            format!("<i>{}</i>", escape(&r.predicate))
        };
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td class=\"mark {class}\">{mark}</td><td><code>{}</code>{predicate}</td>\
             <td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>",
            escape(&r.subject),
            escape(&shown(&r.expected, r.passed)),
            escape(&shown(&r.actual, r.passed)),
            r.line
        );
        if let Some(diff) = &r.diff {
            let _ = write!(
                out,
                "<tr class=\"diff-row\"><td></td><td colspan=\"4\">{}</td></tr>",
                diff_html(diff)
            );
        }
    }
    out.push_str("</tbody></table>\n");
}

/// An expectation's text: a passed one's cut, a failed one's whole. The
/// checks keep a failure's text short already (a long value goes to its
/// diff), except where every line counts, as a schema's list of errors.
fn shown(text: &str, passed: bool) -> std::borrow::Cow<'_, str> {
    if passed {
        std::borrow::Cow::Owned(cut(text, LISTED_TEXT))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A unified diff with added and removed lines marked.
fn diff_html(diff: &str) -> String {
    let mut out = String::from("<pre class=\"diff\">");
    for line in diff.lines() {
        let class = match DiffLine::of(line) {
            DiffLine::Head => "head",
            DiffLine::Hunk => "hunk",
            DiffLine::Removed => "del",
            DiffLine::Added => "add",
            DiffLine::Context => "ctx",
        };
        let _ = writeln!(out, "<span class=\"{class}\">{}</span>", escape(line));
    }
    out.push_str("</pre>");
    out
}

fn push_headers(out: &mut String, headers: &[(String, String)]) {
    if headers.is_empty() {
        return;
    }
    out.push_str("<table class=\"kv headers\">");
    for (name, value) in headers {
        let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", escape(name), escape(value));
    }
    out.push_str("</table>");
}

/// A compact JSON document, indented; anything else (a cut excerpt, text,
/// JSON already laid out) as it is. Only when writing the parsed value back
/// gives the very same text, so a number is never shown other than as sent.
fn pretty(body: &str) -> String {
    let trimmed = body.trim();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return body.to_owned();
    }
    serde_json::from_str::<serde_json::Value>(trimmed)
        .ok()
        .filter(|v| serde_json::to_string(v).is_ok_and(|compact| compact == trimmed))
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| body.to_owned())
}

/// Like the console's, with a decimal under 10ms: a local API answers in
/// fractions of a millisecond.
fn duration(d: Duration) -> String {
    if d < Duration::from_millis(10) {
        format!("{:.1}ms", d.as_secs_f64() * 1000.0)
    } else {
        format_duration(d)
    }
}

fn mark(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Passed => "✓",
        StepStatus::Failed => "✗",
        StepStatus::Errored => "!",
        StepStatus::Skipped => "–",
    }
}

#[cfg(test)]
#[path = "html_tests.rs"]
mod tests;
