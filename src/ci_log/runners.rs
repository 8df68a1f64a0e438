//! What each runner prints about its seed and its failures, read from cleaned log lines.
//!
//! Every scan keeps line numbers, so that a failure can be given the seed of the run it was in:
//! the seed printed before it (pytest-randomly, go, RSpec's first line) or after it (Jest's and
//! cucumber's summaries), never across the end of a run.

/// What one runner's lines in a log say.
pub(super) struct Scan {
    pub runner: &'static str,
    /// Seeds printed, with their line.
    pub seeds: Vec<(usize, i64)>,
    /// Failing tests, named as bleed's adapter names them or by a location it resolves
    /// (RSpec's `./spec/cart_spec.rb:12`), with their line.
    pub failures: Vec<(usize, String)>,
    /// Lines only this runner prints (its summaries): it ran there.
    pub evidence: Vec<usize>,
    /// Lines that end one of its runs: a seed does not reach across them.
    ends: Vec<usize>,
    /// Whether a run prints its seed before its failures (else after).
    seed_first: bool,
}

impl Scan {
    fn new(runner: &'static str, seed_first: bool) -> Scan {
        Scan {
            runner,
            seeds: Vec::new(),
            failures: Vec::new(),
            evidence: Vec::new(),
            ends: Vec::new(),
            seed_first,
        }
    }

    /// The seed of the run whose failure is on `line`: the nearest seed on the side the runner
    /// prints it, unless a run ends between them (an earlier seed would cross that end too).
    /// Seeds and ends are kept in line order, so a log of many failures is read in n log n.
    pub fn seed_for(&self, line: usize) -> Option<i64> {
        let crosses_an_end = |from: usize, to: usize| {
            let first = self.ends.partition_point(|&end| end < from);
            self.ends.get(first).is_some_and(|&end| end < to)
        };
        if self.seed_first {
            let before = self.seeds.partition_point(|&(at, _)| at < line);
            let (at, seed) = *self.seeds.get(before.checked_sub(1)?)?;
            (!crosses_an_end(at, line)).then_some(seed)
        } else {
            let after = self.seeds.partition_point(|&(at, _)| at <= line);
            let (at, seed) = *self.seeds.get(after)?;
            (!crosses_an_end(line, at)).then_some(seed)
        }
    }

    /// The first line that shows this runner ran.
    pub fn first_line(&self) -> Option<usize> {
        let seeds = self.seeds.iter().map(|&(at, _)| at);
        let failures = self.failures.iter().map(|&(at, _)| at);
        seeds
            .chain(failures)
            .chain(self.evidence.iter().copied())
            .min()
    }

    /// How far the nearest of this runner's failures and evidence is from `line`.
    fn distance(&self, line: usize) -> Option<usize> {
        let failure = nearest(&self.failures, |&(at, _)| at, line);
        let evidence = nearest(&self.evidence, |&at| at, line);
        failure.into_iter().chain(evidence).min()
    }
}

/// How far the nearest of `sorted`, whose lines `at` gives in increasing order, is from `line`.
fn nearest<T>(sorted: &[T], at: impl Fn(&T) -> usize, line: usize) -> Option<usize> {
    let after = sorted.partition_point(|item| at(item) < line);
    let before = after.checked_sub(1).map(|i| line - at(&sorted[i]));
    let next = sorted.get(after).map(|item| at(item) - line);
    before.into_iter().chain(next).min()
}

/// The patterns looked for, for the message when none matched.
pub(super) const SEED_PATTERNS: &str = "\"Randomized with seed N\" (RSpec, cucumber), \
    \"Using --randomly-seed=N\" (pytest-randomly), \"Seed: N\" (Jest --randomize), \
    \"-test.shuffle N\" (go test -shuffle)";

/// Every runner's scan of the lines, in the order `bleed runners` lists them.
pub(super) fn scan(lines: &[String]) -> Vec<Scan> {
    let (mut rspec, mut cucumber) = (rspec(lines), cucumber(lines));
    // RSpec and cucumber print the same seed line: it belongs to the one whose own lines are
    // nearest.
    for (at, line) in lines.iter().enumerate() {
        let Some(seed) = number_after(line, "Randomized with seed ") else {
            continue;
        };
        let (r, c) = (rspec.distance(at), cucumber.distance(at));
        match (r, c) {
            (Some(r), Some(c)) if c < r => cucumber.seeds.push((at, seed)),
            (Some(_), _) => rspec.seeds.push((at, seed)),
            (None, Some(_)) => cucumber.seeds.push((at, seed)),
            (None, None) => {}
        }
    }
    vec![pytest(lines), cucumber, rspec, jest(lines), go(lines)]
}

