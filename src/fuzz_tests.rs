//! Every report reader fed what a crashed runner, a full disk or a hostile suite leaves behind:
//! arbitrary bytes, real reports cut at every byte or damaged a few bytes at a time, valid
//! structure holding hostile strings and numbers, nesting 100,000 deep, and megabytes of noise
//! or of the smallest records of each format. A reader must not panic or overflow its stack;
//! it says what is wrong in one line, names every test it returns, and reads in memory
//! proportional to its input. The inputs that tripped readers are kept in `what_fuzzing_found`
//! and, for import's times, in `import::tests::times_bleed_cannot_write_are_left_out`.
//!
//! The readers, each as bleed reaches it: every adapter's `read_results` on a report file
//! (JUnit XML through the generic, pytest and mocha adapters, each naming tests its own way;
//! pytest's plugin lines, cucumber's JSON and messages, RSpec's and Jest's JSON, go test's
//! events), CI console logs (`ci_log`), and what `bleed import` takes from a report (`import`).

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

use crate::runner::{self, RunResults};
use crate::{ci_log, import, junit};

/// Counts what each thread allocates, so that a test measures the peak one call held while
/// other tests allocate on their own threads.
mod memory {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    struct Counting;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn add(bytes: isize) {
        // A thread being torn down frees its last buffers after its locals are gone.
        let _ = LIVE.try_with(|live| {
            let now = live.get() + bytes;
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
    }

    fn signed(bytes: usize) -> isize {
        isize::try_from(bytes).unwrap_or(isize::MAX)
    }

    // SAFETY: every call is passed on to the system allocator unchanged; the counting around
    // it touches only constant-initialised thread locals, which never allocate.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract is the system allocator's.
            let ptr = unsafe { System.alloc(layout) };
            if !ptr.is_null() {
                add(signed(layout.size()));
            }
            ptr
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: the caller's contract is the system allocator's.
            let ptr = unsafe { System.alloc_zeroed(layout) };
            if !ptr.is_null() {
                add(signed(layout.size()));
            }
            ptr
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // SAFETY: the caller's contract is the system allocator's.
            unsafe { System.dealloc(ptr, layout) };
            add(-signed(layout.size()));
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: the caller's contract is the system allocator's.
            let moved = unsafe { System.realloc(ptr, layout, new_size) };
            if !moved.is_null() {
                add(signed(new_size) - signed(layout.size()));
            }
            moved
        }
    }

    #[global_allocator]
    static COUNTING: Counting = Counting;

    /// What `f` returns, and the most bytes it had allocated at once on this thread.
    pub fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let base = LIVE.with(Cell::get);
        PEAK.with(|peak| peak.set(base));
        let value = f();
        let peak = PEAK.with(Cell::get);
        (value, usize::try_from(peak - base).unwrap_or(0))
    }
}

/// What a reader made of an input: the ids of the tests it read, in order, and its problem.
#[derive(Debug)]
struct Read {
    ids: Vec<String>,
    problem: Option<String>,
}

impl From<RunResults> for Read {
    fn from(read: RunResults) -> Read {
        Read {
            ids: read.results.into_iter().map(|result| result.id).collect(),
            problem: read.problem,
        }
    }
}

/// A reader by name, reading a report file.
type Reader = (String, Box<dyn Fn(&Path) -> Read>);

fn readers() -> Vec<Reader> {
    let mut readers: Vec<Reader> = vec![("ci log".to_string(), Box::new(read_ci_log))];
    for adapter in runner::all() {
        let name = adapter.name().to_string();
        readers.push((
            name,
            Box::new(move |path| adapter.read_results(path).into()),
        ));
    }
    readers
}

/// A CI log's failing tests and the bisections it would start, or why it gives none.
fn read_ci_log(path: &Path) -> Read {
    let text = String::from_utf8_lossy(&fs::read(path).expect("read the log")).into_owned();
    let found = match ci_log::read(&text, None) {
        Ok(found) => found,
        Err(problem) => {
            return Read {
                ids: Vec::new(),
                problem: Some(problem),
            };
        }
    };
    let problem = match found.targets(None, None) {
        Ok(targets) => targets.into_iter().find_map(|target| target.run.err()),
        Err(problem) => Some(problem),
    };
    Read {
        ids: found
            .failing
            .into_iter()
            .map(|failing| failing.test)
            .collect(),
        problem,
    }
}

