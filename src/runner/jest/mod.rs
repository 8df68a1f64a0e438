//! Jest: seeded order from `--randomize --seed`, results from `--json --outputFile`, and
//! replays of one file's tests under the failing run's seed, chosen by a test runner of bleed's.
//!
//! Jest shuffles the children of every describe block, in place, from one generator per test
//! file, whether or not their tests will run; and its JSON report walks that shuffled tree, so it
//! lists a file's tests in the order they ran. Running some tests of a file under the same seed
//! therefore runs them in the relative order they had in the full run. That is how a probe is
//! replayed. It cannot put tests in any other order, and it cannot put files in an order either
//! (Jest's sequencer decides), which does not matter because each file has its own module
//! registry and globals: bisecting stays within the victim's file.

mod command;
mod report;

use std::collections::BTreeMap;
use std::path::Path;

use super::node::{install_script, launch_halves, option_name, runs_under_node};
use super::{
    Adapter, Arranged, Capabilities, Invocation, RunResults, VictimCheck, accepts_appended_args,
    inline_order, scripted_order,
};
use crate::error::{Error, Result};
use crate::outcome::TestResult;
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders, quote};

use command::{
    LAUNCH_SCRIPT, SELECTING_OPTIONS, WATCH_OPTIONS, arguments, correct_example, has_option,
    is_jest, jest_position,
};
use report::{broken, parse_report};

pub struct Jest;

/// Between the file and the describe blocks and test of an id, as Jest prints them.
const SEPARATOR: &str = " › ";

impl Jest {
    /// `path › describe › test`: the file relative to the working directory, then the titles.
    pub fn test_id(file: &str, titles: &[String]) -> String {
        let mut id = file.to_string();
        for title in titles {
            id.push_str(SEPARATOR);
            id.push_str(title);
        }
        id
    }

    /// The file part of an id.
    fn file_of(id: &str) -> &str {
        id.split_once(SEPARATOR).map_or(id, |(file, _)| file)
    }

