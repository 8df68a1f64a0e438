//! `bleed report` on stores recorded from real hunts and bisections (`testdata/stores/`): every
//! format snapshotted, the JSON schema's promised fields, exit codes, colour and errors.

use std::fs;

use serde_json::Value;

use crate::util::{Sandbox, exit_code, json, stderr};

/// The report of a fixed store in one format, with the version redacted so that a release does
/// not rewrite every snapshot.
fn report(store: &str, args: &[&str]) -> (i32, String) {
    let sandbox = Sandbox::with_suite(&format!("stores/{store}"));
    let output = sandbox
        .bleed()
        .args(["--store", ".", "report"])
        .args(args)
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("run bleed report");
    let text =
        String::from_utf8_lossy(&output.stdout).replace(env!("CARGO_PKG_VERSION"), "[version]");
    assert!(
        output.stderr.is_empty(),
        "a report of a sound store warns of nothing:\n{}",
        stderr(&output)
    );
    (exit_code(&output), text)
}

#[test]
fn every_format_of_a_store_with_bisections_is_as_recorded() {
    for format in ["text", "markdown", "json", "junit", "html"] {
        let (code, text) = report("pytest", &["--format", format]);
        assert_eq!(code, 1, "tests failed in the store's runs: exit 1");
        insta::assert_snapshot!(format!("pytest_{format}"), text);
    }
}

#[test]
fn every_format_of_a_noisy_store_is_as_recorded() {
    for format in ["text", "markdown", "json", "junit", "html"] {
        let (_, text) = report("noise", &["--format", format]);
        insta::assert_snapshot!(format!("noise_{format}"), text);
    }
}

#[test]
fn the_json_schema_has_what_it_promises() {
    let (_, text) = report("pytest", &["--format", "json"]);
    let report: Value = serde_json::from_str(&text).expect("one JSON document");
    assert_eq!(report["schema"], 1);
    let tests = report["tests"].as_array().expect("tests[]");
    assert_eq!(tests.len(), 23, "every test of the suite");
    for field in [
        "id",
        "runs",
        "failures",
        "kind",
        "mean_pass_seconds",
        "mean_fail_seconds",
    ] {
        assert!(
            tests.iter().all(|t| t.get(field).is_some()),
            "tests[].{field}"
        );
    }
    let victim = tests
        .iter()
        .find(|t| t["id"] == "tests/test_cart.py::test_total_is_in_dollars")
        .expect("the planted victim");
    assert_eq!(victim["kind"], "order-dependent");
    assert_eq!(
        (victim["failures"].as_u64(), victim["runs"].as_u64()),
        (Some(20), Some(30))
    );
    assert!(!report["slowest"].as_array().expect("slowest[]").is_empty());
    let interference = report["interference"].as_array().expect("interference[]");
    let pair = interference
        .iter()
        .find(|p| p["victim"] == "tests/test_cart.py::test_total_is_in_dollars")
        .expect("the bisected victim");
    assert_eq!(
        pair["polluters"],
        serde_json::json!(["tests/test_settings.py::test_switch_currency_to_eur"])
    );
    assert_eq!(pair["source"], "bisected");
    let suspected = interference
        .iter()
        .find(|p| p["victim"] == "tests/test_settings.py::test_banner_defaults_to_welcome")
        .expect("the victim left unbisected is shown with its suspects");
    assert_eq!(suspected["source"], "suspected");
    assert_eq!(
        suspected["bisect"],
        "bleed bisect --store . --seed 312148900 \
         --victim tests/test_settings.py::test_banner_defaults_to_welcome",
        "the command bisects from the store the report read"
    );
    assert!(
        suspected["polluters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("$(touch bleed-pwned)")),
        "the planted polluter is among the suspects: {suspected}"
    );
}

#[test]
fn colour_only_where_asked_and_never_with_no_color() {
    let sandbox = Sandbox::with_suite("stores/pytest");
    let run = |env: &[(&str, &str)]| {
        let mut command = sandbox.bleed();
        command
            .args(["--store", ".", "report"])
            .env_remove("NO_COLOR");
        for (name, value) in env {
            command.env(name, value);
        }
        String::from_utf8_lossy(&command.output().expect("run bleed").stdout).into_owned()
    };
    assert!(!run(&[]).contains('\x1b'), "a pipe gets no colour");
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains("\x1b["));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
}