/// Writes `bytes` where every reader can read them as a report file.
fn report_file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let path = dir.path().join("report");
    fs::write(&path, bytes).expect("write the report");
    (dir, path)
}

/// Reads `bytes` with every reader, checking what each made of them.
fn read_by_all(bytes: &[u8]) -> Vec<(String, Read)> {
    let (_dir, path) = report_file(bytes);
    readers()
        .into_iter()
        .map(|(name, read)| {
            let read = read(&path);
            assert_sane(&name, &read, bytes);
            (name, read)
        })
        .collect()
}

/// What any reader must make of any input: a problem said in one line, and no test without an
/// id. The input is shown cut short: a failing case can be megabytes.
fn assert_sane(reader: &str, read: &Read, input: &[u8]) {
    let shown = || String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
    if let Some(problem) = &read.problem {
        assert!(
            !problem.trim().is_empty() && !problem.contains('\n'),
            "{reader}: the problem is not one line: {problem:?}; input: {:?}",
            shown()
        );
    }
    assert!(
        read.ids.iter().all(|id| !id.is_empty()),
        "{reader}: a test without an id in {:?}; input: {:?}",
        read.ids,
        shown()
    );
}

proptest! {
    // Failures are not persisted: proptest would write them outside the files this module owns.
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_read_without_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        read_by_all(&bytes);
    }

    #[test]
    fn garbage_is_a_problem_to_every_reader(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        // No report of any format starts with a control character.
        let garbage = [&[1u8][..], &bytes].concat();
        for (reader, read) in read_by_all(&garbage) {
            prop_assert!(read.problem.is_some(), "{} read garbage as {:?}", reader, read.ids);
        }
    }
}

/// Real reports (see testdata/reports/README.md) and CI logs, with the reader of each.
const SAMPLES: &[(&str, &str)] = &[
    ("reports/pytest/plugin.jsonl", "pytest"),
    ("reports/pytest/xunit1.xml", "pytest"),
    ("reports/nextest/junit.xml", "generic"),
    ("reports/mocha/hooks.xml", "mocha"),
    ("reports/cucumber/cdata/TEST-features-markup.xml", "generic"),
    ("reports/cucumber/json/empty-scenarios.json", "cucumber"),
    ("reports/cucumber/message/retry.ndjson", "cucumber"),
    ("reports/rspec/seeded.json", "rspec"),
    ("reports/jest/kinds.json", "jest"),
    ("reports/go/bench.json", "go"),
    ("logs/github-actions.log", "ci log"),
    ("logs/parallel_rspec.log", "ci log"),
];