/// The whole number `line` ends with after `prefix`, spaces allowed in between.
fn number_after(line: &str, prefix: &str) -> Option<i64> {
    line.trim().strip_prefix(prefix)?.trim().parse().ok()
}

/// `rspec ./spec/cart_spec.rb:12 # Cart …`, or the example id where two examples share a line
/// (`rspec ./spec/cart_spec.rb[1:2] # …`, single-quoted for shells other than bash).
fn rspec(lines: &[String]) -> Scan {
    let mut scan = Scan::new("rspec", true);
    for (at, line) in lines.iter().enumerate() {
        if is_summary(line, &["example", "examples"]) {
            scan.evidence.push(at);
        } else if let Some(location) = line.strip_prefix("rspec ").and_then(before_comment) {
            scan.failures.push((at, unquote_rspec(location)));
        }
    }
    scan
}

/// The location before ` # `, where it ends like one (`:12`, `]`, `]'`): a description or a
/// file name may hold ` # ` too.
fn before_comment(rest: &str) -> Option<&str> {
    rest.match_indices(" # ")
        .map(|(at, _)| &rest[..at])
        .find(|location| {
            let digits = location
                .rsplit_once(':')
                .is_some_and(|(_, n)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            digits || location.ends_with(']') || location.ends_with("]'")
        })
}

/// RSpec quotes an id as `'…'`, writing a quote inside as `\'`.
fn unquote_rspec(location: &str) -> String {
    match location
        .strip_prefix('\'')
        .and_then(|l| l.strip_suffix('\''))
    {
        Some(inner) => inner.replace("\\'", "'"),
        None => location.to_string(),
    }
}

/// `N examples, M failures` and the like: a count, then one of the nouns.
fn is_summary(line: &str, nouns: &[&str]) -> bool {
    let mut words = line.trim().split([' ', ',']);
    let count = words.next().is_some_and(|w| w.parse::<u64>().is_ok());
    count && words.next().is_some_and(|noun| nouns.contains(&noun))
}

/// `cucumber features/checkout.feature:12 # Scenario: …` under "Failing Scenarios:".
fn cucumber(lines: &[String]) -> Scan {
    let mut scan = Scan::new("cucumber", false);
    for (at, line) in lines.iter().enumerate() {
        if is_summary(line, &["scenario", "scenarios"]) && line.contains('(') {
            scan.evidence.push(at);
        } else if let Some(location) = line
            .strip_prefix("cucumber ")
            .and_then(before_comment)
            .filter(|location| location.contains(".feature:"))
        {
            scan.failures.push((at, location.to_string()));
        }
    }
    scan
}

/// `FAILED tests/test_cart.py::test_x - AssertionError…` (and `ERROR` for errors in fixtures)
/// in the short test summary; the seed from `Using --randomly-seed=N`.
fn pytest(lines: &[String]) -> Scan {
    let mut scan = Scan::new("pytest", true);
    for (at, line) in lines.iter().enumerate() {
        if let Some(seed) = line
            .trim()
            .strip_prefix("Using --randomly-seed=")
            .and_then(|s| s.parse().ok())
        {
            scan.seeds.push((at, seed));
        } else if let Some(rest) = line
            .strip_prefix("FAILED ")
            .or_else(|| line.strip_prefix("ERROR "))
        {
            if let Some(node) = pytest_node(rest) {
                scan.failures.push((at, node.to_string()));
            }
        } else if line.starts_with('=') && line.trim_end().ends_with('=') && line.contains(" in ") {
            // The last line of a session: "==== 2 failed, 21 passed in 0.13s ====".
            scan.evidence.push(at);
            scan.ends.push(at);
        } else if line.contains("short test summary info") {
            scan.evidence.push(at);
        }
    }
    scan
}

/// The node id before ` - message`. A parameter may hold ` - ` too, so the id ends where its
/// brackets are closed. Errors outside a test (a module that does not import) have no `::`.
fn pytest_node(rest: &str) -> Option<&str> {
    let balanced = |id: &str| !id.contains('[') || id.ends_with(']');
    let node = rest
        .match_indices(" - ")
        .map(|(at, _)| &rest[..at])
        .find(|id| balanced(id))
        .unwrap_or(rest.trim_end());
    node.contains("::").then_some(node)
}

/// `FAIL __tests__/cart.test.js` then `  ● describe › test` blocks; the seed from the summary's
/// `Seed: N` (printed with --randomize or --showSeed).
fn jest(lines: &[String]) -> Scan {
    let mut scan = Scan::new("jest", false);
    let mut file: Option<String> = None;
    for (at, line) in lines.iter().enumerate() {
        if let Some(seed) = number_after(line, "Seed:") {
            scan.seeds.push((at, seed));
        } else if let Some(path) = line.strip_prefix("FAIL ") {
            file = Some(without_duration(path.trim()).to_string());
        } else if line.starts_with("PASS ") {
            file = None;
        } else if line.starts_with("Test Suites: ") {
            scan.evidence.push(at);
        } else if line.starts_with("Ran all test suites") {
            scan.ends.push(at);
        } else if let (Some(title), Some(file)) = (line.strip_prefix("  ● "), &file) {
            let title = title.trim_end();
            if !matches!(title, "Console" | "Test suite failed to run") {
                scan.failures.push((at, format!("{file} › {title}")));
            }
        }
    }
    scan
}

/// A test file's path without the time Jest adds after a slow one: `x.test.js (5.2 s)`.
fn without_duration(path: &str) -> &str {
    match path.rsplit_once(" (") {
        Some((file, time)) if time.ends_with("s)") => file,
        _ => path,
    }
}

/// `--- FAIL: TestX (0.00s)` at the start of a line (a subtest's is indented: its top-level
/// test is what bleed bisects), named by the package of the `FAIL\texample.com/pkg\t…` line that
/// ends the package's output; the seed from `-test.shuffle N`, printed by each package's binary.
fn go(lines: &[String]) -> Scan {
    let mut scan = Scan::new("go", true);
    let mut pending: Vec<(usize, String)> = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if let Some(seed) = number_after(line, "-test.shuffle ") {
            scan.seeds.push((at, seed));
        } else if let Some(rest) = line.strip_prefix("--- FAIL: ") {
            let name = rest.split(' ').next().unwrap_or(rest);
            pending.push((at, name.to_string()));
        } else if let Some(package) = go_package_line(line) {
            scan.evidence.push(at);
            scan.ends.push(at);
            if let Some(failed) = package.strip_prefix("FAIL ") {
                let failed = failed.trim();
                scan.failures.extend(
                    pending
                        .drain(..)
                        .map(|(at, name)| (at, format!("{failed}.{name}"))),
                );
            }
            pending.clear();
        }
    }
    scan
}

