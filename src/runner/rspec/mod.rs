//! RSpec 3: seeded order from `--seed <seed>`, results in execution order from the JSON
//! formatter, explicit order through a small Ruby helper that bleed writes and RSpec loads with
//! `--require`.
//!
//! A test is one example, and its id is the one RSpec prints and accepts back:
//! `./spec/cart_spec.rb[1:2]`, the spec file and the example's place among its group's examples
//! and nested groups. Descriptions never reach a shell or a filter.
//!
//! RSpec runs an example group as a block: its own examples, then its nested groups, each whole.
//! `--seed` sorts every level by a hash of seed and id, so any subset of a seeded run keeps its
//! relative order under the same seed; `--order defined` runs files in the order named and each
//! file as written. Neither can run the orders a cleaner search asks for, so probes go through a
//! global ordering of bleed's that runs any order RSpec's nesting allows and stops the run,
//! saying why, on one that would split a group.

mod command;
mod report;
mod warm;

use std::path::Path;

use super::ruby::{self, split_args};
use super::{
    Adapter, Arranged, Capabilities, Generic, Invocation, RunResults, VictimCheck, Warm,
    parse_version, scripted_order,
};
use crate::error::{Error, Result};
use crate::outcome::TestResult;
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};
use command::{
    GRAMMAR, NOT_REPLAYED, ORDER_VARIABLE, REFUSED, correction, defined_order, install_helper,
    replay_tail, report_format, seed_additions, split_replay, splits_a_group,
};
use report::read_report;

pub struct Rspec;