fn sample(relative: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(relative);
    fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A report cut short is what a killed runner or a full disk leaves: the reader keeps only
/// tests the whole report has (but the last, which what was cut off may have explained: a
/// mocha hook charged to the test after it), and calls the report whole only when nothing but
/// blank space was cut off.
#[test]
fn real_reports_cut_at_every_byte() {
    let readers = readers();
    for (relative, name) in SAMPLES {
        let bytes = sample(relative);
        let (_dir, path) = report_file(&bytes);
        let (_, read) = readers
            .iter()
            .find(|(reader, _)| reader == name)
            .expect("a reader of that name");
        let whole = read(&path);
        assert_sane(name, &whole, &bytes);
        let report = *name != "ci log";
        if report {
            assert_eq!(whole.problem, None, "{name} on {relative}");
        }
        for cut in 0..bytes.len() {
            // A new file each time: rewriting one in place makes ext4 flush it to disk.
            let path = path.with_file_name(format!("cut-{cut}"));
            fs::write(&path, &bytes[..cut]).expect("write the cut report");
            let part = read(&path);
            fs::remove_file(&path).expect("remove the cut report");
            assert_sane(name, &part, &bytes[..cut]);
            if !report {
                continue;
            }
            let but_the_last = &part.ids[..part.ids.len().saturating_sub(1)];
            let invented = but_the_last.iter().find(|id| !whole.ids.contains(id));
            assert_eq!(invented, None, "{name} on {relative} cut at {cut}");
            assert!(
                part.problem.is_some() || bytes[cut..].trim_ascii().is_empty(),
                "{name} read {relative} cut at byte {cut} as whole"
            );
        }
    }
}

const MB: usize = 1024 * 1024;

/// Records of each format, and the text around them: a flood holds a record over and over,
/// each with its `{n}` replaced by its number, to a few megabytes.
const FLOODS: &[(&str, &str, &str, &str, &str)] = &[
    ("open brackets", "", "[", "", ""),
    ("open elements", "", "<a>", "", ""),
    ("a JSON array of zeros", "[", "0", ",", "]"),
    (
        "one long message",
        "<testsuite><testcase name=\"a\"><failure>",
        "x",
        "",
        "</failure></testcase></testsuite>",
    ),
    (
        "JUnit testcases",
        "<testsuite>",
        "<testcase name=\"a{n}\"/>",
        "",
        "</testsuite>",
    ),
    (
        "JUnit properties",
        "<testsuite><properties>",
        "<property name=\"a\" value=\"b\"/>",
        "",
        "</properties></testsuite>",
    ),
    (
        "pytest lines",
        "",
        "{\"test\":{\"id\":\"a{n}\",\"outcome\":\"passed\"}}",
        "\n",
        "\n{\"end\":{}}\n",
    ),
    (
        "pytest started lines",
        "",
        "{\"started\":\"a\"}",
        "\n",
        "\n",
    ),
    (
        "cucumber steps",
        "[{\"uri\":\"a\",\"elements\":[{\"line\":1,\"steps\":[",
        "{}",
        ",",
        "]}]}]",
    ),
    (
        "cucumber elements",
        "[{\"uri\":\"a\",\"elements\":[",
        "{\"line\":{n}}",
        ",",
        "]}]",
    ),
    (
        "cucumber messages",
        "",
        "{\"testCaseStarted\":{\"id\":\"{n}\",\"testCaseId\":\"c\"}}\n{\"testCaseFinished\":{\"testCaseStartedId\":\"{n}\"}}",
        "\n",
        "\n",
    ),
    (
        "cucumber ignored arrays",
        "{\"attachment\":[",
        "0",
        ",",
        "]}\n",
    ),
    (
        "rspec examples",
        "{\"examples\":[",
        "{\"id\":\"a{n}\",\"status\":\"passed\"}",
        ",",
        "]}",
    ),
    (
        "jest assertions",
        "{\"testResults\":[{\"name\":\"a\",\"assertionResults\":[",
        "{\"title\":\"{n}\",\"status\":\"passed\"}",
        ",",
        "]}]}",
    ),
    (
        "go tests",
        "",
        "{\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"T{n}\"}",
        "\n",
        "\n",
    ),
    (
        "go packages",
        "",
        "{\"Action\":\"start\",\"Package\":\"p{n}\"}",
        "\n",
        "\n",
    ),
    (
        "go output",
        "",
        "{\"Action\":\"output\",\"Package\":\"p\",\"Test\":\"T\",\"Output\":\"x\"}",
        "\n",
        "\n",
    ),
    (
        "pytest failures in a CI log",
        "",
        "Using --randomly-seed={n}\nFAILED tests/a.py::test_{n} - boom\n= 1 failed in 0.1s =",
        "\n",
        "\n",
    ),
    (
        "RSpec failures in a CI log",
        "",
        "rspec ./spec/a_spec.rb:{n} # x\nRandomized with seed {n}",
        "\n",
        "\n",
    ),
];

fn flood(size: usize, head: &str, unit: &str, separator: &str, tail: &str) -> Vec<u8> {
    let mut text = String::with_capacity(size + head.len() + tail.len());
    text.push_str(head);
    for n in 0.. {
        if text.len() >= size {
            break;
        }
        if n > 0 {
            text.push_str(separator);
        }
        text.push_str(&unit.replace("{n}", &n.to_string()));
    }
    text.push_str(tail);
    text.into_bytes()
}

fn random_bytes(len: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut bytes = vec![0; len];
    rng.fill_bytes(&mut bytes);
    bytes
}

/// Megabytes of noise, or of the smallest records of a format over and over, are read in
/// memory proportional to them. 48 bytes for each byte read covers what a reader may keep of
/// the smallest things it reads: a result of 140 bytes for each 12-byte cucumber element,
/// beside the element parsed, in vectors that grow by doubling; a string for each line of a
/// log of blank lines. Plus half a megabyte of buffers. Many records are many distinct tests
/// and packages, which a reader that looked each up in a list would take hours over.
#[test]
fn large_inputs_are_read_in_memory_proportional_to_them() {
    let noise = [
        ("random bytes", random_bytes(10 * MB)),
        ("newlines", vec![b'\n'; 2 * MB]),
    ];
    let floods = FLOODS
        .iter()
        .map(|&(what, head, unit, separator, tail)| (what, flood(MB, head, unit, separator, tail)));
    let mut too_much = Vec::new();
    for (what, bytes) in noise.into_iter().chain(floods) {
        let (_dir, path) = report_file(&bytes);
        for (name, read) in readers() {
            let (read, peak) = memory::peak_of(|| read(&path));
            assert_sane(&name, &read, &bytes);
            let ratio = peak as f64 / bytes.len() as f64;
            if peak > 48 * bytes.len() + MB / 2 {
                too_much.push(format!("{name} on {what}: {ratio:.1} bytes a byte"));
            }
        }
    }
    assert!(too_much.is_empty(), "{too_much:#?}");
}

const DEEP: usize = 100_000;

fn nested(open: &str, close: &str) -> String {
    open.repeat(DEEP) + &close.repeat(DEEP)
}

/// Nesting 100,000 deep wherever a format allows a value or an element: a reader that recursed
/// into it would overflow its stack (a test thread's is 2 MB, as are bleed's probe threads').
#[test]
fn deep_nesting_overflows_no_stack() {
    let arrays = nested("[", "]");
    let elements = nested("<a>", "</a>");
    let rules = format!(
        "{{\"gherkinDocument\":{{\"uri\":\"a\",\"feature\":{}{{}}{}}}}}\n{{\"testRunFinished\":{{}}}}\n",
        "{\"children\":[{\"rule\":".repeat(DEEP),
        "}]}".repeat(DEEP)
    );
    let inputs = [
        arrays.clone(),
        elements.clone(),
        format!(
            "<testsuite><testcase name=\"t\"><failure>{elements}</failure>{elements}</testcase></testsuite>"
        ),
        format!(
            "<testsuite><testcase name=\"t\"><system-out>{elements}</system-out></testcase></testsuite>"
        ),
        format!(
            "{}<testcase name=\"t\"/>{}",
            "<testsuite>".repeat(DEEP),
            "</testsuite>".repeat(DEEP)
        ),
        format!(
            "{{\"test\":{{\"id\":\"a\",\"outcome\":\"passed\",\"message\":{arrays}}}}}\n{{\"end\":{{}}}}\n"
        ),
        format!("[{{\"uri\":\"a\",\"elements\":{arrays}}}]"),
        format!("{{\"gherkinDocument\":{arrays}}}\n{{\"testRunFinished\":{{}}}}\n"),
        rules,
        format!("{{\"examples\":{arrays}}}"),
        format!("{{\"testResults\":{arrays}}}"),
        format!("{{\"Action\":\"output\",\"Package\":\"p\",\"Test\":\"T\",\"Output\":{arrays}}}\n"),
    ];
    for input in &inputs {
        read_by_all(input.as_bytes());
    }
    // Elements nested in a testcase's failure change nothing of it.
    let deep_failure = junit::read(inputs[2].as_bytes());
    assert_eq!(deep_failure.problem, None);
    assert_eq!(deep_failure.cases.len(), 1);
    assert_eq!(
        deep_failure.cases[0].outcome,
        crate::outcome::Outcome::Failed
    );
    let deep_suites = junit::read(inputs[4].as_bytes());
    assert_eq!((deep_suites.problem, deep_suites.cases.len()), (None, 1));
}

/// Text that trips naive readers, for names, messages and paths: quotes, backslashes, line
/// breaks, NUL and other control characters, markup, the separators bleed's ids use, byte
/// order marks, and nothing at all.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\"'\\\\\n\r\t\u{0}\u{1}\u{1b}<>&;:#/ .\\[\\]{},›✓é\u{feff}a-z0-9]{0,24}",
        Just(String::new()),
        "x{0,3}\n{1,3}",
        "[a-z]{1,8}",
    ]
}

