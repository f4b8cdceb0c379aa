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
            expected: r#"{"name":"Rex"}"#.into(),
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

#[test]
fn the_committed_schema_is_up_to_date() {
    let generated = report_schema();
    if generated != COMMITTED && std::env::var_os("SORTIE_WRITE_SCHEMAS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/report.schema.json");
        std::fs::write(path, &generated).expect("write the schema");
        return;
    }
    assert!(
        generated == COMMITTED,
        "schemas/report.schema.json is stale: run `SORTIE_WRITE_SCHEMAS=1 cargo test --lib report::json`"
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
    };
    assert!(validator.is_valid(&serde_json::to_value(from_run(&empty)).expect("serializes")));
}

#[test]
fn the_schema_rejects_what_a_report_never_holds() {
    let validator = validator();
    let mut value = serde_json::to_value(from_run(&run())).expect("serializes");
    value["version"] = 2.into();
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
    let mut reporter = crate::report::FileReporter::new(&path, document);
    for event in fixtures::events(&run) {
        reporter.event(&event).expect("writes");
    }
    let written: JsonReport = serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("reads back");
    assert_eq!(written, from_run(&run));
}