impl Adapter for Rspec {
    fn name(&self) -> &'static str {
        "rspec"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        invocation.program == "rspec"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "--seed <seed> (added when missing)",
            explicit_order: "example ids in the order listed, by a global ordering bleed loads with --require; \
                             an order that splits an example group is refused",
            results: "JSON formatter: --format json --out <report> (added when missing)",
            selector: "example id: ./spec/cart_spec.rb[1:2]",
            versions: "rspec-core ≥ 3.6, < 4; tested on 3.12.0",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let invocation = Invocation::parse(user.as_str());
        let args = invocation
            .as_ref()
            .map(|invocation| split_args(invocation.arguments(), &GRAMMAR))
            .unwrap_or_default();
        for (option, why) in REFUSED {
            if args.iter().any(|arg| arg.is(option)) {
                return Err(Error::usage(format!(
                    "bleed cannot hunt with {option}: {why}; {}",
                    correction()
                )));
            }
        }
        let seed = seed_additions(user, &args)?;
        if user.has(Placeholder::Report)
            && let Some(format) = report_format(&args)
            && !matches!(format, "j" | "json")
        {
            return Err(Error::usage(format!(
                "the command writes --format {format} to <report>, and bleed reads RSpec's JSON \
                 formatter, the only one that carries the example ids RSpec accepts back: leave \
                 <report> to bleed, which adds --format json --out <report>, {}",
                correction()
            )));
        }
        let report = (!user.has(Placeholder::Report)).then_some("--format json --out <report>");
        if seed.is_none() && report.is_none() {
            // Complete already; a compound command (whose options bleed cannot see) ends here too.
            return Ok(user.clone());
        }
        if invocation.is_none() {
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put \
                 --seed <seed> and --format json --out <report> in it yourself, {}",
                correction()
            )));
        }
        let mut additions: Vec<&str> = seed.into_iter().collect();
        // A `--fail-fast` in .rspec would end each run at its first failure, and the examples
        // after it would never be seen to flip; one on the command line is the user's choice.
        if !args
            .iter()
            .any(|arg| arg.is("--fail-fast") || arg.is("--no-fail-fast"))
        {
            additions.push("--no-fail-fast");
        }
        // A --format on the command line replaces every formatter of .rspec (RSpec merges its
        // option sources key by key), so without one of the user's, the run's log would be
        // silent: `progress` is what rspec prints by default, failures and load errors included.
        if report.is_some() && !args.iter().any(|arg| arg.is("--format")) {
            additions.push("--format progress");
        }
        additions.extend(report);
        Ok(user.with_args(&additions.join(" ")))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let Some(invocation) = Invocation::parse(hunt.as_str()) else {
            return Err(Error::usage(
                "bleed cannot derive a replay command from a compound rspec command: give one with \
                 --replay-cmd that runs the example ids <tests> and writes --format json --out <report>, \
                 e.g. --replay-cmd \"cd app && bundle exec rspec --order defined --format json --out <report> <tests>\" \
                 (it keeps the order only where --order defined does: files in the order named, each as written)",
            ));
        };
        if !self.recognises(&invocation) {
            return Err(Error::usage(
                "the command does not run rspec: give --replay-cmd, or --runner generic",
            ));
        }
        let helper = install_helper()?;
        let mut words = vec![format!(
            "{ORDER_VARIABLE}={}",
            Placeholder::TestsFile.token()
        )];
        words.extend_from_slice(&invocation.words[..invocation.args]);
        for arg in split_args(invocation.arguments(), &GRAMMAR) {
            let replayed = arg
                .option
                .as_deref()
                .is_some_and(|option| !NOT_REPLAYED.contains(&option));
            if replayed {
                words.extend(arg.words);
            }
        }
        words.extend(replay_tail(&helper.display().to_string()));
        words.push(Placeholder::Report.token().to_string());
        Template::parse(&join_keeping_placeholders(&words))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        read_report(report)
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// The replay without bleed's helper and report: `--seed` when the order comes from a seeded
    /// run (a subset of it keeps its order under the same seed), `--order defined` when that runs
    /// it, and bleed's helper only for an order neither can.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let Some((user_words, helper)) = split_replay(replay) else {
            // A --replay-cmd written by hand is shown whole, as bleed runs it: the generic
            // adapter keeps the trait's way of doing that.
            return Generic.reproducer(replay, order, seed);
        };
        let mut words = user_words;
        match seed {
            Some(seed) => words.extend(["--seed".to_string(), seed.to_string()]),
            None if defined_order(order).as_deref() == Some(order) => {
                words.extend(["--order".to_string(), "defined".to_string()]);
            }
            None => {
                let mut helper_words = vec![format!(
                    "{ORDER_VARIABLE}={}",
                    Placeholder::TestsFile.token()
                )];
                helper_words.extend(words);
                helper_words.extend(["--order", "defined", "--require"].map(String::from));
                helper_words.push(helper);
                let template = Template::parse(&join_keeping_placeholders(&helper_words))?;
                return Generic.reproducer(&template, order, None);
            }
        }
        words.push(Placeholder::Tests.token().to_string());
        Template::parse(&join_keeping_placeholders(&words))?.render(&Values {
            seed,
            tests: Some(order),
            worker: Some(1),
            ..Values::default()
        })
    }

    /// The reproducer with RSpec's JSON report, and the `progress` output rspec prints by
    /// default kept where the command chooses no format of its own (any `--format` on the
    /// command line replaces the formatters of `.rspec`).
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        if split_replay(replay).is_none() {
            return scripted_order(replay, order, seed);
        }
        let command = self.reproducer(replay, order, seed)?;
        Ok(Some(ruby::with_json_report(&command, "progress")))
    }

    fn victim_check(&self, victim: &str, name: Option<&str>) -> Option<VictimCheck> {
        let mut env = vec![("VICTIM", victim.to_string())];
        env.extend(name.map(|name| ("VICTIM_NAME", name.to_string())));
        Some(VictimCheck::program(
            "ruby",
            include_str!("outcome.rb"),
            env,
        ))
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let invocation = Invocation::parse(hunt.as_str())?;
        let mut command = invocation.words[..invocation.args].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    /// `rspec --version` prints `RSpec 3.12` (rspec-core's major.minor) first since rspec-core
    /// 3.6, and rspec-core's bare version (`3.5.4`) before.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            None => Ok(()),
            Some((3, minor, _)) if minor >= 6 => Ok(()),
            Some((major, ..)) if major >= 4 => Err(format!(
                "bleed supports RSpec 3 (rspec-core 3.6 and later), and rspec --version says \
                 {reported}: its ordering helper relies on rspec-core 3's internals; run the suite \
                 with RSpec 3, or use --runner generic with your own --cmd and --replay-cmd"
            )),
            Some(_) => Err(format!(
                "bleed needs rspec-core 3.6 or later, the first whose JSON report names each \
                 example by an id it accepts back, and rspec --version says {reported}: upgrade \
                 (gem \"rspec\", \"~> 3.6\"), or use --runner generic with your own --cmd and \
                 --replay-cmd"
            )),
        }
    }

    fn unrunnable_order(&self, order: &[String]) -> Option<String> {
        splits_a_group(order)
    }

    fn arrangement(&self, natural: &[TestResult]) -> std::result::Result<Arranged, String> {
        let ids: Vec<String> = natural.iter().map(|result| result.id.clone()).collect();
        let arrangement = command::arrangement(&ids).ok_or_else(|| {
            "its report gave ids that are not RSpec example ids (./spec/a_spec.rb[1:2])".to_string()
        })?;
        Ok(Arranged {
            arrangement,
            kept_together: Some("each example group, its own examples before its nested groups"),
        })
    }

    fn listing_command(&self, hunt: &Template) -> Result<Template> {
        ruby::in_defined_order(self.name(), hunt, &GRAMMAR, &["--seed", "--order"])
    }

    fn warm_support(&self) -> &'static str {
        "yes: a Ruby server loads spec_helper and the --requires once, then forks a child per \
         probe that loads the spec files it names and runs them with RSpec's runner \
         (Bleed.after_fork in spec_helper redoes what a fork cannot share)"
    }

    fn warm(&self, hunt: &Template, replay: &Template, _scratch: &Path) -> Result<Option<Warm>> {
        let command = warm::server_command(hunt, replay)?;
        Ok(Some(Warm::Server { command }))
    }
}