/// What stands where a reader wants a line, a duration or a count: negative, fractional,
/// huge, past u64 and f64, and not numbers at all.
fn hostile_number() -> impl Strategy<Value = String> {
    const ODD: [&str; 14] = [
        "0",
        "-1",
        "-0",
        "1.5",
        "4294967296",
        "18446744073709551616",
        "1e308",
        "-1e308",
        "1e400",
        "1e-400",
        "null",
        "\"12\"",
        "true",
        "[]",
    ];
    prop_oneof![
        proptest::sample::select(&ODD[..]).prop_map(String::from),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |x| x.is_finite())
            .prop_map(|x| x.to_string()),
    ]
}

fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a string is JSON")
}

/// XML attribute or text content as a writer would escape it, control characters included.
fn xml(text: &str) -> String {
    let mut escaped = String::new();
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c if c.is_control() => escaped.push_str(&format!("&#{};", u32::from(c))),
            c => escaped.push(c),
        }
    }
    escaped
}

/// One test of a hostile report: its name, a message, a path, a number, and whether it failed.
#[derive(Clone, Debug)]
struct Hostile {
    name: String,
    message: String,
    path: String,
    number: String,
    failed: bool,
}

fn hostile_test() -> impl Strategy<Value = Hostile> {
    (
        hostile_text(),
        hostile_text(),
        hostile_text(),
        hostile_number(),
        any::<bool>(),
    )
        .prop_map(|(name, message, path, number, failed)| Hostile {
            name,
            message,
            path,
            number,
            failed,
        })
}

