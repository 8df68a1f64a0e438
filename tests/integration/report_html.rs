//! The HTML report in a real browser: Debian's chromium, headless, opens the page made from a
//! real store (testdata/stores/pytest) at a laptop's and at a phone's width, and a script added
//! to a copy of the page measures what a reader gets: no sideways scrolling, one history mark
//! per run, one graph node per test, a command beside every copy button, nothing fetched.
//!
//! Headless chromium lays a window out at least 500 px wide whatever `--window-size` says, so
//! the page is measured inside an iframe of exactly the width wanted; the frame's script hands
//! the results to the outer page, whose DOM chromium prints.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

use crate::util::{Sandbox, exit_code, require_runner, stderr};

/// The hostile test of the fixture, which the page must show as text.
const HOSTILE: &str =
    "tests/test_labels.py::test_custom_banner[it's \"quoted\" $(touch bleed-pwned)]";

/// Added before `</body>` of the report: clicks the first copy button, measures the page and
/// posts the results, as JSON, to the frame around it.
const MEASURE: &str = r##"<script>
addEventListener("load", function () {
  var first = document.querySelector("button.copy");
  first.click();
  setTimeout(function () { measure(first); }, 300);
});
function measure(clicked) {
  var all = function (selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  };
  var width = window.innerWidth;
  var clipped = function (element) {
    for (var e = element.parentElement; e; e = e.parentElement) {
      if (["auto", "scroll", "hidden"].indexOf(getComputedStyle(e).overflowX) >= 0) return true;
    }
    return false;
  };
  var shown = function (element) { return !!element && element.getClientRects().length > 0; };
  var graph = document.querySelector("svg.graph");
  var box = shown(graph) ? graph.getBoundingClientRect() : null;
  var results = {
    width: width,
    scroll_width: document.documentElement.scrollWidth,
    too_wide: all("body *").filter(function (e) {
      var b = e.getBoundingClientRect();
      return b.width > 0 && b.right > width + 0.5 && !clipped(e);
    }).slice(0, 5).map(function (e) {
      return e.tagName + "." + e.getAttribute("class") + ": " + (e.textContent || "").slice(0, 60);
    }),
    histories: all(".history").length,
    history_marks: all(".history i").length,
    graph_nodes: all("svg.graph .node").map(function (n) { return n.getAttribute("data-test"); }),
    graph_scale: box ? box.width / graph.viewBox.baseVal.width : null,
    graph_right: box ? box.right : null,
    graph_list_shown: shown(document.querySelector(".graph-list")),
    copy_commands: all("button.copy").map(function (button) {
      var block = button.closest(".cmd");
      var code = block && block.querySelector("pre code");
      return shown(button) && code ? code.textContent : null;
    }),
    resources: performance.getEntriesByType("resource").length,
    references: all("[src], [srcset], link[href], use[href]").length
      + all("a[href]").filter(function (a) { return a.getAttribute("href").charAt(0) !== "#"; }).length,
    clicked: clicked.textContent,
    selected: String(window.getSelection()),
    scripts: document.scripts.length,
    text: document.body.innerText
  };
  parent.postMessage(JSON.stringify(results), "*");
}
</script>
"##;

#[test]
fn html_report_fits_a_laptop_in_a_real_browser() {
    let Some((measured, expected)) = measure_in_chromium(1280, 800) else {
        return;
    };
    expected.assert_met_by(&measured);
    let scale = measured["graph_scale"]
        .as_f64()
        .unwrap_or_else(|| panic!("a laptop shows the graph: {measured}"));
    assert!(
        scale > 0.99,
        "the graph is drawn at its own size on a laptop, not shrunk ({scale})"
    );
    assert_eq!(measured["graph_list_shown"], false, "{measured}");
}

#[test]
fn html_report_fits_a_phone_in_a_real_browser() {
    let Some((measured, expected)) = measure_in_chromium(390, 844) else {
        return;
    };
    expected.assert_met_by(&measured);
    // Shrunk to a phone's width, the graph's labels could not be read: the list replaces it.
    assert_eq!(measured["graph_scale"], Value::Null, "{measured}");
    assert_eq!(measured["graph_list_shown"], true, "{measured}");
}

#[test]
fn html_report_is_refused_on_a_terminal() {
    // `script` runs bleed on a pseudo-terminal, as a user typing the command would.
    if !require_runner("script (util-linux)", &[&["script", "--version"]]) {
        return;
    }
    let sandbox = Sandbox::with_suite("stores/pytest");
    let bleed = assert_cmd::cargo::cargo_bin("bleed");
    let command = format!(
        "{} --store . report --format html",
        shell_words::quote(&bleed.to_string_lossy())
    );
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(sandbox.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run bleed under script");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{printed}");
    assert!(
        printed.contains("an HTML report is a page, not terminal output: give --out report.html"),
        "{printed}"
    );
    assert!(!printed.contains("<html"), "{printed}");
}

/// What the page must show, from the JSON report of the same store.
struct Expected {
    failing: usize,
    runs: usize,
    nodes: BTreeSet<String>,
    commands: Vec<String>,
}

