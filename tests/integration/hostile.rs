//! Test names are data: a name written to look like shell code reaches bleed's records and
//! its report intact, and nothing runs it.

use crate::util::{self, Sandbox};

/// A JUnit report with one steady test and one whose name is `name`, failing or not.
fn junit_report(name: &str, failing: bool) -> String {
    let escaped = name
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
        .replace('<', "&lt;");
    let verdict = if failing {
        "<failure message=\"even seed\">even seed</failure>"
    } else {
        ""
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuite name=\"stand-in\" tests=\"2\">\n\
         <testcase classname=\"standin\" name=\"steady\" time=\"0.001\"/>\n\
         <testcase classname=\"standin\" name=\"{escaped}\" time=\"0.002\">{verdict}</testcase>\n\
         </testsuite>\n"
    )
}

#[test]
fn a_hostile_test_name_flows_through_a_hunt_as_data() {
    let sandbox = Sandbox::new();
    let marker = sandbox.path().join("pwned");
    let hostile = format!("it's \"quoted\" $(touch {}) `touch {0}`", marker.display());
    // The stand-in runner copies a ready-made report, so no shell ever sees the name before
    // bleed does; it fails the hostile test under even seeds.
    sandbox.write("pass.xml", &junit_report(&hostile, false));
    sandbox.write("fail.xml", &junit_report(&hostile, true));
    sandbox.write(
        "runner.sh",
        "if [ $(($1 % 2)) -eq 0 ]; then cp fail.xml \"$2\"; else cp pass.xml \"$2\"; fi\n",
    );

    let output = sandbox
        .bleed()
        .args([
            "hunt",
            "--runner",
            "generic",
            "--cmd",
            "sh runner.sh <seed> <report>",
        ])
        .args(["--runs", "6", "--seed", "19497", "--json"])
        .output()
        .expect("run bleed");
    assert_eq!(
        util::exit_code(&output),
        1,
        "stderr:\n{}",
        util::stderr(&output)
    );
    let report = util::json(&output);
    let flips = report["flips"].as_array().expect("\"flips\" is an array");
    assert_eq!(flips.len(), 1, "{report}");
    let flip = &flips[0];
    let test = flip["test"].as_str().expect("a flip names its test");
    assert!(test.ends_with(&hostile), "the name arrived altered: {test}");
    let parity = |key: &str| -> Vec<u64> {
        flip[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() % 2)
            .collect()
    };
    assert!(parity("failed_seeds").iter().all(|&p| p == 0), "{flip}");
    assert!(parity("passed_seeds").iter().all(|&p| p == 1), "{flip}");

    let recorded = sandbox.runs();
    assert_eq!(recorded.len(), 6);
    assert!(
        recorded.iter().all(|run| run["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|result| result["id"].as_str() == Some(test))),
        "every run records the name as it was"
    );
    assert!(!marker.exists(), "a test name ran as code");
}
