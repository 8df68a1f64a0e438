//! How fast, and in how much memory, a large JUnit report is read.
//!
//! Writes a realistic 100,000-testcase report (Surefire-like classnames and files, properties,
//! 10% failures with multi-line CDATA stack traces, captured output on every fourth testcase)
//! to a temporary file, reads it with `bleed::junit::read_path` a few times, and prints the
//! median time, the throughput and the process's resident peak (`VmHWM`).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use bleed::junit;
use bleed::outcome::Outcome;

const CASES: usize = 100_000;
const CASES_PER_SUITE: usize = 200;
const RUNS: usize = 5;

fn main() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("junit.xml");
    write_report(&path)?;
    let bytes = fs::metadata(&path)?.len();

    let peak_before = peak_rss_kib();
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let report = junit::read_path(&path);
        times.push(start.elapsed());
        check(&report);
    }
    let peak_after = peak_rss_kib();
    times.sort();
    let median = times[RUNS / 2];

    let megabytes = bytes as f64 / 1e6;
    let rows = [
        ("testcases", format!("{CASES}")),
        ("report size", format!("{megabytes:.1} MB")),
        (
            "parse time (median of 5)",
            format!("{:.1} ms", millis(median)),
        ),
        ("parse time (best)", format!("{:.1} ms", millis(times[0]))),
        (
            "throughput (median)",
            format!("{:.0} MB/s", megabytes / median.as_secs_f64()),
        ),
        ("resident peak before parsing", mib(peak_before)),
        ("resident peak after parsing", mib(peak_after)),
    ];
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    let value_width = rows.iter().map(|(_, value)| value.len()).max().unwrap_or(0);
    println!("junit_parse");
    for (label, value) in rows {
        println!("  {label:<width$}  {value:>value_width$}");
    }
    Ok(())
}

/// Fails the benchmark loudly if the reader got the report wrong: a fast wrong parse is no result.
fn check(report: &junit::Report) {
    assert_eq!(report.problem, None);
    assert_eq!(report.cases.len(), CASES);
    let failed = report
        .cases
        .iter()
        .filter(|case| case.outcome == Outcome::Failed)
        .count();
    assert_eq!(failed, CASES / 10);
    let with_message = report
        .cases
        .iter()
        .filter(|case| case.message.is_some())
        .count();
    assert_eq!(with_message, CASES / 10);
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "unknown".to_string(),
        |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
    )
}

/// The process's resident peak so far, from Linux's `/proc/self/status`.
fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A fixed xorshift generator, so every run of the benchmark reads the same document.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn write_report(path: &Path) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="bench" tests="{CASES}" failures="{}" errors="0" time="4242.125">"#,
        CASES / 10
    )?;
    for suite in 0..CASES / CASES_PER_SUITE {
        let module = suite % 40;
        let class = format!("com.example.module{module}.Service{suite}Test");
        writeln!(
            out,
            r#"  <testsuite name="{class}" tests="{CASES_PER_SUITE}" failures="{}" errors="0" skipped="0" time="8.484" timestamp="2026-11-22T02:15:38">"#,
            CASES_PER_SUITE / 10
        )?;
        writeln!(out, "    <properties>")?;
        for (name, value) in [
            ("java.version", "21.0.5"),
            ("os.name", "Linux"),
            ("user.dir", "/home/ci/build/project"),
        ] {
            writeln!(out, r#"      <property name="{name}" value="{value}"/>"#)?;
        }
        writeln!(out, "    </properties>")?;
        for index in 0..CASES_PER_SUITE {
            let n = suite * CASES_PER_SUITE + index;
            let millis = noise.next() % 2_000;
            write!(
                out,
                r#"    <testcase name="should_handle_case_{n}_when_input_is_valid[{}]" classname="{class}" file="src/test/java/com/example/module{module}/Service{suite}Test.java" line="{}" time="{}.{:03}""#,
                n % 7,
                20 + index * 9,
                millis / 1000,
                millis % 1000
            )?;
            let failed = n % 10 == 3;
            let output = n.is_multiple_of(4);
            if !failed && !output {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            if failed {
                write_failure(&mut out, n, &class)?;
            }
            if output {
                writeln!(out, "      <system-out><![CDATA[")?;
                for line in 0..5 {
                    writeln!(
                        out,
                        "2026-11-22 02:15:38.{line:03} INFO  [main] {class} - step {line} of case {n}: state = {{items: [apple, pear], total: 42}}"
                    )?;
                }
                writeln!(out, "]]></system-out>")?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")?;
    out.flush()
}

/// Half the failures carry a `message` attribute; the other half leave the first line to be
/// read from the CDATA text, the slower path.
fn write_failure(out: &mut impl Write, n: usize, class: &str) -> io::Result<()> {
    if n % 20 == 3 {
        write!(
            out,
            r#"      <failure message="expected: &lt;{n}&gt; but was: &lt;{}&gt;" type="org.opentest4j.AssertionFailedError">"#,
            n + 1
        )?;
    } else {
        write!(
            out,
            r#"      <failure type="org.opentest4j.AssertionFailedError">"#
        )?;
    }
    writeln!(
        out,
        "<![CDATA[org.opentest4j.AssertionFailedError: expected: <{n}> but was: <{}>",
        n + 1
    )?;
    for frame in 0..12 {
        writeln!(
            out,
            "\tat {class}.helper{frame}({}.java:{})",
            class.rsplit('.').next().unwrap_or(class),
            100 + frame
        )?;
    }
    writeln!(out, "]]></failure>")
}
