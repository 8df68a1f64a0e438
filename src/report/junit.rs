//! `--format junit`: one testcase per test with its flip statistics, for dashboards that read
//! JUnit XML (CircleCI's `store_test_results`, GitLab, Jenkins). A test that failed in some run
//! is a `<failure>` whose type is its kind, so dashboards list it; its counts are `bleed.*`
//! lines of its `<system-out>`. Nothing outside the schema Jenkins' xunit plugin validates
//! with (`junit-10.xsd`), which the strictest readers use: no testcase properties or `file`.

use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::view::{Source, TestStats, View};
use crate::classify::Kind;
use crate::human::count;

pub fn render(view: &View) -> String {
    let failing = view.health.failing_tests;
    let total: f64 = view
        .tests
        .iter()
        .filter_map(|t| t.mean_pass_seconds.or(t.mean_fail_seconds))
        .sum();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"bleed report\" tests=\"{}\" failures=\"{failing}\" time=\"{total:.6}\">",
        view.tests.len()
    );
    let _ = writeln!(
        xml,
        "  <testsuite name=\"bleed report\" tests=\"{}\" failures=\"{failing}\" errors=\"0\" skipped=\"0\" time=\"{total:.6}\">",
        view.tests.len()
    );
    let _ = writeln!(xml, "    <properties>");
    property(&mut xml, 6, "bleed.version", &view.bleed_version);
    property(&mut xml, 6, "bleed.runs", &view.health.runs.to_string());
    for hunt in &view.health.hunts {
        property(
            &mut xml,
            6,
            "bleed.hunt",
            &format!("{} ({})", hunt.command, hunt.origin()),
        );
    }
    let _ = writeln!(xml, "    </properties>");
    for test in &view.tests {
        testcase(&mut xml, view, test);
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// A testcase as the JUnit schema Jenkins validates against (`junit-10.xsd`) allows it: name,
/// classname and time only, the failure, then the flip statistics as `bleed.*=value` lines of
/// its output, where a testcase may not have properties.
fn testcase(xml: &mut String, view: &View, test: &TestStats) {
    let time = test
        .mean_pass_seconds
        .or(test.mean_fail_seconds)
        .unwrap_or(0.0);
    let _ = writeln!(
        xml,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{time:.6}\">",
        escape(test.id.as_str()),
        escape(test.file.as_deref().unwrap_or("bleed")),
    );
    if test.failures > 0 {
        let kind = test.kind.map(Kind::name).unwrap_or("failed");
        let summary = format!(
            "failed in {} of {}: {kind}",
            test.failures,
            count(test.runs, "run")
        );
        let _ = writeln!(
            xml,
            "      <failure message=\"{}\" type=\"{kind}\">{}</failure>",
            escape(summary.as_str()),
            escape(details(view, test).as_str())
        );
    }
    let _ = writeln!(
        xml,
        "      <system-out>{}</system-out>",
        escape(statistics(view, test).as_str())
    );
    xml.push_str("    </testcase>\n");
}

/// `bleed.runs=10`, one a line: what a dashboard keeps of the test beside its result.
fn statistics(view: &View, test: &TestStats) -> String {
    let mut facts = vec![
        ("bleed.runs", test.runs.to_string()),
        ("bleed.failures", test.failures.to_string()),
        ("bleed.fail_rate", format!("{:.4}", test.fail_rate())),
    ];
    if let Some(kind) = test.kind {
        facts.push(("bleed.kind", kind.name().to_string()));
    }
    if let Some(pair) = view.interference.iter().find(|p| p.victim == test.id) {
        let name = match pair.source {
            Source::Bisected => "bleed.culprit",
            Source::Suspected => "bleed.suspect",
        };
        for culprit in pair.polluters.iter().chain(&pair.state_setters) {
            facts.push((name, culprit.clone()));
        }
    }
    if let Some(file) = &test.file {
        let place = match test.line {
            Some(line) => format!("{file}:{line}"),
            None => file.clone(),
        };
        facts.push(("bleed.location", place));
    }
    let mut text = String::from("\n");
    for (name, value) in facts {
        let _ = writeln!(text, "{name}={}", value.replace('\n', " "));
    }
    text
}

/// The failure's body: what a dashboard shows when the test is opened.
fn details(view: &View, test: &TestStats) -> String {
    let mut text = String::new();
    if let Some(why) = &test.why {
        let _ = writeln!(text, "{why}");
    }
    if let Some(message) = &test.message {
        let _ = writeln!(text, "\n{message}");
    }
    let seeds: Vec<String> = test.failed_seeds.iter().map(u64::to_string).collect();
    if !seeds.is_empty() {
        let noun = if seeds.len() == 1 { "seed" } else { "seeds" };
        let _ = writeln!(text, "\nfailed with {noun} {}", seeds.join(", "));
    }
    if let Some(pair) = view.interference.iter().find(|p| p.victim == test.id)
        && let Some(command) = pair.reproduce.as_ref().or(pair.bisect.as_ref())
    {
        let _ = writeln!(text, "\n{command}");
    }
    text
}

fn property(xml: &mut String, indent: usize, name: &str, value: &str) {
    let _ = writeln!(
        xml,
        "{}<property name=\"{name}\" value=\"{}\"/>",
        " ".repeat(indent),
        escape(value)
    );
}
