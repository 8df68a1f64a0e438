//! What `--help` ends with: the exit codes, then examples (as ripgrep's and hyperfine's help do).

use clap::builder::styling::Styles;

use crate::error::{BISECT_EXIT_CODES, HUNT_EXIT_CODES, REPORT_EXIT_CODES};

/// The failing order `bleed bisect` searches when no source is given: see `Source::Latest`.
pub const BISECT_ABOUT: &str = "Find the minimal set of tests that make a victim fail, and a \
    reproducer to paste.\n\n\
    The failing order comes from --seed, --run, --order-file or --report. With none of them, \
    bleed bisects the latest recorded run (in --store) in which the victim failed, among the runs \
    of --cmd when --cmd is given.";

// Each line of an example fits in 80 columns, so that help wraps none of them on a narrow
// terminal; a longer command goes on with a backslash, as a shell takes it.
const TOP_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "Watch bleed find planted order dependencies, no runner needed:",
        &["bleed demo"],
    ),
    (
        "Everything recorded so far, as a page to share:",
        &["bleed report --format html --out bleed-report.html"],
    ),
    (
        "Run a suite 30 times under recorded seeds, two at a time, and list what flipped:",
        &["bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 30 --jobs 2"],
    ),
    (
        "Find the tests that make a flipped test fail, from the latest run where it failed:",
        &["bleed bisect --victim tests/test_cart.py::test_total_is_in_dollars"],
    ),
];

const HUNT_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "pytest (bleed adds -p randomly --randomly-seed=<seed>, and a report it reads):",
        &["bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 30 --jobs 2"],
    ),
    (
        "Each runner under its own seed (bleed adds what it needs to read the results):",
        &[
            "bleed hunt --cmd \"pytest -p randomly --randomly-seed=<seed>\" --runs 30",
            "bleed hunt --cmd \"cucumber --order random:<seed>\" --runs 50",
            "bleed hunt --cmd \"bundle exec rspec --seed <seed>\" --runs 50 --jobs 4",
            "bleed hunt --cmd \"npx jest --randomize --seed=<seed>\" --runs 40",
            "bleed hunt --cmd \"go test -shuffle=<seed> ./...\" --runs 40",
        ],
    ),
    (
        "Any other runner, from templates: where it takes the seed and writes JUnit XML, and \
         how it runs a list of tests in order:",
        &["bleed hunt --runs 50 \\\n      \
           --cmd \"./run-tests --shuffle-seed <seed> --junit-out <report>\" \\\n      \
           --replay-cmd \"./run-tests --junit-out <report> <tests>\""],
    ),
    (
        "Carry on to 100 runs (the same command continues the same seeds):",
        &["bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 100"],
    ),
    (
        "One CI node's share of a hunt split over the nodes, all under one master seed; then \
         bleed merge their stores (docs/ci.md):",
        &[
            "bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 40 \\\n      \
           --seed 20261202 --shard auto",
        ],
    ),
];

const BISECT_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "After bleed hunt: the latest recorded run where the victim failed:",
        &["bleed bisect --victim tests/test_cart.py::test_total_is_in_dollars"],
    ),
    (
        "The seed CI printed (a recorded run of it, else one run of --cmd):",
        &[
            "bleed bisect --cmd \"cucumber --order random:<seed>\" --seed 19497 \\\n      \
             --victim features/checkout.feature:12",
            "bleed bisect --cmd \"bundle exec rspec --seed <seed>\" --seed 4242 \\\n      \
             --victim './spec/cart_spec.rb[1:1]'",
            "bleed bisect --cmd \"go test -shuffle=<seed> ./...\" --seed 1700 \\\n      \
             --victim example.com/bleedsuite/cart.TestTotalIsInDollars",
            "bleed bisect --cmd \"npx jest --randomize --seed=<seed>\" --seed 8 \\\n      \
             --victim '__tests__/currency.test.js › formats a total in dollars'",
        ],
    ),
    (
        "The order of a report CI kept (JUnit XML, or the runner's own format):",
        &[
            "bleed bisect --cmd \"pytest -p randomly --randomly-seed=<seed>\" \\\n      \
             --report junit.xml --victim tests/test_cart.py::test_total_is_in_dollars",
        ],
    ),
    (
        "Four probes at once, each in a fresh process:",
        &[
            "bleed bisect --victim tests/test_cart.py::test_total_is_in_dollars \\\n      \
           --jobs 4 --probe cold",
        ],
    ),
];

