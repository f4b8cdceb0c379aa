use super::*;
use crate::outcome::Expectation;
use crate::report::Reporter as _;
use crate::report::fixtures;

const COMMITTED: &str = include_str!("../../schemas/report.schema.json");

/// The fixtures' run, with the failed step's checks filled in as the executor does.
fn run() -> RunOutcome {
    let mut run = fixtures::run();
    let failed = &mut run.collections[1].steps[1];
    let diff = failed.expectations[1].diff.take();
    failed.expectations = vec![
        Expectation {
            subject: "status".into(),
            predicate: "equals".into(),
            expected: "201".into(),
            actual: "400".into(),
            passed: false,
            diff: None,
            line: 14,
        },
        Expectation {
            subject: "header content-type".into(),
            predicate: "contains".into(),
            expected: "contains \"json\"".into(),
            actual: "\"application/json\"".into(),
            passed: true,
            diff: None,
            line: 15,
        },
        Expectation {
            subject: "json $".into(),
            predicate: "contains".into(),
            expected: r#"contains {"name":"Rex"}"#.into(),
            actual: r#"{"error":"name is required"}"#.into(),
            passed: false,
            diff,
            line: 15,
        },
    ];
    run.collections[0].tags = vec!["smoke".into()];
    run.collections[0].steps[0].captures = vec![("token".into(), "***".into())];
    run
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(COMMITTED).expect("the committed schema is JSON");
    jsonschema::options()
        .build(&schema)
        .expect("the committed schema compiles")
}

/// Whether this is a CI run (`CI` set, as CI services and `.ci/run` do).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// What the drift test does: `Ok(true)` to rewrite the committed schema
/// (`SORTIE_WRITE_SCHEMAS`, outside CI only), `Ok(false)` when it is up to
/// date, an error when it is stale, or when CI asks for a rewrite.
fn drift(generated: &str, committed: &str, write: bool, ci: bool) -> Result<bool, String> {
    if write && ci {
        return Err("SORTIE_WRITE_SCHEMAS is set in CI: CI checks the committed schema, it never rewrites it".into());
    }
    match (generated == committed, write) {
        (true, _) => Ok(false),
        (false, true) => Ok(true),
        (false, false) => Err(
            "schemas/report.schema.json is stale: run `SORTIE_WRITE_SCHEMAS=1 cargo test --lib report::json`".into(),
        ),
    }
}

#[test]
fn the_committed_schema_is_up_to_date() {
    let generated = report_schema();
    let write = std::env::var_os("SORTIE_WRITE_SCHEMAS").is_some();
    match drift(&generated, COMMITTED, write, in_ci()) {
        Ok(true) => {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/report.schema.json");
            std::fs::write(path, &generated).expect("write the schema");
        }
        Ok(false) => {}
        Err(message) => panic!("{message}"),
    }
}

#[test]
fn ci_never_rewrites_the_schema() {
    assert_eq!(drift("new", "old", true, false), Ok(true));
    assert_eq!(drift("same", "same", true, false), Ok(false));
    assert_eq!(drift("same", "same", false, true), Ok(false));
    for (generated, write, ci) in [
        ("new", false, false),
        ("new", false, true),
        ("new", true, true),
        ("old", true, true),
    ] {
        assert!(drift(generated, "old", write, ci).is_err(), "{generated} {write} {ci}");
    }
}

/// The report as the README documents it, written by hand and not derived
/// from the types: one line per object, `?` for a field that may be absent
/// or null, `[T]` for a list, `a|b` for the allowed strings.
const DOCUMENTED: &str = "\
report: version 3, tool \"sortie\", tool_version string, success boolean, interrupted boolean, duration_ms number, summary Summary, collections [Collection], openapi [Coverage]?, coverage_failed string?
Summary: steps integer, passed integer, failed integer, errored integer, skipped integer
Collection: name string, file string, tags [string], started string, duration_ms number, summary Summary, steps [Step]
Step: name string, phase setup|steps|teardown, file string, line integer, description string?, status passed|failed|errored|skipped, message string?, duration_ms number, attempts integer, request Request?, response Response?, captures [Capture], expectations [Expectation], exchanges [Exchange], warnings [string]?
Exchange: method string, url string, status integer, timings Timings
Timings: dns_ms number?, connect_ms number?, tls_ms number?, ttfb_ms number, download_ms number, total_ms number
Request: method string, url string, headers [Header], body_excerpt string?, curl string
Header: name string, value string
Response: status integer, headers [Header], body_excerpt string, size integer, duration_ms number
Capture: name string, value string
Expectation: subject string, predicate string, expected string, actual string, passed boolean, line integer, diff string?
Coverage: spec string, operations [OperationCoverage]
OperationCoverage: operation string, operation_id string?, covered boolean, responses [ResponseCoverage], undeclared [integer]
ResponseCoverage: status string, covered boolean
";