#[test]
fn out_writes_the_report_to_a_file_and_the_store_is_left_as_it_was() {
    let sandbox = Sandbox::with_suite("stores/pytest");
    let before: Vec<_> = fs::read_dir(sandbox.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    let output = sandbox
        .bleed()
        .args([
            "--store",
            ".",
            "report",
            "--format",
            "json",
            "--out",
            "report.json",
        ])
        .output()
        .expect("run bleed report");
    assert_eq!(exit_code(&output), 1, "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let written: Value =
        serde_json::from_str(&fs::read_to_string(sandbox.path().join("report.json")).unwrap())
            .expect("the file holds the JSON report");
    assert_eq!(written["health"]["runs"], 30);
    let mut after: Vec<_> = fs::read_dir(sandbox.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    after.retain(|name| name != "report.json");
    assert_eq!(
        after.len(),
        before.len(),
        "a report creates nothing in the store"
    );
}

#[test]
fn an_empty_store_says_to_hunt_first() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .arg("report")
        .output()
        .expect("run bleed report");
    assert_eq!(exit_code(&output), 2);
    let message = stderr(&output);
    assert!(
        message.contains("no runs are recorded in .bleed"),
        "{message}"
    );
    assert!(message.contains("bleed hunt"), "{message}");
    assert!(!sandbox.path().join(".bleed").exists(), "nothing created");
}

#[test]
fn a_torn_line_is_skipped_with_a_warning_and_the_rest_reported() {
    let sandbox = Sandbox::with_suite("stores/noise");
    let runs = sandbox.path().join("runs.jsonl");
    let mut text = fs::read_to_string(&runs).unwrap();
    text.push_str("{\"schema\":1,\"id\":\"torn");
    fs::write(&runs, text).unwrap();
    let output = sandbox
        .bleed()
        .args(["--store", ".", "report", "--format", "json"])
        .output()
        .expect("run bleed report");
    assert!(
        stderr(&output).contains("torn last line"),
        "{}",
        stderr(&output)
    );
    assert_eq!(json(&output)["health"]["runs"], 20);
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    let sandbox = Sandbox::with_suite("stores/pytest");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("bleed"))
        .current_dir(sandbox.path())
        .args(["--store", ".", "report", "--format", "html"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start bleed report");
    drop(child.stdout.take());
    let output = child.wait_with_output().expect("bleed report ends");
    assert_eq!(
        output.status.code(),
        Some(1),
        "as if the whole report was read (`bleed report | head`), not a panic: {}",
        stderr(&output)
    );
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

/// What Jenkins' xunit plugin's `junit-10.xsd` allows each element: its attributes (the
/// required ones first, `required` of them) and the elements it may hold.
fn junit_10(element: &str) -> Option<(&'static [&'static str], usize, &'static [&'static str])> {
    Some(match element {
        "testsuites" => (
            &["name", "time", "tests", "failures", "errors"],
            0,
            &["testsuite"],
        ),
        "testsuite" => (
            &[
                "name",
                "tests",
                "failures",
                "errors",
                "group",
                "time",
                "skipped",
                "timestamp",
                "hostname",
                "id",
                "package",
                "file",
                "log",
                "url",
            ],
            4,
            &[
                "testsuite",
                "properties",
                "testcase",
                "system-out",
                "system-err",
            ],
        ),
        "properties" => (&[], 0, &["property"]),
        "property" => (&["name", "value"], 2, &[]),
        "testcase" => (
            &["name", "time", "classname", "group"],
            1,
            &[
                "skipped",
                "error",
                "failure",
                "rerunFailure",
                "rerunError",
                "flakyFailure",
                "flakyError",
                "system-out",
                "system-err",
            ],
        ),
        "failure" | "error" | "skipped" => (&["type", "message"], 0, &[]),
        "system-out" | "system-err" => (&[], 0, &[]),
        _ => return None,
    })
}

/// Where `xml` goes outside `junit-10.xsd`, element by element.
fn junit_10_violations(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut open: Vec<String> = Vec::new();
    let mut found = Vec::new();
    loop {
        let (start, empty) = match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                open.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let name = start.name().0.to_string();
        let Some((attributes, required, _)) = junit_10(&name) else {
            found.push(format!("<{name}> is not in the schema"));
            continue;
        };
        let held = open
            .last()
            .and_then(|parent| junit_10(parent))
            .map(|(_, _, held)| held);
        if held.is_some_and(|held| !held.contains(&name.as_str())) {
            found.push(format!("<{name}> inside <{}>", open.last().unwrap()));
        }
        let given: Vec<String> = start
            .attributes()
            .map(|a| a.expect("an attribute").key.0.to_string())
            .collect();
        for attribute in &given {
            if !attributes.contains(&attribute.as_str()) {
                found.push(format!("<{name} {attribute}=…>"));
            }
        }
        for attribute in &attributes[..required] {
            if !given.iter().any(|g| g == attribute) {
                found.push(format!("<{name}> without {attribute}"));
            }
        }
        if !empty {
            open.push(name);
        }
    }
    found
}

#[test]
fn junit_is_one_testcase_per_test_as_the_schema_jenkins_validates_with_allows() {
    for store in ["pytest", "noise"] {
        let (_, xml) = report(store, &["--format", "junit"]);
        assert_eq!(
            junit_10_violations(&xml),
            Vec::<String>::new(),
            "{store}: {xml}"
        );
        let (_, json) = report(store, &["--format", "json"]);
        let tests = serde_json::from_str::<Value>(&json).unwrap()["tests"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(xml.matches("<testcase ").count(), tests, "{store}");
    }
}

#[test]
fn a_brittle_victim_not_bisected_yet_is_suspected_of_needing_the_tests_before_its_passes() {
    let sandbox = Sandbox::with_suite("stores/pytest");
    let victim = "tests/test_inventory.py::test_export_inventory_as_csv";
    let bisections = sandbox.path().join("bisections.jsonl");
    let kept: String = fs::read_to_string(&bisections)
        .unwrap()
        .lines()
        .filter(|line| !line.contains(&format!("\"victim\":\"{victim}\"")))
        .map(|line| format!("{line}\n"))
        .collect();
    fs::write(&bisections, kept).unwrap();
    let output = sandbox
        .bleed()
        .args(["--store", ".", "report", "--format", "json"])
        .output()
        .expect("run bleed report");
    let report = json(&output);
    let pair = report["interference"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["victim"] == victim)
        .expect("the brittle victim, suspected");
    assert_eq!(pair["source"], "suspected");
    assert_eq!(pair["polluters"], serde_json::json!([]));
    assert!(
        pair["state_setters"]
            .as_array()
            .unwrap()
            .contains(&Value::from(
                "tests/test_plugins.py::test_register_csv_exporter"
            )),
        "the planted state-setter ran before it whenever it passed: {pair}"
    );
}