    /// The `-t` pattern that matches exactly these tests of one file (ids without the file):
    /// Jest matches it, case-insensitively, against the titles joined by spaces. A title that
    /// itself holds ` › ` is matched either way.
    pub fn name_pattern(names: &[&str]) -> String {
        let escaped: Vec<String> = names
            .iter()
            .map(|name| {
                let mut out = String::new();
                for c in name.chars() {
                    if ".*+?^${}()|[]\\/".contains(c) {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.split(SEPARATOR).collect::<Vec<_>>().join("(?: › | )")
            })
            .collect();
        format!("^(?:{})$", escaped.join("|"))
    }
}

impl Adapter for Jest {
    fn name(&self) -> &'static str {
        "jest"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        runs_under_node(invocation, is_jest)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "--randomize --seed=<seed> (added when missing): the tests of every describe block, in each file",
            explicit_order: "one file's tests (each file has its own modules), under the failing run's seed, chosen exactly by a test runner of bleed's wrapping jest-circus: sub-orders of that seed's order only",
            results: "--json --outputFile=<report> --testLocationInResults (added when missing), in run order",
            selector: "path/to/file.test.js › describe › test, twins … #2",
            versions: "≥ 29.5.0 (--randomize); tested on 29.7.0 and 30.5.2",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let text = user.as_str();
        let words = shell_words::split(text).unwrap_or_default();
        if has_option(&words, WATCH_OPTIONS) {
            return Err(Error::usage(format!(
                "the command watches for changes (--watch, --watchAll), so a run never ends: drop it, {}",
                correct_example()
            )));
        }
        if has_option(&words, &["--no-randomize"]) || words.iter().any(|w| w == "--randomize=false")
        {
            return Err(Error::usage(format!(
                "the command turns Jest's shuffling off, so the order would never change: {}",
                correct_example()
            )));
        }
        // Some options are needed to vary the order and read the results; the rest help: no
        // snapshot is written by one run and compared by the next, and locations give line
        // numbers and tell twins apart. The number of worker processes stays the user's: a test
        // run in band sees Jest's command line in process.argv, and `--runInBand` there broke a
        // suite that reads it.
        let mut additions = Vec::new();
        let mut needed = false;
        let mut add = |option: &'static str, is_needed: bool| {
            additions.push(option);
            needed |= is_needed;
        };
        if !has_option(&words, &["--ci", "--no-ci"]) {
            add("--ci", false);
        }
        if !has_option(&words, &["--randomize"]) {
            add("--randomize", true);
        }
        if !user.has(Placeholder::Seed) && !text.contains("BLEED_SEED") {
            if has_option(&words, &["--seed"]) {
                return Err(Error::usage(format!(
                    "the command fixes Jest's seed: write --seed=<seed> so each run gets its own, {}",
                    correct_example()
                )));
            }
            add("--seed=<seed>", true);
        }
        if !has_option(&words, &["--json"]) {
            add("--json", true);
        }
        if !user.has(Placeholder::Report) && !text.contains("BLEED_REPORT") {
            if has_option(&words, &["--outputFile"]) {
                return Err(Error::usage(format!(
                    "the command writes Jest's report to a fixed path: write --outputFile=<report> so each run gets its own, {}",
                    correct_example()
                )));
            }
            add("--outputFile=<report>", true);
        }
        if !has_option(&words, &["--testLocationInResults"]) {
            add("--testLocationInResults", false);
        }
        if !accepts_appended_args(text) {
            if needed {
                return Err(Error::usage(format!(
                    "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put them in it yourself, {}",
                    correct_example()
                )));
            }
            return Ok(user.clone());
        }
        let Some(start) = jest_position(&words) else {
            return Err(Error::usage(format!(
                "bleed runs Jest itself and finds it by the program's name, which the command does \
                 not have (a script such as npm test hides it): write the Jest command, {}",
                correct_example()
            )));
        };
        // Through the launcher, so that a test run in band sees the user's command line in
        // process.argv and none of bleed's options.
        let (mut command, user_words) = launch_halves(&words, start, &launcher()?);
        command.extend(additions.into_iter().map(String::from));
        command.push("--".to_string());
        command.extend(user_words);
        Template::parse(&join_keeping_placeholders(&command))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let launched = shell_words::split(hunt.as_str())
            .ok()
            .and_then(|words| Launched::split(&words).transpose())
            .transpose()?;
        let Some(launched) = launched else {
            return Err(Error::usage(format!(
                "bleed cannot derive a replay command from a compound Jest command: give --cmd as one \
                 simple Jest command, {}",
                correct_example()
            )));
        };
        let mut words = launched.launcher;
        words.extend(["--order", "<tests-file>"].map(String::from));
        words.extend(launched.options);
        words.push("--".to_string());
        let start = jest_position(&launched.command).unwrap_or(0);
        words.extend(launched.command[..=start].iter().cloned());
        for argument in arguments(&launched.command[start + 1..]) {
            let name = option_name(&argument.words[0]);
            if !argument.positional && !SELECTING_OPTIONS.contains(&name) {
                words.extend(argument.words.iter().cloned());
            }
        }
        Template::parse(&join_keeping_placeholders(&words))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        let text = match std::fs::read_to_string(report) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return broken(format!("no report was written at {}", report.display()));
            }
            Err(e) => {
                return broken(format!(
                    "cannot read the report at {}: {e}",
                    report.display()
                ));
            }
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        parse_report(&text, &cwd).unwrap_or_else(|problem| {
            broken(format!(
                "the report at {} is not Jest's JSON ({problem})",
                report.display()
            ))
        })
    }

    /// The Jest command without bleed's report options, with the order's `-t` pattern and file
    /// inline and the seed filled in.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let launched = shell_words::split(replay.as_str())
            .ok()
            .and_then(|words| Launched::split(&words).transpose())
            .transpose()?;
        let Some(launched) = launched else {
            // A replay command the user gave: bleed cannot tell its report options from the rest.
            return inline_order(replay, order, seed, Path::new("/tmp/bleed-report.json"));
        };
        let Some(first) = order.first() else {
            return Err(Error::usage("a reproducer needs at least one test"));
        };
        let file = Jest::file_of(first);
        if let Some(other) = order.iter().find(|id| Jest::file_of(id) != file) {
            return Err(Error::usage(format!(
                "a Jest reproducer runs the tests of one file, and this order has {file} and {}",
                Jest::file_of(other)
            )));
        }
        let names: Vec<&str> = order
            .iter()
            .map(|id| id.split_once(SEPARATOR).map_or("", |(_, name)| name))
            .collect();
        let mut words = launched.assignments;
        words.extend(launched.command);
        let mut options = launched.options.into_iter().peekable();
        while let Some(word) = options.next() {
            match word.as_str() {
                "--json" | "--testLocationInResults" | "--outputFile=<report>" => {}
                "--outputFile" if options.peek().is_some_and(|next| next == "<report>") => {
                    options.next();
                }
                _ => words.push(word),
            }
        }
        let command = Template::parse(&join_keeping_placeholders(&words))?.render(&Values {
            seed,
            ..Values::default()
        })?;
        let file = if file.starts_with('-') {
            format!("./{file}")
        } else {
            file.to_string()
        };
        Ok(format!(
            "{command} -t {} --runTestsByPath {}",
            quote(&Jest::name_pattern(&names)),
            quote(&file)
        ))
    }

    /// The reproducer with Jest's JSON report, which it writes beside its usual output.
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        let launched = shell_words::split(replay.as_str())
            .ok()
            .and_then(|words| Launched::split(&words).transpose())
            .transpose()?;
        if launched.is_none() {
            return scripted_order(replay, order, seed);
        }
        let command = self.reproducer(replay, order, seed)?;
        Ok(Some(format!(
            "{command} --json --outputFile=\"$report\" --testLocationInResults"
        )))
    }

    fn victim_check(&self, victim: &str, _name: Option<&str>) -> Option<VictimCheck> {
        Some(VictimCheck::program(
            "node",
            include_str!("outcome.js"),
            vec![("VICTIM", victim.to_string())],
        ))
    }

    fn warm_support(&self) -> &'static str {
        "no: Node cannot fork a running process, and reusing one process for several probes \
         would carry state from one probe into the next, the very thing bleed hunts; every probe \
         is a fresh run of the replay command"
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// `--randomize` and `--seed` arrived in Jest 29.5.0: an older Jest rejects them.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match super::parse_version(reported) {
            Some(version) if version < (29, 5, 0) => Err(format!(
                "Jest {} cannot shuffle its tests (--randomize arrived in Jest 29.5.0): upgrade \
                 Jest to 29.5 or later, e.g. npm install --save-dev jest@30",
                reported.trim()
            )),
            _ => Ok(()),
        }
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let words = shell_words::split(hunt.as_str()).ok()?;
        let words = match Launched::split(&words) {
            Ok(Some(launched)) => [launched.assignments, launched.command].concat(),
            _ => words,
        };
        let start = jest_position(&words)?;
        let mut command = words[..=start].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    /// Twins at one place carry the same title, file and line: only their run order tells
    /// them apart.
    fn indistinguishable(&self, results: &[TestResult]) -> Vec<Vec<String>> {
        let mut groups: BTreeMap<(&str, &str, u32), Vec<String>> = BTreeMap::new();
        for result in results {
            let (Some(file), Some(line)) = (result.file.as_deref(), result.line) else {
                continue;
            };
            groups
                .entry((file, report::twin_stem(&result.id), line))
                .or_default()
                .push(result.id.clone());
        }
        groups.into_values().filter(|ids| ids.len() > 1).collect()
    }

    fn arrangement(&self, _natural: &[TestResult]) -> std::result::Result<Arranged, String> {
        Err(
            "Jest runs a file's tests in the order of its --seed (bleed picks tests out of that \
             order, it cannot rearrange them), and each file with modules of its own"
                .to_string(),
        )
    }

    /// Each test file has its own module registry and globals, so only the victim's own file
    /// can have polluted it (see docs/runners/jest.md for what files still share).
    fn isolated(&self, candidate: &str, victim: &str) -> bool {
        Jest::file_of(candidate) != Jest::file_of(victim)
    }
}