/// `ok  \texample.com/pkg\t0.01s` or `FAIL\texample.com/pkg\t0.01s`, as "ok PKG" or "FAIL PKG".
fn go_package_line(line: &str) -> Option<String> {
    let (status, rest) = line.split_once('\t')?;
    let package = rest.split(['\t', ' ']).next()?;
    match status.trim_end() {
        "ok" | "FAIL" if !package.is_empty() => Some(format!("{} {package}", status.trim_end())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_end_where_the_comment_starts() {
        assert_eq!(
            before_comment("./spec/a # b_spec.rb:3 # c # d"),
            Some("./spec/a # b_spec.rb:3")
        );
        assert_eq!(
            before_comment("'./spec/a_spec.rb[1:2]' # x"),
            Some("'./spec/a_spec.rb[1:2]'")
        );
        assert_eq!(before_comment("--seed 5"), None);
        assert_eq!(
            unquote_rspec("'./spec/it\\'s_spec.rb[1:1]'"),
            "./spec/it's_spec.rb[1:1]"
        );
    }

    #[test]
    fn pytest_node_ids_end_where_their_brackets_close() {
        assert_eq!(
            pytest_node("tests/a.py::test_x[1 - 2] - AssertionError: a - b"),
            Some("tests/a.py::test_x[1 - 2]")
        );
        assert_eq!(
            pytest_node("tests/a.py::T::test_y"),
            Some("tests/a.py::T::test_y")
        );
        assert_eq!(pytest_node("tests/a.py - ImportError"), None);
    }

    #[test]
    fn seeds_do_not_reach_across_the_end_of_a_run() {
        let lines: Vec<String> = [
            "-test.shuffle 5",
            "--- FAIL: TestA (0.00s)",
            "FAIL\texample.com/a\t0.01s",
            "--- FAIL: TestB (0.00s)",
            "FAIL\texample.com/b [build failed]",
        ]
        .map(String::from)
        .to_vec();
        let scan = go(&lines);
        let seeds: Vec<(&str, Option<i64>)> = scan
            .failures
            .iter()
            .map(|(at, id)| (id.as_str(), scan.seed_for(*at)))
            .collect();
        assert_eq!(
            seeds,
            [
                ("example.com/a.TestA", Some(5)),
                ("example.com/b.TestB", None)
            ]
        );
    }
}