impl Expected {
    fn of(report: &Value) -> Expected {
        let strings = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let tests = report["tests"].as_array().expect("tests[]");
        let interference = report["interference"].as_array().expect("interference[]");
        let mut nodes = BTreeSet::new();
        let mut commands = Vec::new();
        for pair in interference {
            nodes.insert(pair["victim"].as_str().expect("a victim").to_string());
            for role in ["polluters", "cleaners", "state_setters"] {
                nodes.extend(strings(&pair[role]));
            }
            for command in ["reproduce", "alone", "bisect"] {
                commands.extend(pair[command].as_str().map(str::to_string));
            }
        }
        Expected {
            failing: tests
                .iter()
                .filter(|t| t["failures"].as_u64() > Some(0))
                .count(),
            runs: report["runs"].as_array().expect("runs[]").len(),
            nodes,
            commands,
        }
    }

    fn assert_met_by(&self, measured: &Value) {
        let width = measured["width"].as_f64().expect("a width");
        assert!(
            measured["scroll_width"].as_f64() <= Some(width),
            "the page scrolls sideways at {width} px: {}",
            measured["too_wide"]
        );
        assert_eq!(
            measured["too_wide"],
            Value::Array(vec![]),
            "wider than the screen"
        );
        assert_eq!(
            measured["histories"], self.failing,
            "one history a failing test"
        );
        assert_eq!(
            measured["history_marks"],
            self.failing * self.runs,
            "one mark per run in each"
        );
        let nodes: Vec<String> =
            serde_json::from_value(measured["graph_nodes"].clone()).expect("the nodes' tests");
        assert_eq!(nodes.len(), self.nodes.len(), "one node a test: {nodes:?}");
        assert_eq!(nodes.into_iter().collect::<BTreeSet<_>>(), self.nodes);
        let mut commands: Vec<Option<String>> =
            serde_json::from_value(measured["copy_commands"].clone()).expect("the commands");
        let mut wanted: Vec<Option<String>> = self.commands.iter().cloned().map(Some).collect();
        commands.sort();
        wanted.sort();
        assert_eq!(
            commands, wanted,
            "a shown copy button beside each command, the command whole"
        );
        assert_eq!(measured["resources"], 0, "nothing fetched");
        assert_eq!(
            measured["references"], 0,
            "nothing referenced outside the page"
        );
        assert_eq!(
            measured["scripts"], 2,
            "the page's script and the measuring one"
        );
        // Headless chromium may refuse the clipboard; then the command must be selected.
        match measured["clicked"].as_str() {
            Some("Copied") => {}
            Some("Selected: copy it") => {
                assert_eq!(
                    measured["selected"], self.commands[0],
                    "the command selected"
                )
            }
            other => panic!("the copy button answered {other:?}"),
        }
        let text = measured["text"].as_str().expect("the page's text");
        assert!(text.contains(HOSTILE), "the hostile id shows as text");
    }
}

/// The fixture's page measured at `width`×`height`, with what it must show; `None` when chromium
/// is not installed (and not on CI).
fn measure_in_chromium(width: u32, height: u32) -> Option<(Value, Expected)> {
    if !require_runner("chromium", &[&["chromium", "--version"]]) {
        return None;
    }
    let sandbox = Sandbox::with_suite("stores/pytest");
    let made = sandbox
        .bleed()
        .args([
            "--store",
            ".",
            "report",
            "--format",
            "html",
            "--out",
            "report.html",
        ])
        .output()
        .expect("run bleed report");
    assert_eq!(exit_code(&made), 1, "failing tests: {}", stderr(&made));
    let json = sandbox
        .bleed()
        .args(["--store", ".", "report", "--format", "json"])
        .output()
        .expect("run bleed report");
    let expected = Expected::of(&serde_json::from_slice(&json.stdout).expect("the JSON report"));

    let page = fs::read_to_string(sandbox.path().join("report.html")).expect("the HTML report");
    assert_eq!(page.matches("</body>").count(), 1);
    let measured_page = page.replace("</body>", &format!("{MEASURE}</body>"));
    fs::write(sandbox.path().join("measured.html"), measured_page).expect("write the copy");
    let frame = format!(
        "<!DOCTYPE html><html><body style=\"margin:0\"><pre id=\"measured\"></pre>\
         <iframe src=\"measured.html\" style=\"border:0;display:block;width:{width}px;height:{height}px\"></iframe>\
         <script>addEventListener(\"message\", function (e) {{ document.getElementById(\"measured\").textContent = e.data; }});</script>\
         </body></html>"
    );
    let frame_path = sandbox.path().join("frame.html");
    fs::write(&frame_path, frame).expect("write the frame");
    let dom = chromium_dom(&frame_path, width, height);
    let measured = between(&dom, "<pre id=\"measured\">", "</pre>")
        .map(unescape)
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| panic!("the page reported no measurements; chromium printed:\n{dom}"));
    let measured: Value = serde_json::from_str(&measured)
        .unwrap_or_else(|e| panic!("measurements are JSON ({e}): {measured}"));
    Some((measured, expected))
}

/// The DOM of `page` after its scripts ran, as headless chromium prints it, with everything
/// that could reach the network turned off.
fn chromium_dom(page: &Path, width: u32, height: u32) -> String {
    let profile = tempfile::tempdir().expect("a fresh chromium profile");
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .args(["--virtual-time-budget=2000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .timeout(Duration::from_secs(90))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed ({}):\n{}",
        output.status,
        stderr(&output)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)? + from;
    Some(&text[from..to])
}

/// Text as chromium serialises it in an element: `&`, `<`, `>` and no-break spaces escaped.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