/// bleed's launcher, written once under the system temp dir.
fn launcher() -> Result<std::path::PathBuf> {
    install_script("jest-launch", LAUNCH_SCRIPT)
}

/// A command made by `hunt_command` or `replay_command`: `[VAR=value …] node [node's options]
/// <launcher> [--order <tests-file>] <bleed's options> -- <the user's command>`.
struct Launched {
    assignments: Vec<String>,
    /// Everything up to and including the launcher.
    launcher: Vec<String>,
    /// bleed's options, without `--order <tests-file>`.
    options: Vec<String>,
    command: Vec<String>,
}

impl Launched {
    /// None for a command that does not run the launcher (one the user gave whole).
    fn split(words: &[String]) -> Result<Option<Launched>> {
        let script = launcher()?.display().to_string();
        let Some(at) = words.iter().position(|word| *word == script) else {
            return Ok(None);
        };
        let Some(dashes) = words[at..].iter().position(|word| word == "--") else {
            return Ok(None);
        };
        let node = words[..at]
            .iter()
            .rposition(|word| word == "node")
            .unwrap_or(0);
        let mut options = words[at + 1..at + dashes].to_vec();
        if options.first().is_some_and(|word| word == "--order") {
            options.drain(..2);
        }
        Ok(Some(Launched {
            assignments: words[..node].to_vec(),
            launcher: words[..=at].to_vec(),
            options,
            command: words[at + dashes + 1..].to_vec(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "it's \"quoted\" $(touch bleed-pwned)";

    fn template(text: &str) -> Template {
        Template::parse(text).unwrap()
    }

    #[test]
    fn recognises_jest_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Jest.recognises(&i));
        for yes in [
            "jest",
            "npx jest --ci",
            "node_modules/.bin/jest __tests__",
            "yarn jest",
            "pnpm exec jest",
            "CI=true npx jest",
            "node node_modules/jest/bin/jest.js",
            "node --expose-gc node_modules/.bin/jest",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "npm test",
            "npx mocha",
            "python3 -m pytest",
            "node server.js jest",
            "npx jest-junit",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_the_seed_and_report_options() {
        let launch = launcher().unwrap().display().to_string();
        let hunt = Jest.hunt_command(&template("npx jest")).unwrap();
        assert_eq!(
            hunt.as_str(),
            format!(
                "node {launch} --ci --randomize --seed=<seed> --json --outputFile=<report> \
                 --testLocationInResults -- npx jest"
            )
        );
        // What the user wrote stays theirs, after the launcher's `--`.
        let complete = "npx jest --ci --randomize --seed=<seed> -i --json --outputFile=<report> --testLocationInResults __tests__";
        assert_eq!(
            Jest.hunt_command(&template(complete)).unwrap().as_str(),
            format!("node {launch} -- {complete}")
        );
        assert_eq!(
            Jest.hunt_command(&template(
                "CI=1 exec node --expose-gc node_modules/.bin/jest -w 4 --seed <seed> --outputFile <report>"
            ))
            .unwrap()
            .as_str(),
            format!(
                "CI=1 node --expose-gc {launch} --ci --randomize --json --testLocationInResults -- \
                 node --expose-gc node_modules/.bin/jest -w 4 --seed <seed> --outputFile <report>"
            )
        );
    }

    #[test]
    fn a_compound_command_is_taken_as_is_when_it_has_what_bleed_needs() {
        let compound = "cd web && npx jest --randomize --seed=<seed> --json --outputFile=<report>";
        assert_eq!(
            Jest.hunt_command(&template(compound)).unwrap().as_str(),
            compound
        );
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_an_example() {
        for (command, hint) in [
            ("npx jest --randomize --seed=3", "--seed=<seed>"),
            ("npx jest --seed 3", "--seed=<seed>"),
            ("npx jest --no-randomize", "shuffling off"),
            (
                "npx jest --json --outputFile=out.json",
                "--outputFile=<report>",
            ),
            ("npx jest --watchAll", "never ends"),
            ("cd web && npx jest", "compound"),
            ("npm test", "write the Jest command"),
        ] {
            let error = Jest.hunt_command(&template(command)).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
            assert!(
                error
                    .message
                    .contains("--cmd \"npx jest --ci --randomize --seed=<seed>"),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn replay_runs_the_hunt_command_through_the_script_without_its_own_selection() {
        let hunt = Jest
            .hunt_command(&template(
                "CI=true time npx jest -c jest.config.js --roots src lib -t 'slow tests' --shard=1/2 --testPathPatterns a b -o __tests__/only",
            ))
            .unwrap();
        let replay = Jest.replay_command(&hunt).unwrap();
        assert_eq!(
            replay.as_str(),
            format!(
                "CI=true node {} --order <tests-file> --ci --randomize --seed=<seed> --json \
                 --outputFile=<report> --testLocationInResults -- npx jest -c jest.config.js --roots src lib",
                launcher().unwrap().display()
            )
        );
        assert!(
            Jest.replay_command(&template("cd web && npx jest"))
                .is_err()
        );
    }

    #[test]
    fn the_reproducer_is_the_jest_command_with_the_order_inline() {
        let replay = Jest
            .replay_command(&Jest.hunt_command(&template("npx jest")).unwrap())
            .unwrap();
        let order = [
            format!("__tests__/labels.test.js › banner (v2.*) › {HOSTILE}"),
            "__tests__/labels.test.js › defaults to \"Welcome\"".to_string(),
        ];
        assert_eq!(
            Jest.reproducer(&replay, &order, Some(19497)).unwrap(),
            "npx jest --ci --randomize --seed=19497 \
             -t '^(?:banner \\(v2\\.\\*\\)(?: › | )it'\\''s \"quoted\" \\$\\(touch bleed-pwned\\)|defaults to \"Welcome\")$' \
             --runTestsByPath __tests__/labels.test.js"
        );
        let mixed = ["a.test.js › x".to_string(), "b.test.js › y".to_string()];
        let error = Jest.reproducer(&replay, &mixed, Some(1)).unwrap_err();
        assert!(error.message.contains("one file"), "{}", error.message);
        assert_eq!(
            Jest.version_command(&template("CI=1 npx jest --ci"))
                .unwrap(),
            "CI=1 npx jest --version"
        );
    }

    #[test]
    fn a_given_replay_command_is_reproduced_whole() {
        let replay = template("npx jest --seed=<seed> --json --outputFile=<report> -t <tests>");
        assert_eq!(
            Jest.reproducer(&replay, &["a b".to_string()], Some(3))
                .unwrap(),
            "npx jest --seed=3 --json --outputFile=/tmp/bleed-report.json -t 'a b'"
        );
    }

    #[test]
    fn name_patterns_escape_every_regex_metacharacter() {
        assert_eq!(
            Jest::name_pattern(&["a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p", "plain"]),
            "^(?:a\\.b\\*c\\+d\\?e\\^f\\$g\\{h\\}i\\(j\\)k\\|l\\[m\\]n\\\\o\\/p|plain)$"
        );
    }

    #[test]
    fn files_are_isolated_from_each_other_and_tests_within_a_file_are_not() {
        let victim = "__tests__/a.test.js › block › victim";
        assert!(!Jest.isolated("__tests__/a.test.js › other", victim));
        assert!(Jest.isolated("__tests__/b.test.js › block › victim", victim));
        assert!(Jest.isolated("__tests__/a.test.jsx › other", victim));
    }

    #[test]
    fn a_jest_that_cannot_shuffle_is_refused_with_what_to_do() {
        let refusal = Jest.check_version("29.4.3").unwrap_err();
        assert!(refusal.contains("Jest 29.4.3"), "{refusal}");
        assert!(refusal.contains("upgrade Jest to 29.5"), "{refusal}");
        for supported in ["29.5.0", "29.7.0", "30.5.2"] {
            assert_eq!(Jest.check_version(supported), Ok(()));
        }
        assert_eq!(Jest.report_extension(), "json");
    }
}
