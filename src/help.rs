//! What `--help` ends with: the exit codes, then examples (as ripgrep's and hyperfine's help do).

use clap::builder::styling::Styles;

use crate::error::{
    BISECT_EXIT_CODES, HUNT_EXIT_CODES, IMPORT_EXIT_CODES, MERGE_EXIT_CODES, REPORT_EXIT_CODES,
};

/// The failing order `bleed bisect` searches when no source is given: see `Source::Latest`.
pub const BISECT_ABOUT: &str = "Find the minimal set of tests that make a victim fail, and a \
    reproducer to paste.\n\n\
    The failing order comes from --seed, --run, --order-file, --report or --from-log. With none \
    of them, bleed bisects the latest recorded run (in --store) in which the victim failed, among \
    the runs of --cmd when --cmd is given.\n\n\
    --from-log reads a CI console log (RSpec, cucumber, pytest, Jest, go test, parallel_tests) \
    for its seed, its command and its failing tests, and bisects each of them in turn from one \
    local run of that seed (for parallel_tests, of the failing process's files under its seed).";

pub const MERGE_ABOUT: &str = "Merge stores recorded elsewhere (CI shards, downloaded \
    artifacts, a colleague's machine) into this one (--store).\n\n\
    Each STORE is a store directory, or a folder with stores right below it: a CI artifact often \
    nests the store (shard-1/.bleed/), and a folder of downloaded artifacts holds one per shard. \
    Each record is merged once, so merging again adds nothing; the sources are only read. After \
    the shards of a hunt are merged, the same bleed hunt has nothing left to run.\n\n\
    A store may hold several hunts, of several commands. But a source whose runs share neither a \
    command nor a single test with this store's is another suite's: it is refused, and nothing \
    is merged, unless this store holds no runs yet or --force is given.";

pub const IMPORT_ABOUT: &str = "Record test reports from CI runs that bleed did not start as \
    runs of the store, so that bleed report counts them with the rest.\n\n\
    Each report becomes one run: its tests in the report's order (the run's order), outcomes \
    and durations, its start time (the report's timestamp, else the file's) and its seed: the \
    report's own (a JUnit property named seed or *_seed, RSpec's JSON, go test's \
    -test.shuffle line), else --seed, else --seed-from on the file's path. JUnit XML in any \
    dialect is read (pytest's with its node ids), and the JSON of RSpec, Jest, cucumber and go \
    test. A run's id is the hash of its report, so importing a file again adds nothing. \
    Imported runs have no confirmation runs: a failing test's kind stays unconfirmed unless \
    the runs alone settle it.";

// Each line of an example fits in 80 columns, so that help wraps none of them on a narrow
// terminal; a longer command goes on with a backslash, as a shell takes it.
const TOP_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "Watch bleed find planted order dependencies, no runner needed:",
        &["bleed demo"],
    ),
    (
        "Run a suite 30 times under recorded seeds, two at a time, and list what flipped:",
        &["bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 30 --jobs 2"],
    ),
    (
        "Find the tests that make a flipped test fail, from the latest run where it failed:",
        &["bleed bisect --victim tests/test_cart.py::test_total_is_in_dollars"],
    ),
    (
        "Everything recorded so far, as a page to share:",
        &["bleed report --format html --out bleed-report.html"],
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
        "Orders bleed chooses: every two tests side by side in about one run per test, across \
         the modules pytest-randomly keeps together; stop once 10 runs in a row find nothing new:",
        &[
            "bleed hunt --cmd \"python3 -m pytest -q tests\" --order pairs",
            "bleed hunt --cmd \"bundle exec rspec\" --order shuffle --until-quiet 10",
        ],
    ),
    (
        "Carry on to 100 runs (the same command continues the same seeds):",
        &["bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 100"],
    ),
    (
        "Overnight: hunt, then bisect each order-dependent and brittle test it finds, reading \
         the hunt's runs for orders already run (Ctrl-C keeps the finished bisections; the same \
         command goes on with the rest):",
        &["bleed hunt --cmd \"python3 -m pytest -q tests\" --runs 200 --jobs 4 --bisect"],
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
        "A failing CI job's console log (parallel_rspec's too): every failing test, or one:",
        &[
            "bleed bisect --from-log ci.log",
            "bleed bisect --from-log ci.log --cmd \"bundle exec rspec\" \\\n      \
             --victim ./spec/cart_spec.rb:12",
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

const MERGE_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "The stores of a sharded hunt, downloaded from CI, one artifact a shard:",
        &["bleed merge artifacts/shard-1 artifacts/shard-2 artifacts/shard-3"],
    ),
    (
        "The same, from the folder that holds them all:",
        &["bleed merge artifacts"],
    ),
    (
        "Then the hunt has nothing left to run, and the report covers every shard:",
        &[
            "bleed hunt --cmd \"python3 -m pytest -q tests\" --seed 7 --runs 60",
            "bleed report",
        ],
    ),
    (
        "Two suites' nightly stores into one, to report on both:",
        &["bleed merge --store all-suites --force api/.bleed web/.bleed"],
    ),
];

const IMPORT_EXAMPLES: &[(&str, &[&str])] = &[
    (
        "A month of CI's JUnit reports, each seed in its file's name (junit-seed-1234.xml):",
        &["bleed import ci-reports --seed-from 'seed-(\\d+)'"],
    ),
    (
        "One CI run's report, with the command and seed CI ran it under:",
        &["bleed import junit.xml --seed 19497 \\\n      \
             --cmd \"python3 -m pytest -p randomly --randomly-seed=<seed> tests\""],
    ),
    (
        "RSpec's JSON reports, which carry their seeds; then the report on them all:",
        &["bleed import tmp/rspec", "bleed report"],
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

pub fn merge() -> String {
    format!("{MERGE_EXIT_CODES}\n\n{}", examples(MERGE_EXAMPLES))
}

pub fn import() -> String {
    format!("{IMPORT_EXIT_CODES}\n\n{}", examples(IMPORT_EXAMPLES))
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
            MERGE_EXAMPLES,
            IMPORT_EXAMPLES,
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
        for text in [
            top(),
            hunt(),
            bisect(),
            merge(),
            import(),
            demo(),
            runners(),
        ] {
            let examples = &text[text.find("Examples:").unwrap()..];
            for line in examples.lines().filter(|l| l.starts_with("    ")) {
                assert!(line.chars().count() <= 80, "{line}");
            }
        }
    }
}