/// Each format's report of `tests`, well formed, every string escaped as its writer would.
fn hostile_reports(tests: &[Hostile]) -> Vec<(&'static str, String)> {
    vec![
        ("junit", junit_report(tests)),
        ("pytest", pytest_report(tests)),
        ("cucumber", cucumber_report(tests)),
        ("cucumber messages", messages_report(tests)),
        ("rspec", rspec_report(tests)),
        ("jest", jest_report(tests)),
        ("jest load errors", jest_load_errors_report(tests)),
        ("go", go_report(tests)),
        ("ci log", log_report(tests)),
    ]
}

fn status(test: &Hostile) -> &'static str {
    if test.failed { "failed" } else { "passed" }
}

/// `tests`, each written by `f`, joined by `separator`.
fn each(tests: &[Hostile], f: &dyn Fn(&Hostile) -> String, separator: &str) -> String {
    tests.iter().map(f).collect::<Vec<_>>().join(separator)
}

fn junit_report(tests: &[Hostile]) -> String {
    format!(
        "<testsuites><testsuite name=\"{}\" timestamp=\"{}\" time=\"{}\">{}</testsuite></testsuites>",
        tests.first().map_or(String::new(), |t| xml(&t.name)),
        tests.first().map_or(String::new(), |t| xml(&t.number)),
        tests.first().map_or(String::new(), |t| xml(&t.number)),
        each(
            tests,
            &|t| format!(
                "<testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\">{}</testcase>",
                xml(&t.path),
                xml(&t.name),
                xml(&t.path),
                xml(&t.number),
                xml(&t.number),
                if t.failed {
                    format!(
                        "<failure message=\"{}\">{}</failure>",
                        xml(&t.message),
                        xml(&t.message)
                    )
                } else {
                    format!("<system-out>{}</system-out>", xml(&t.message))
                }
            ),
            "\n"
        )
    )
}

