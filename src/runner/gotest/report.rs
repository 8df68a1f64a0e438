//! The `go test -json` event stream, read into one result per top-level test.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::outcome::{Outcome, TestResult, in_one_line, trim_message};
use crate::runner::RunResults;

/// One line of `go test -json` (cmd/test2json's TestEvent).
#[derive(Deserialize)]
struct Event {
    #[serde(rename = "Action")]
    action: String,
    #[serde(rename = "Package", default)]
    package: String,
    #[serde(rename = "Test", default)]
    test: Option<String>,
    #[serde(rename = "Elapsed", default)]
    elapsed: Option<f64>,
    #[serde(rename = "Output", default)]
    output: Option<String>,
    /// go ≥ 1.24: set on a package's `fail` when it did not build.
    #[serde(rename = "FailedBuild", default)]
    failed_build: Option<String>,
}

/// Each test's and subtest's own lines of output, by package and name.
type Output = HashMap<(String, String), Vec<String>>;

/// A top-level test as the events tell it.
struct Running {
    package: String,
    name: String,
    outcome: Option<Outcome>,
    elapsed: Option<f64>,
    /// Failed subtests, innermost first, in the order they failed.
    failed_subtests: Vec<String>,
}

/// Reads a `go test -json` stream into one result per top-level test, in the order the tests
/// started.
pub(super) fn parse_events(text: &str) -> RunResults {
    let mut stream = Stream::default();
    // Lines are taken one at a time, not collected: a report of blank lines would cost a
    // slice per byte. Only the last can lack its newline.
    for line in text.split_inclusive('\n') {
        let Ok(event) = serde_json::from_str::<Event>(line) else {
            if !line.ends_with('\n') {
                return cut_short(
                    stream.tests,
                    stream.output,
                    "the report ends in the middle of a line",
                );
            }
            // go < 1.24 prints a failed build as plain text among the events.
            if let Some(package) = build_failure(line) {
                stream.not_built.push(package);
            }
            continue;
        };
        stream.add(event);
    }
    stream.finish(text)
}

/// What the events read so far say.
#[derive(Default)]
struct Stream {
    tests: Vec<Running>,
    index: HashMap<(String, String), usize>,
    /// The lines of output of every test and subtest that printed something of its own.
    output: Output,
    /// In the order they started; sets beside, so that a stream of many packages is not read
    /// in quadratic time.
    packages_started: Vec<String>,
    started: HashSet<String>,
    packages_ended: HashSet<String>,
    not_built: Vec<String>,
    events: usize,
}

impl Stream {
    fn add(&mut self, event: Event) {
        self.events += 1;
        let package = event.package.clone();
        if !package.is_empty() && self.started.insert(package.clone()) {
            self.packages_started.push(package.clone());
        }
        let Some(name) = event.test.clone().filter(|name| !name.is_empty()) else {
            match event.action.as_str() {
                "pass" | "fail" | "skip" => {
                    self.packages_ended.insert(package);
                }
                "output" => self
                    .not_built
                    .extend(event.output.as_deref().and_then(build_failure)),
                _ => {}
            }
            self.not_built
                .extend(event.failed_build.filter(|path| !path.is_empty()));
            return;
        };
        let top = name.split('/').next().unwrap_or(&name).to_string();
        let key = (package.clone(), top.clone());
        match event.action.as_str() {
            "run" if top == name => {
                let tests = &mut self.tests;
                self.index.entry(key).or_insert_with(|| {
                    tests.push(Running {
                        package,
                        name: top,
                        outcome: None,
                        elapsed: None,
                        failed_subtests: Vec::new(),
                    });
                    tests.len() - 1
                });
            }
            "output" => {
                if let Some(content) = event.output.as_deref().and_then(content_line) {
                    self.output
                        .entry((package, name))
                        .or_default()
                        .push(content.to_string());
                }
            }
            "pass" | "fail" | "skip" => {
                // Benchmarks end without a "run" event; they are not tests bleed can order.
                let Some(&at) = self.index.get(&key) else {
                    return;
                };
                let test = &mut self.tests[at];
                if top != name {
                    if event.action == "fail" {
                        test.failed_subtests.push(name);
                    }
                    return;
                }
                // go1.19 can report a test's end twice when benchmarks print after it.
                if test.outcome.is_none() {
                    test.outcome = Some(match event.action.as_str() {
                        "pass" => Outcome::Passed,
                        "skip" => Outcome::Skipped,
                        _ => Outcome::Failed,
                    });
                    test.elapsed = event.elapsed;
                }
            }
            _ => {}
        }
    }