const REPORT_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "After a hunt and its bisections: the most failing tests, durations, interference:",
        &["bleed report"],
    ),
    (
        "A pull-request comment, and a page to keep as a CI artifact:",
        &[
            "bleed report --format markdown > bleed-report.md",
            "bleed report --format html --out bleed-report.html",
        ],
    ),
    (
        "For scripts and dashboards (schema in docs/report.md), from a downloaded store:",
        &[
            "bleed report --store nightly/.bleed --format json --out report.json",
            "bleed report --format junit --out bleed-junit.xml",
        ],
    ),
];

const DEMO_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "Hunt and bisect the built-in suite, in a new temporary store:",
        &["bleed demo"],
    ),
    (
        "Keep the demo's runs in a directory of your choice, and hunt longer:",
        &["bleed demo --store demo-runs --runs 80"],
    ),
];

const RUNNERS_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "Every runner bleed knows, what it supports, and the versions it checks:",
        &["bleed runners"],
    ),
    (
        "One runner's entry:",
        &["bleed runners | grep -A6 '^pytest'"],
    ),
];

pub fn top() -> String {
    format!(
        "Exit codes: 0 nothing needs looking at, 1 something does (a flip, a timeout, a verdict \
         that names nobody), 2 bad usage or input, 3 the suite could not be run or read, 4 the \
         store could not be read or written, 130 interrupted. Each command's --help says more; \
         see docs/exit-codes.md.\n\n{}",
        examples(TOP_EXAMPLES)
    )
}

pub fn hunt() -> String {
    format!("{HUNT_EXIT_CODES}\n\n{}", examples(HUNT_EXAMPLES))
}

pub fn bisect() -> String {
    format!("{BISECT_EXIT_CODES}\n\n{}", examples(BISECT_EXAMPLES))
}

pub fn report() -> String {
    format!("{REPORT_EXIT_CODES}\n\n{}", examples(REPORT_EXAMPLES))
}

pub fn demo() -> String {
    examples(DEMO_EXAMPLES)
}

pub fn runners() -> String {
    examples(RUNNERS_EXAMPLES)
}

/// An `Examples:` section, headed like clap's own sections: what each does, then the commands.
fn examples(examples: &[(&str, &[&str])]) -> String {
    let header = *Styles::default().get_header();
    let groups: Vec<String> = examples
        .iter()
        .map(|(what, commands)| {
            let mut group = format!("  {what}");
            for command in *commands {
                group.push_str(&format!("\n    {command}"));
            }
            group
        })
        .collect();
    format!("{header}Examples:{header:#}\n{}", groups.join("\n\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner;
    use crate::template::Template;

    /// Every example's `--cmd` names a runner bleed recognises (or forces) and completes into
    /// a hunt command, so none of them fails as soon as it is pasted.
    #[test]
    fn every_example_command_is_one_bleed_accepts() {
        let all = [
            TOP_EXAMPLES,
            HUNT_EXAMPLES,
            BISECT_EXAMPLES,
            DEMO_EXAMPLES,
            RUNNERS_EXAMPLES,
        ];
        let mut checked = 0;
        for (_, commands) in all.iter().flat_map(|e| e.iter()) {
            for command in *commands {
                let words = shell_words::split(command).expect("an example is one shell command");
                assert_eq!(words[0], "bleed", "{command}");
                let value = |flag: &str| {
                    words
                        .iter()
                        .position(|w| w == flag)
                        .map(|i| words[i + 1].clone())
                };
                let Some(cmd) = value("--cmd") else {
                    continue;
                };
                let adapter = runner::select(&cmd, value("--runner").as_deref())
                    .unwrap_or_else(|e| panic!("{command}: {e}"));
                let template = Template::parse(&cmd).unwrap();
                let hunt = adapter
                    .hunt_command(&template)
                    .unwrap_or_else(|e| panic!("{command}: {e}"));
                if value("--replay-cmd").is_none() {
                    adapter
                        .replay_command(&hunt)
                        .unwrap_or_else(|e| panic!("{command}: {e}"));
                }
                checked += 1;
            }
        }
        assert!(checked >= 10, "only {checked} examples had a --cmd");
    }

    #[test]
    fn no_example_line_is_wider_than_a_narrow_terminal() {
        for text in [top(), hunt(), bisect(), demo(), runners()] {
            let examples = &text[text.find("Examples:").unwrap()..];
            for line in examples.lines().filter(|l| l.starts_with("    ")) {
                assert!(line.chars().count() <= 80, "{line}");
            }
        }
    }
}
