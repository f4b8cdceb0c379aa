use super::*;
use crate::report::Reporter as _;
use crate::report::fixtures;

#[test]
fn escapes_everything_from_the_run() {
    let mut run = fixtures::run();
    let evil = "<script>alert('x')</script> & \"quoted\" \u{1b}[31m";
    let failed = &mut run.collections[1].steps[1];
    failed.name = evil.to_owned();
    if let Some(response) = &mut failed.response {
        response.body_excerpt = evil.to_owned();
        response.headers.push(("x-evil".into(), evil.to_owned()));
    }
    failed.expectations[0].actual = evil.to_owned();
    failed.expectations[1].diff = Some(format!("-{evil}\n+{evil}\n"));
    run.collections[1].name = evil.to_owned();
    run.collections[1].tags = vec![evil.to_owned()];
    let html = render_html(&run);
    assert!(!html.contains("<script>alert"), "raw script in the report");
    assert!(!html.contains('\u{1b}'));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot; \\u{1b}[31m"));
    // The only script is the report's own, allowed by its hash.
    assert_eq!(html.matches("<script>").count(), 1);
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SCRIPT.as_bytes()));
    assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
}

#[test]
fn self_contained() {
    let html = render_html(&fixtures::run());
    for needle in [" src=", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!html.contains(needle), "{needle} in the report");
    }
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn failed_steps_open_with_their_curl_and_diff_and_others_collapsed() {
    let html = render_html(&fixtures::run());
    let open: Vec<&str> = html
        .match_indices("<details class=\"step ")
        .map(|(i, _)| {
            let end = html[i..].find('>').map_or(html.len(), |e| i + e);
            &html[i..end]
        })
        .collect();
    assert_eq!(open.len(), 6);
    assert_eq!(open.iter().filter(|d| d.ends_with(" open")).count(), 2, "{open:#?}");
    assert!(html.contains("<button type=\"button\" class=\"copy\">Copy</button><pre>curl -X POST"));
    assert!(html.contains("<span class=\"add\">+  &quot;error&quot;: &quot;name is required&quot;</span>"));
    assert!(
        html.contains("href=\"#s1-1\""),
        "the problem list links to the failed step"
    );
}

#[test]
fn an_empty_run_still_renders() {
    let run = RunOutcome {
        collections: Vec::new(),
        duration: Duration::ZERO,
        interrupted: true,
        openapi: Vec::new(),
        coverage_failed: None,
    };
    let html = render_html(&run);
    assert!(html.contains("Interrupted"));
    assert!(html.contains("No collection ran."));
}

#[test]
fn reporter_writes_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.html");
    let run = fixtures::run();
    let mut reporter =
        crate::report::FileReporter::new(crate::report::write::ReportFile::at("--report-html", &path), document);
    for event in fixtures::events(&run) {
        reporter.event(&event).expect("writes");
    }
    assert_eq!(std::fs::read_to_string(&path).expect("read"), render_html(&run));
}