fn pytest_report(tests: &[Hostile]) -> String {
    each(
        tests,
        &|t| {
            format!(
                "{{\"started\": {}}}\n{{\"test\": {{\"id\": {}, \"outcome\": \"{}\", \"duration\": {}, \"message\": {}, \"file\": {}, \"line\": {}}}}}",
                json(&t.name),
                json(&t.name),
                status(t),
                t.number,
                json(&t.message),
                json(&t.path),
                t.number
            )
        },
        "\n",
    ) + "\n{\"end\": {\"exitstatus\": 0}}\n"
}

fn cucumber_report(tests: &[Hostile]) -> String {
    format!(
        "[{}]",
        each(
            tests,
            &|t| format!(
                "{{\"uri\": {}, \"name\": {}, \"elements\": [{{\"line\": {}, \"name\": {}, \"type\": \"scenario\", \"steps\": [{{\"result\": {{\"status\": \"{}\", \"error_message\": {}, \"duration\": {}}}}}]}}]}}",
                json(&t.path),
                json(&t.name),
                t.number,
                json(&t.name),
                status(t),
                json(&t.message),
                t.number
            ),
            ","
        )
    )
}

fn messages_report(tests: &[Hostile]) -> String {
    each(
        tests,
        &|t| {
            let id = json(&t.name);
            [
                format!("{{\"gherkinDocument\": {{\"uri\": {}, \"feature\": {{\"name\": {id}, \"children\": [{{\"scenario\": {{\"id\": {id}, \"location\": {{\"line\": {}}}}}}}]}}}}}}", json(&t.path), t.number),
                format!("{{\"pickle\": {{\"id\": {id}, \"uri\": {}, \"name\": {id}, \"astNodeIds\": [{id}]}}}}", json(&t.path)),
                format!("{{\"testCase\": {{\"id\": {id}, \"pickleId\": {id}}}}}"),
                format!("{{\"testCaseStarted\": {{\"id\": {id}, \"testCaseId\": {id}}}}}"),
                format!("{{\"testStepFinished\": {{\"testCaseStartedId\": {id}, \"testStepResult\": {{\"status\": \"{}\", \"message\": {}, \"duration\": {{\"seconds\": {}, \"nanos\": {}}}}}}}}}", status(t).to_uppercase(), json(&t.message), t.number, t.number),
                format!("{{\"testCaseFinished\": {{\"testCaseStartedId\": {id}}}}}"),
            ]
            .join("\n")
        },
        "\n",
    ) + "\n{\"testRunFinished\": {}}\n"
}

fn rspec_report(tests: &[Hostile]) -> String {
    format!(
        "{{\"examples\": [{}], \"summary\": {{\"errors_outside_of_examples_count\": {}}}, \"messages\": [{}]}}",
        each(
            tests,
            &|t| format!(
                "{{\"id\": {}, \"full_description\": {}, \"status\": \"{}\", \"file_path\": {}, \"line_number\": {}, \"run_time\": {}, \"exception\": {{\"class\": {}, \"message\": {}}}}}",
                json(&t.name),
                json(&t.name),
                status(t),
                json(&t.path),
                t.number,
                t.number,
                json(&t.path),
                json(&t.message)
            ),
            ","
        ),
        tests.first().map_or("0", |t| t.number.as_str()),
        each(tests, &|t| json(&t.message), ",")
    )
}

fn jest_report(tests: &[Hostile]) -> String {
    format!(
        "{{\"startTime\": {}, \"testResults\": [{}]}}",
        tests.first().map_or("0", |t| t.number.as_str()),
        each(
            tests,
            &|t| format!(
                "{{\"name\": {}, \"message\": {}, \"status\": \"{}\", \"assertionResults\": [{{\"ancestorTitles\": [{}], \"title\": {}, \"fullName\": {}, \"status\": \"{}\", \"duration\": {}, \"failureMessages\": [{}], \"invocations\": {}, \"location\": {{\"line\": {}, \"column\": {}}}}}]}}",
                json(&t.path),
                json(&t.message),
                status(t),
                json(&t.path),
                json(&t.name),
                json(&t.name),
                status(t),
                t.number,
                json(&t.message),
                t.number,
                t.number,
                t.number
            ),
            ","
        )
    )
}