/// The committed schema in the notation of `DOCUMENTED`.
fn outline(schema: &serde_json::Value) -> String {
    use serde_json::Value;
    fn name(reference: &str) -> String {
        let name = reference.trim_start_matches("#/$defs/");
        name.strip_suffix("Report").unwrap_or(name).to_owned()
    }
    fn kind(schema: &Value, defs: &Value) -> String {
        if let Some(value) = schema.get("const") {
            return value.to_string();
        }
        if let Some(Value::String(reference)) = schema.get("$ref") {
            let target = &defs[reference.trim_start_matches("#/$defs/")];
            return match target.get("enum") {
                Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("|"),
                _ => name(reference),
            };
        }
        if let Some(Value::Array(any)) = schema.get("anyOf") {
            let kinds: Vec<String> = any
                .iter()
                .filter(|s| s.get("type") != Some(&Value::from("null")))
                .map(|s| kind(s, defs))
                .collect();
            let nullable = kinds.len() < any.len();
            return format!("{}{}", kinds.join("|"), if nullable { "?" } else { "" });
        }
        match schema.get("type") {
            Some(Value::String(t)) if t == "array" => format!("[{}]", kind(&schema["items"], defs)),
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(types)) => {
                let kinds: Vec<&str> = types
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|t| *t != "null")
                    .collect();
                let nullable = kinds.len() < types.len();
                format!("{}{}", kinds.join("|"), if nullable { "?" } else { "" })
            }
            _ => format!("unknown {schema}"),
        }
    }
    fn object(label: &str, schema: &Value, defs: &Value) -> String {
        assert_eq!(
            schema["additionalProperties"],
            Value::Bool(false),
            "{label}: fields outside the schema must be refused"
        );
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let fields: Vec<String> = schema["properties"]
            .as_object()
            .map(|properties| {
                properties
                    .iter()
                    .map(|(field, s)| {
                        let k = kind(s, defs);
                        let optional = !required.contains(&field.as_str()) && !k.ends_with('?');
                        format!("{field} {k}{}", if optional { "?" } else { "" })
                    })
                    .collect()
            })
            .unwrap_or_default();
        format!("{label}: {}\n", fields.join(", "))
    }
    let defs = &schema["$defs"];
    let mut out = object("report", schema, defs);
    for (def, s) in defs.as_object().expect("$defs") {
        if s.get("properties").is_some() {
            out.push_str(&object(&name(def), s, defs));
        }
    }
    out
}

#[test]
fn the_committed_schema_is_the_documented_report() {
    let schema: serde_json::Value = serde_json::from_str(COMMITTED).expect("the committed schema is JSON");
    let mut documented: Vec<&str> = DOCUMENTED.lines().collect();
    let outline = outline(&schema);
    let mut committed: Vec<&str> = outline.lines().collect();
    documented.sort_unstable();
    committed.sort_unstable();
    assert_eq!(
        committed, documented,
        "the committed report schema differs from the report the README documents: \
         update the README (and the version, if a field is removed or changes meaning)"
    );
}

#[test]
fn reports_validate_against_the_schema() {
    let validator = validator();
    let value = serde_json::to_value(from_run(&run())).expect("serializes");
    let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let empty = RunOutcome {
        collections: Vec::new(),
        duration: Duration::ZERO,
        interrupted: true,
        openapi: Vec::new(),
        coverage_failed: None,
    };
    assert!(validator.is_valid(&serde_json::to_value(from_run(&empty)).expect("serializes")));
}

#[test]
fn the_schema_rejects_what_a_report_never_holds() {
    let validator = validator();
    let mut value = serde_json::to_value(from_run(&run())).expect("serializes");
    value["version"] = 4.into();
    assert!(!validator.is_valid(&value), "another version");
    let mut value = serde_json::to_value(from_run(&run())).expect("serializes");
    value["collections"][1]["steps"][0]["status"] = "fine".into();
    assert!(!validator.is_valid(&value), "an unknown status");
    let mut value = serde_json::to_value(from_run(&run())).expect("serializes");
    value["collections"][0]["extra"] = true.into();
    assert!(!validator.is_valid(&value), "an undocumented field");
}

#[test]
fn shape() {
    let text = serde_json::to_string_pretty(&from_run(&run())).expect("serializes");
    insta::with_settings!({filters => vec![(r#""tool_version": "[^"]+""#, r#""tool_version": "[version]""#)]}, {
        insta::assert_snapshot!(text);
    });
}

#[test]
fn failed_checks_take_the_diff_of_their_failure() {
    let report = from_run(&run());
    let step = &report.collections[1].steps[1];
    let results: Vec<(bool, bool)> = step.expectations.iter().map(|e| (e.passed, e.diff.is_some())).collect();
    assert_eq!(results, [(false, false), (true, false), (false, true)]);
}

#[test]
fn failures_without_checks_are_still_listed() {
    let report = from_run(&fixtures::run());
    let step = &report.collections[1].steps[1];
    assert_eq!(step.expectations.len(), 2);
    assert!(step.expectations.iter().all(|e| !e.passed));
}

#[test]
fn reporter_writes_what_from_run_gives() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("out/report.json");
    let run = run();
    let mut reporter =
        crate::report::FileReporter::new(crate::report::write::ReportFile::at("--report-json", &path), document);
    for event in fixtures::events(&run) {
        reporter.event(&event).expect("writes");
    }
    let written: JsonReport = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("reads back");
    assert_eq!(written, from_run(&run));
}