    /// The results, or why the stream cannot be trusted whole.
    fn finish(self, text: &str) -> RunResults {
        if self.events == 0 {
            return RunResults {
                results: Vec::new(),
                problem: Some(if text.trim().is_empty() {
                    "the report is empty: go test printed no -json events".to_string()
                } else {
                    "the report holds no go test -json events: does the command pass -json and \
                     send stdout to <report>?"
                        .to_string()
                }),
            };
        }
        if let Some(package) = self.not_built.first() {
            let problem = format!(
                "{} did not build, so its tests did not run: the compiler's (or vet's) messages \
                 are in the log",
                in_one_line(package)
            );
            let mut read = finish(self.tests, self.output);
            read.problem = Some(problem);
            return read;
        }
        if let Some(package) = self
            .packages_started
            .iter()
            .find(|p| !self.packages_ended.contains(*p))
        {
            let why = format!("the report stops before {} finished", in_one_line(package));
            return cut_short(self.tests, self.output, &why);
        }
        finish(self.tests, self.output)
    }
}

fn cut_short(tests: Vec<Running>, output: Output, why: &str) -> RunResults {
    let mut read = finish(tests, output);
    read.problem = Some(format!("{why}: the run was cut short"));
    read
}

fn finish(tests: Vec<Running>, output: Output) -> RunResults {
    let results = tests
        .into_iter()
        .map(|test| {
            // A panic's goroutine dump is its stack: the message is what came before it.
            let printed = |name: &str| {
                let lines = output.get(&(test.package.clone(), name.to_string()))?;
                let message: Vec<&str> = lines
                    .iter()
                    .map(String::as_str)
                    .take_while(|line| !(line.starts_with("goroutine ") && line.ends_with("]:")))
                    .collect();
                trim_message(&message.join("\n"))
            };
            let (outcome, message) = match test.outcome {
                Some(Outcome::Failed) => {
                    // The failing subtest names where it failed; its parent often printed nothing.
                    let message = test
                        .failed_subtests
                        .iter()
                        .find_map(|name| printed(name).map(|lines| format!("{name}: {lines}")))
                        .or_else(|| printed(&test.name));
                    (Outcome::Failed, message)
                }
                Some(outcome) => (outcome, None),
                // Started and never ended: the binary died under it (os.Exit, a crash, -timeout).
                None => (
                    Outcome::Errored,
                    Some(printed(&test.name).unwrap_or_else(|| {
                        "the test binary exited while this test ran (os.Exit, a crash or a kill)"
                            .to_string()
                    })),
                ),
            };
            TestResult {
                id: format!("{}.{}", test.package, test.name),
                outcome,
                duration: test.elapsed,
                message,
                file: None,
                line: None,
                name: None,
            }
        })
        .collect();
    RunResults {
        results,
        problem: None,
    }
}

/// The package in go's `FAIL <package> [build failed]` (or `[setup failed]`) line.
fn build_failure(line: &str) -> Option<String> {
    let rest = line.trim_end().strip_prefix("FAIL")?.trim_start();
    let package = rest
        .strip_suffix("[build failed]")
        .or_else(|| rest.strip_suffix("[setup failed]"))?;
    Some(package.trim().to_string())
}