#[cfg(test)]
mod tests {
    use super::command::ORDER_HELPER;
    use std::fs;

    use super::*;

    fn hunt(command: &str) -> Result<Template> {
        Rspec.hunt_command(&Template::parse(command).unwrap())
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn recognises_rspec_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Rspec.recognises(&i));
        for yes in [
            "rspec",
            "bundle exec rspec spec/models",
            "bin/rspec --seed <seed>",
            "env RAILS_ENV=test bundle exec rspec",
            "RAILS_ENV=test ./bin/rspec -fd",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "rake spec",
            "cucumber --order random:<seed>",
            "python3 -m pytest",
            "rspec-queue spec",
            "mytool --rspec",
        ] {
            assert!(!recognised(no), "{no}");
        }
        assert_eq!(
            super::super::select("bundle exec rspec", None)
                .unwrap()
                .name(),
            "rspec"
        );
    }

    #[test]
    fn a_bare_command_gets_a_seed_and_a_report_and_keeps_a_readable_log() {
        for (user, completed) in [
            (
                "rspec",
                "rspec --seed <seed> --no-fail-fast --format progress --format json --out <report>",
            ),
            (
                "bundle exec rspec spec/models --order random",
                "bundle exec rspec spec/models --order random --seed <seed> --no-fail-fast --format progress --format json --out <report>",
            ),
            (
                "bin/rspec -fd --fail-fast",
                "bin/rspec -fd --fail-fast --seed <seed> --format json --out <report>",
            ),
            (
                "rspec --seed <seed> --format json --out <report>",
                "rspec --seed <seed> --format json --out <report>",
            ),
            (
                "rspec --order rand:<seed> -fj -o <report> --no-fail-fast spec",
                "rspec --order rand:<seed> -fj -o <report> --no-fail-fast spec",
            ),
            (
                "cd app && rspec --seed=<seed> --format json --out=<report>",
                "cd app && rspec --seed=<seed> --format json --out=<report>",
            ),
        ] {
            assert_eq!(hunt(user).unwrap().as_str(), completed, "{user}");
        }
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_a_corrected_example() {
        for (command, hint) in [
            ("rspec --seed 42", "fixes RSpec's seed (--seed 42)"),
            ("rspec --order defined", "--order defined"),
            (
                "rspec --seed <seed> --order recently-modified",
                "--order recently-modified",
            ),
            ("rspec --order rand:42", "--order rand:<seed>"),
            (
                "rspec --seed <seed> --format RspecJunitFormatter --out <report>",
                "--format RspecJunitFormatter to <report>",
            ),
            (
                "rspec --seed <seed> --out <report>",
                "--format progress to <report>",
            ),
            ("rspec --only-failures", "--only-failures"),
            ("rspec -n", "--next-failure"),
            ("rspec --dry-run", "--dry-run"),
            ("cd app && rspec", "compound"),
        ] {
            let error = hunt(command).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
            assert!(
                error.message.contains("--cmd \"bundle exec rspec\""),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn options_are_split_from_their_values_and_paths() {
        let words: Vec<String> = [
            "-fj",
            "--out=r.json",
            "-p",
            "5",
            "--profile",
            "spec",
            "-t",
            "~slow",
            "-Ilib",
            "--",
            "-weird_spec.rb",
        ]
        .map(String::from)
        .into();
        let args = split_args(&words, &GRAMMAR);
        let shape: Vec<(Option<&str>, Option<&str>, usize)> = args
            .iter()
            .map(|a| (a.option.as_deref(), a.value.as_deref(), a.words.len()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some("--format"), Some("j"), 1),
                (Some("--out"), Some("r.json"), 1),
                (Some("--profile"), Some("5"), 2),
                (Some("--profile"), None, 1),
                (None, None, 1),
                (Some("--tag"), Some("~slow"), 2),
                (Some("-I"), Some("lib"), 1),
                (None, None, 1),
                (None, None, 1),
            ]
        );
    }

    fn replay_of(hunt_command: &str) -> (Template, String) {
        let replay = Rspec
            .replay_command(&Template::parse(hunt_command).unwrap())
            .unwrap();
        let helper = install_helper().unwrap().display().to_string();
        (replay, helper)
    }

    #[test]
    fn replay_runs_the_listed_ids_through_the_helper_and_keeps_the_users_options() {
        let (replay, helper) = replay_of(
            "bundle exec rspec -I lib --tag ~slow --seed <seed> --fail-fast -f d --format json \
             --out <report> spec/models './spec/x_spec.rb[1:2]' -- spec/y",
        );
        assert_eq!(
            replay.as_str(),
            format!(
                "BLEED_TESTS_FILE=<tests-file> bundle exec rspec -I lib --tag '~slow' --order defined \
                 --require {helper} --no-fail-fast --format progress --format json --out <report>"
            )
        );
        assert!(
            helper.contains("bleed-rspec-order-"),
            "the helper sits in the temp dir: {helper}"
        );
    }

    #[test]
    fn replay_needs_a_simple_rspec_command() {
        let compound = Rspec
            .replay_command(&Template::parse("cd app && rspec --seed <seed>").unwrap())
            .unwrap_err();
        assert!(
            compound.message.contains("--replay-cmd"),
            "{}",
            compound.message
        );
        let other = Rspec
            .replay_command(&Template::parse("rake spec").unwrap())
            .unwrap_err();
        assert!(
            other.message.contains("does not run rspec"),
            "{}",
            other.message
        );
    }

    #[test]
    fn the_helper_is_written_once() {
        let first = install_helper().unwrap();
        assert_eq!(install_helper().unwrap(), first);
        assert_eq!(fs::read_to_string(&first).unwrap(), ORDER_HELPER);
    }

    #[test]
    fn the_reproducer_is_plain_rspec_whenever_rspec_alone_runs_the_order() {
        let (replay, helper) = replay_of("bundle exec rspec -I lib --seed <seed> spec");
        let hostile = "./spec/it's \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]";
        let order = ids(&[hostile, "./spec/cart_spec.rb[1:1]"]);
        assert_eq!(
            Rspec.reproducer(&replay, &order, Some(19497)).unwrap(),
            "bundle exec rspec -I lib --seed 19497 './spec/it'\\''s \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]' './spec/cart_spec.rb[1:1]'"
        );
        assert_eq!(
            Rspec.reproducer(&replay, &order, None).unwrap(),
            "bundle exec rspec -I lib --order defined './spec/it'\\''s \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]' './spec/cart_spec.rb[1:1]'"
        );
        // Without a seed, an order against the file's definition needs the helper.
        let against_definition = ids(&["./spec/cart_spec.rb[1:2]", "./spec/cart_spec.rb[1:1]"]);
        assert_eq!(
            Rspec
                .reproducer(&replay, &against_definition, None)
                .unwrap(),
            format!(
                "printf '%s\\n' './spec/cart_spec.rb[1:2]' './spec/cart_spec.rb[1:1]' > /tmp/bleed-order.txt && \
                 BLEED_TESTS_FILE=/tmp/bleed-order.txt bundle exec rspec -I lib --order defined --require {helper}"
            )
        );
        let by_hand =
            Template::parse("rspec --order defined --format json --out <report> <tests>").unwrap();
        assert_eq!(
            Rspec
                .reproducer(&by_hand, &against_definition, None)
                .unwrap(),
            "rspec --order defined --format json --out /tmp/bleed-report.xml './spec/cart_spec.rb[1:2]' './spec/cart_spec.rb[1:1]'"
        );
    }

    #[test]
    fn defined_order_is_files_as_named_and_each_file_as_written() {
        let named = ids(&[
            "./spec/b_spec.rb[1:2]",
            "./spec/a_spec.rb[1:3:1]",
            "spec/b_spec.rb[1:1]",
            "./spec/a_spec.rb[2:1]",
            "./spec/a_spec.rb[1:4]",
            "./spec/a_spec.rb[1:1]",
        ]);
        assert_eq!(
            defined_order(&named).unwrap(),
            ids(&[
                "spec/b_spec.rb[1:1]",
                "./spec/b_spec.rb[1:2]",
                // a group's own examples run before its nested group's, whatever their numbers
                "./spec/a_spec.rb[1:1]",
                "./spec/a_spec.rb[1:4]",
                "./spec/a_spec.rb[1:3:1]",
                "./spec/a_spec.rb[2:1]",
            ])
        );
        assert_eq!(defined_order(&ids(&["spec/a_spec.rb:12"])), None);
    }

    #[test]
    fn orders_that_split_a_group_are_refused_before_they_run() {
        for runnable in [
            // A seeded run's order: top-level groups of several files interleave, each whole.
            &[
                "./spec/b_spec.rb[2:1]",
                "./spec/a_spec.rb[1:2]",
                "./spec/a_spec.rb[1:1]",
                "./spec/a_spec.rb[1:3:2]",
                "./spec/a_spec.rb[1:3:1]",
                "./spec/b_spec.rb[1:1]",
            ][..],
            // Nested groups in any order, after their parent's own examples.
            &[
                "./spec/a_spec.rb[1:4:1:1]",
                "./spec/a_spec.rb[1:3:1]",
                "spec/b_spec.rb[1:1]",
            ],
            &["./spec/a_spec.rb[1:1]"],
            // Not example ids: the helper says what is wrong with them.
            &[
                "./spec/a_spec.rb[1:1]",
                "./spec/b_spec.rb:3",
                "./spec/a_spec.rb[1:2]",
            ],
        ] {
            assert_eq!(Rspec.unrunnable_order(&ids(runnable)), None, "{runnable:?}");
        }
        for (order, listed_early, runs_first) in [
            (
                &[
                    "./spec/grouped_spec.rb[1:1]",
                    "./spec/other_spec.rb[1:1]",
                    "./spec/grouped_spec.rb[1:2]",
                ][..],
                "./spec/other_spec.rb[1:1]",
                "./spec/grouped_spec.rb[1:2]",
            ),
            // A nested group's example before one of its parent's own.
            (
                &["./spec/a_spec.rb[1:3:1]", "./spec/a_spec.rb[1:1]"],
                "./spec/a_spec.rb[1:3:1]",
                "./spec/a_spec.rb[1:1]",
            ),
            // Two examples of one nested group with its sibling group between them.
            (
                &[
                    "./spec/a_spec.rb[1:2:1]",
                    "./spec/a_spec.rb[1:3:1]",
                    "./spec/a_spec.rb[1:2:2]",
                ],
                "./spec/a_spec.rb[1:3:1]",
                "./spec/a_spec.rb[1:2:2]",
            ),
        ] {
            let reason = Rspec.unrunnable_order(&ids(order)).expect("refused");
            assert!(
                reason.starts_with(&format!(
                    "RSpec cannot run the examples in the order listed: {listed_early} is listed \
                     before {runs_first}, but RSpec would run {runs_first} first"
                )),
                "{order:?}: {reason}"
            );
        }
    }

    #[test]
    fn versions_from_3_6_on_are_accepted_and_others_refused_with_what_to_do() {
        // What `rspec --version` prints first: rspec-core's major.minor since 3.6, its bare
        // version before.
        for accepted in [
            "RSpec 3.12",
            "RSpec 3.6",
            "RSpec 3.13",
            "Resolving dependencies...",
        ] {
            assert_eq!(Rspec.check_version(accepted), Ok(()), "{accepted}");
        }
        for (refused, hint) in [
            ("3.5.4", "upgrade"),
            ("3.1.7", "upgrade"),
            ("2.14.8", "upgrade"),
            ("RSpec 4.0", "run the suite with RSpec 3"),
        ] {
            let error = Rspec.check_version(refused).unwrap_err();
            assert!(
                error.contains(&format!("says {refused}")) && error.contains(hint),
                "{refused}: {error}"
            );
            assert!(error.contains("--runner generic"), "{error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn version_is_asked_of_the_same_rspec() {
        assert_eq!(
            Rspec
                .version_command(&Template::parse("bundle exec rspec --seed <seed> spec").unwrap())
                .unwrap(),
            "bundle exec rspec --version"
        );
    }
}