/// A file that failed to load: no test ran, and the file is the result.
fn jest_load_errors_report(tests: &[Hostile]) -> String {
    format!(
        "{{\"testResults\": [{}]}}",
        each(
            tests,
            &|t| format!(
                "{{\"name\": {}, \"message\": {}, \"status\": \"failed\", \"assertionResults\": []}}",
                json(&t.path),
                json(&t.message)
            ),
            ","
        )
    )
}

fn go_report(tests: &[Hostile]) -> String {
    each(
        tests,
        &|t| {
            let (package, test) = (json(&t.path), json(&t.name));
            [
                format!("{{\"Time\": {}, \"Action\": \"start\", \"Package\": {package}}}", json(&t.number)),
                format!("{{\"Action\": \"run\", \"Package\": {package}, \"Test\": {test}}}"),
                format!("{{\"Action\": \"output\", \"Package\": {package}, \"Test\": {test}, \"Output\": {}}}", json(&t.message)),
                format!("{{\"Action\": \"{}\", \"Package\": {package}, \"Test\": {test}, \"Elapsed\": {}}}", if t.failed { "fail" } else { "pass" }, t.number),
                format!("{{\"Action\": \"pass\", \"Package\": {package}, \"Elapsed\": {}}}", t.number),
            ]
            .join("\n")
        },
        "\n",
    ) + "\n"
}

fn log_report(tests: &[Hostile]) -> String {
    each(
        tests,
        &|t| {
            [
                format!("Using --randomly-seed={}", t.number),
                format!("FAILED {}::{} - {}", t.path, t.name, t.message),
                format!("rspec {}:{} # {}", t.path, t.number, t.message),
                format!("Randomized with seed {}", t.number),
                format!("FAIL {}", t.path),
                format!("  ● {}", t.name),
                format!("Seed: {}", t.number),
                format!("--- FAIL: {} (0.00s)", t.name),
                format!("FAIL\t{}\t0.01s", t.path),
                format!("-test.shuffle {}", t.number),
                format!(
                    "2026-12-02T06:08:10.1Z \u{1b}[31m{}\u{1b}[0m\r{}",
                    t.message, t.name
                ),
            ]
            .join("\n")
        },
        "\n",
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every reader reads every format's report of hostile tests: its own, and those it might
    /// be given by mistake.
    #[test]
    fn hostile_strings_and_numbers_in_valid_reports(tests in proptest::collection::vec(hostile_test(), 1..4)) {
        for (_, report) in hostile_reports(&tests) {
            read_by_all(report.as_bytes());
        }
    }
}

/// A change to a report: a byte overwritten, a stretch deleted or repeated, a token that means
/// something to some format put in.
#[derive(Clone, Debug)]
enum Mutation {
    Overwrite(proptest::sample::Index, u8),
    Delete(proptest::sample::Index, usize),
    Repeat(proptest::sample::Index, usize),
    Insert(proptest::sample::Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    const TOKENS: [&str; 16] = [
        "\"",
        "\\",
        "\n",
        "\0",
        "<",
        ">",
        "</",
        "/>",
        "]]>",
        "<![CDATA[",
        "&#0;",
        "{",
        "}",
        "[",
        "\u{feff}",
        "\u{1b}[",
    ];
    prop_oneof![
        (any::<proptest::sample::Index>(), any::<u8>())
            .prop_map(|(at, b)| Mutation::Overwrite(at, b)),
        (any::<proptest::sample::Index>(), 1usize..64).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<proptest::sample::Index>(), 1usize..256).prop_map(|(at, n)| Mutation::Repeat(at, n)),
        (
            any::<proptest::sample::Index>(),
            proptest::sample::select(&TOKENS[..])
        )
            .prop_map(|(at, token)| Mutation::Insert(at, token)),
    ]
}

fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match *mutation {
        Mutation::Overwrite(at, byte) if len > 0 => bytes[at.index(len)] = byte,
        Mutation::Delete(at, n) if len > 0 => {
            let from = at.index(len);
            bytes.drain(from..(from + n).min(len));
        }
        Mutation::Repeat(at, n) if len > 0 => {
            let from = at.index(len);
            let stretch = bytes[from..(from + n).min(len)].to_vec();
            bytes.splice(from..from, stretch);
        }
        Mutation::Insert(at, token) => {
            let from = at.index(len + 1);
            bytes.splice(from..from, token.bytes());
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Real reports damaged a few bytes at a time reach the corners of every reader that
    /// random bytes, rejected at their first character, never do.
    #[test]
    fn damaged_real_reports_are_read_without_a_panic(
        which in proptest::sample::select(SAMPLES),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = sample(which.0);
        for mutation in &mutations {
            mutate(&mut bytes, mutation);
        }
        read_by_all(&bytes);
    }
}

/// Times as reports write them, near and past the ends of what bleed records (1970 to 9999)
/// once moved to UTC.
fn timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?",
        "(1969|1970|9999)-(01|12)-(01|31)T(00|23):(00|59):(00|59)([+-](00|01|14):?(00|59))?",
        "(Sun|Thu), (01|31) (Jan|Dec) (1969|1970|9999|10000) (00:00:00|23:59:59) (GMT|UTC|\\+0000)",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, failure_persistence: None, ..ProptestConfig::default() })]

    /// `bleed import` takes a run's start from the report: a JUnit timestamp, Jest's
    /// `startTime`, go's event times. Whatever they say, it keeps a time it can write, or none.
    #[test]
    fn any_report_time_is_imported_without_a_panic(text in timestamp(), millis in any::<u64>()) {
        if let Some(utc) = import::utc(&text) {
            prop_assert!(humantime::parse_rfc3339(&utc).is_ok(), "{} gave {}", text, utc);
        }
        let suite = junit::Suite { timestamp: Some(text.clone()), ..junit::Suite::default() };
        import::junit_facts(&suite);
        import::json_facts(&format!("{{\"startTime\": {millis}, \"seed\": {millis}}}"));
        import::json_facts(&format!("{{\"Time\": {}, \"Action\": \"start\"}}\n", json(&text)));
    }
}