/// A line of a test's own output, not go's framing (`=== RUN`, `--- FAIL: …`).
fn content_line(output: &str) -> Option<&str> {
    let line = output.trim();
    let framing = [
        "=== RUN",
        "=== PAUSE",
        "=== CONT",
        "=== NAME",
        "--- PASS",
        "--- FAIL",
        "--- SKIP",
    ];
    (!line.is_empty() && !framing.iter().any(|prefix| line.starts_with(prefix))).then_some(line)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::runner::{Adapter, GoTest};

    fn sample(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/reports/go")
            .join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }

    fn outcomes(read: &RunResults) -> Vec<(&str, Outcome)> {
        read.results
            .iter()
            .map(|result| (result.id.as_str(), result.outcome))
            .collect()
    }

    #[test]
    fn a_shuffled_run_gives_top_level_tests_in_start_order() {
        let read = parse_events(&sample("shuffled.json"));
        assert_eq!(read.problem, None);
        let shop = |name: &str| format!("example.com/samples/shop.{name}");
        let tags = |name: &str| format!("example.com/samples/tags.v1.{name}");
        let expected = [
            (tags("TestTrim"), Outcome::Passed),
            (tags("TestLower"), Outcome::Passed),
            (shop("TestApplyDiscount"), Outcome::Passed),
            (shop("TestParallelTwo"), Outcome::Passed),
            (shop("TestPriceWithoutDiscount"), Outcome::Failed),
            (shop("TestSleeps"), Outcome::Passed),
            (shop("TestSkipped"), Outcome::Skipped),
            (shop("TestTable"), Outcome::Failed),
            (shop("TestPanics"), Outcome::Passed),
            (shop("TestParallelOne"), Outcome::Passed),
            (shop("TestExits"), Outcome::Passed),
            (shop("FuzzParse"), Outcome::Passed),
            (shop("ExampleHello"), Outcome::Passed),
        ];
        let expected: Vec<(&str, Outcome)> = expected
            .iter()
            .map(|(id, outcome)| (id.as_str(), *outcome))
            .collect();
        assert_eq!(outcomes(&read), expected);
        let message = |id: &str| {
            read.results
                .iter()
                .find(|r| r.id == id)
                .and_then(|r| r.message.clone())
        };
        assert_eq!(
            message(&shop("TestPriceWithoutDiscount")).as_deref(),
            Some(
                "shop_test.go:16: price has a 10% discount, want none\nsecond line of the message"
            )
        );
        assert_eq!(
            message(&shop("TestTable")).as_deref(),
            Some(
                "TestTable/fails: shop_test.go:26: checking fails\nshop_test.go:28: the fails case failed"
            )
        );
        assert_eq!(message(&shop("TestSkipped")), None);
        let parallel = read
            .results
            .iter()
            .find(|r| r.id == shop("TestParallelOne"))
            .unwrap();
        assert_eq!(parallel.duration, Some(0.01));
    }

    #[test]
    fn a_test_the_binary_died_under_is_an_error_and_later_tests_are_absent() {
        let read = parse_events(&sample("exit.json"));
        assert_eq!(read.problem, None);
        let last = read.results.last().unwrap();
        assert_eq!(last.id, "example.com/samples/shop.TestExits");
        assert_eq!(last.outcome, Outcome::Errored);
        assert!(
            last.message.as_deref().unwrap().contains("exited"),
            "{last:?}"
        );
        assert_eq!(read.results.len(), 9);

        let read = parse_events(&sample("timeout.json"));
        let last = read.results.last().unwrap();
        assert_eq!(last.id, "example.com/samples/shop.TestSleeps");
        assert_eq!(last.outcome, Outcome::Errored);
        assert_eq!(
            last.message.as_deref(),
            Some("panic: test timed out after 2s")
        );

        let read = parse_events(&sample("panic.json"));
        let last = read.results.last().unwrap();
        assert_eq!(last.id, "example.com/samples/shop.TestPanics");
        assert_eq!(last.outcome, Outcome::Failed);
        // The goroutine dump after the panic is its stack.
        assert_eq!(
            last.message.as_deref(),
            Some("panic: kaboom [recovered]\npanic: kaboom")
        );
    }

    #[test]
    fn benchmarks_add_no_results() {
        let read = parse_events(&sample("bench.json"));
        assert_eq!(read.problem, None);
        assert_eq!(
            outcomes(&read),
            vec![(
                "example.com/samples/shop.TestApplyDiscount",
                Outcome::Passed
            )]
        );
        // go1.19 may end a test twice when a benchmark prints after it: the first end counts.
        let twice = "{\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"TestA\"}\n\
                     {\"Action\":\"fail\",\"Package\":\"p\",\"Test\":\"TestA\",\"Elapsed\":1}\n\
                     {\"Action\":\"pass\",\"Package\":\"p\",\"Test\":\"TestA\",\"Elapsed\":2}\n\
                     {\"Action\":\"fail\",\"Package\":\"p\",\"Elapsed\":2}\n";
        let read = parse_events(twice);
        assert_eq!(outcomes(&read), vec![("p.TestA", Outcome::Failed)]);
        assert_eq!(read.results[0].duration, Some(1.0));
    }

    #[test]
    fn a_package_that_did_not_build_breaks_the_run() {
        let read = parse_events(&sample("build-failed.json"));
        let problem = read.problem.unwrap();
        assert!(
            problem.contains("example.com/samples/broken did not build"),
            "{problem}"
        );
        let newer = "{\"Action\":\"start\",\"Package\":\"p\"}\n\
                     {\"Action\":\"fail\",\"Package\":\"p\",\"FailedBuild\":\"p\"}\n";
        assert!(
            parse_events(newer)
                .problem
                .unwrap()
                .contains("p did not build")
        );
    }

    #[test]
    fn a_cut_or_foreign_report_is_a_problem() {
        let read = parse_events(&sample("truncated.json"));
        assert!(read.problem.unwrap().contains("cut short"));
        assert!(
            !read.results.is_empty(),
            "what was read is kept for the record"
        );
        let whole_lines: String = sample("truncated.json")
            .split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
            .collect();
        let problem = parse_events(&whole_lines).problem.unwrap();
        assert!(
            problem.contains("before example.com/samples/shop finished"),
            "{problem}"
        );
        assert!(parse_events("").problem.unwrap().contains("empty"));
        let text = "ok  \texample.com/x\t0.01s\n";
        assert!(parse_events(text).problem.unwrap().contains("-json"));
        let missing = GoTest.read_results(Path::new("/nonexistent/bleed/report.json"));
        assert!(missing.problem.unwrap().contains("no report"));
    }
}