/// The inputs the properties above found, each with the reader it tripped and what that reader
/// says of it now: tests without ids are refused, and text from the report is kept in one line.
#[test]
fn what_fuzzing_found() {
    let found = [
        (
            "generic",
            "<testsuite><testcase name=\"\"/></testsuite>",
            "testcase 1 of the report has neither a name nor a classname",
        ),
        (
            "pytest",
            "{\"test\": {\"id\": \"\", \"outcome\": \"passed\"}}\n{\"end\": {}}\n",
            "line 1 of the report is a test without an id",
        ),
        (
            "pytest",
            "{\"startline2\\nassert\": 1}\n",
            "unknown variant `startline2\\nassert`",
        ),
        (
            "pytest",
            "{\"error\": \"not\\ncollected\"}\n{\"end\": {}}\n",
            "not\\ncollected",
        ),
        (
            "rspec",
            "{\"examples\": [{\"id\": \"\", \"status\": \"passed\"}]}",
            "the report has no example ids",
        ),
        (
            "rspec",
            "{\"examples\": [{\"id\": \"a\\nb\", \"status\": \"odd\"}]}",
            "a\\nb has the status \"odd\"",
        ),
        (
            "jest",
            "{\"testResults\": [{\"name\": \"\", \"status\": \"failed\", \"assertionResults\": []}]}",
            "a test file of the report is named \"\"",
        ),
        (
            "go",
            "{\"Action\": \"start\", \"Package\": \"a\\nb\"}\n",
            "the report stops before a\\nb finished",
        ),
        (
            "mocha",
            "<testsuite><testcase name=\"a\"><failure></x\ny></failure></testcase></testsuite>",
            "report is not well-formed XML after 0 complete testcases",
        ),
    ];
    for (name, input, said) in found {
        let read = read_by_all(input.as_bytes())
            .into_iter()
            .find_map(|(reader, read)| (reader == name).then_some(read))
            .expect("a reader of that name");
        let problem = read.problem.unwrap_or_default();
        assert!(problem.contains(said), "{name} on {input:?}: {problem}");
    }
}
