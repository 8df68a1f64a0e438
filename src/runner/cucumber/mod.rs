//! cucumber-ruby: seeded order from `--order random:<seed>`, results in execution order from the
//! JSON formatter (or the `message` NDJSON formatter of cucumber ≥ 4, when the command writes
//! that to `<report>` itself), explicit order from `--order defined` and `path.feature:LINE`
//! locations, which cucumber runs in the order given, across files and within them.
//!
//! A test is one scenario, or one example row of a scenario outline, and its id is the location
//! that selects exactly it: the scenario's line, or the row's line. The outline's own line would
//! select every row, and a background's line every scenario of the file.

mod command;
mod report;
mod warm;

use std::path::Path;

use super::ruby::{self, Arg, split_args};
use super::{
    Adapter, Capabilities, Generic, Invocation, RunResults, VictimCheck, Warm, parse_version,
    scripted_order,
};
use crate::error::{Error, Result};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};

use command::{
    GRAMMAR, NOT_REPLAYED, READABLE_FORMATS, corrected, format_writing_report, without_report,
};
use report::read_report;

pub struct Cucumber;

impl Adapter for Cucumber {
    fn name(&self) -> &'static str {
        "cucumber"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        invocation.program == "cucumber"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "--order random:<seed> (added when missing)",
            explicit_order: "--order defined with path.feature:LINE locations, run in the order given across and within files",
            results: "--format json --out <report> (added when missing); --format message NDJSON (cucumber ≥ 4) is read too",
            selector: "path.feature:LINE: the scenario's line, or the example row's line in an outline",
            versions: "cucumber-ruby ≥ 2.4; tested on 2.4.0",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let Some(invocation) = Invocation::parse(user.as_str()) else {
            if user.has(Placeholder::Seed) && user.has(Placeholder::Report) {
                return Ok(user.clone());
            }
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put \
                 --order random:<seed> and --format json --out <report> in it yourself, e.g. --cmd \
                 \"cd app && bundle exec cucumber --order random:<seed> --format json --out <report>\" \
                 (command given: {})",
                user.as_str()
            )));
        };
        let args = split_args(invocation.arguments(), &GRAMMAR);
        let correction = || corrected(&invocation, &args);
        if args.iter().any(|arg| arg.is("--dry-run")) {
            return Err(Error::usage(format!(
                "the command has --dry-run, which runs no step, so no scenario could fail: drop it, {}",
                correction()
            )));
        }
        let mut additions = Vec::new();
        match args.iter().rev().find(|arg| arg.is("--order")) {
            None => additions.push("--order random:<seed>"),
            Some(order) => {
                let value = order.value.as_deref().unwrap_or("");
                if !(value.starts_with("random:") && value.contains(Placeholder::Seed.token())) {
                    let why = match value {
                        "random" => {
                            "shuffles under a seed bleed cannot record (cucumber 2.4 even prints another one than it used)"
                        }
                        _ if value.starts_with("random:") => {
                            "fixes the seed, so every run would test the same order"
                        }
                        _ => "keeps the defined order, so the order would never change",
                    };
                    return Err(Error::usage(format!(
                        "--order {value} {why}: write --order random:<seed> so each run gets its own, {}",
                        correction()
                    )));
                }
            }
        }
        if !user.has(Placeholder::Report) {
            let chooses_output = args.iter().any(|arg| arg.is("--format") || arg.is("--out"));
            if !chooses_output {
                // Any --format replaces cucumber's default one: keep it, so the run's log reads
                // as the user's own runs do.
                additions.push("--format pretty");
            }
            additions.push("--format json --out <report>");
        } else if let Some(format) = format_writing_report(&args)
            && !READABLE_FORMATS.contains(&format.as_str())
        {
            let why = if format == "junit" {
                "cucumber's junit formatter writes one file per feature, which loses the order of the run across features"
            } else {
                "bleed reads cucumber's json (or message) output, which keeps the order of the run"
            };
            return Err(Error::usage(format!(
                "the command writes --format {format} to <report>, and {why}: leave <report> to bleed, which adds \
                 --format json --out <report>, {}",
                correction()
            )));
        }
        Ok(if additions.is_empty() {
            user.clone()
        } else {
            user.with_args(&additions.join(" "))
        })
    }

    fn listing_command(&self, hunt: &Template) -> Result<Template> {
        ruby::in_defined_order(self.name(), hunt, &GRAMMAR, &["--order"])
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let Some(invocation) = Invocation::parse(hunt.as_str()) else {
            return Err(Error::usage(
                "bleed cannot derive a replay command from a compound cucumber command: give one with \
                 --replay-cmd, e.g. --replay-cmd \"cd app && bundle exec cucumber --order defined \
                 --format json --out <report> <tests>\"",
            ));
        };
        if !self.recognises(&invocation) {
            return Err(Error::usage(
                "the command does not run cucumber: give --replay-cmd, or --runner generic",
            ));
        }
        let mut kept: Vec<String> = invocation.words[..invocation.args].to_vec();
        for arg in split_args(invocation.arguments(), &GRAMMAR) {
            let keep = match arg.option.as_deref() {
                Some(option) => !NOT_REPLAYED.contains(&option),
                // Feature paths give way to the locations; NAME=value words are environment.
                None => is_environment_assignment(&arg.words[0]),
            };
            if keep {
                kept.extend(arg.words);
            }
        }
        let mut command = join_keeping_placeholders(&kept);
        command.push_str(" --order defined <tests>");
        Template::parse(&command)
    }

    fn read_results(&self, report: &Path) -> RunResults {
        read_report(report)
    }

    /// cucumber reads locations from `@FILE`, one a line (what it calls a rerun file), and runs
    /// them in the order given, as it does locations given as arguments.
    fn order_from_file(&self, replay: &Template) -> Option<Template> {
        let tests = Placeholder::Tests.token();
        let invocation = Invocation::parse(replay.as_str())?;
        if !invocation.arguments().iter().any(|word| word == tests) {
            return None;
        }
        let file = format!("@{}", Placeholder::TestsFile.token());
        Template::parse(&replay.as_str().replace(tests, &file)).ok()
    }

    /// The replay command without bleed's report, with the order inline.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let invocation =
            Invocation::parse(replay.as_str()).filter(|_| !replay.has(Placeholder::TestsFile));
        let Some(invocation) = invocation else {
            // A --replay-cmd written by hand is shown whole, as bleed runs it: the generic
            // adapter keeps the trait's way of doing that.
            return Generic.reproducer(replay, order, seed);
        };
        let args = split_args(invocation.arguments(), &GRAMMAR);
        let mut kept = without_report(&args);
        // `--format pretty` alone is cucumber's default, spelled out by hunt_command.
        let outputs: Vec<&&Arg> = kept
            .iter()
            .filter(|arg| arg.is("--format") || arg.is("--out"))
            .collect();
        if let [only] = outputs.as_slice()
            && only.is("--format")
            && only.value.as_deref() == Some("pretty")
        {
            kept.retain(|arg| !arg.is("--format"));
        }
        let mut words: Vec<String> = invocation.words[..invocation.args].to_vec();
        words.extend(kept.iter().flat_map(|arg| arg.words.iter().cloned()));
        Template::parse(&join_keeping_placeholders(&words))?.render(&Values {
            seed,
            tests: Some(order),
            ..Values::default()
        })
    }

    /// The reproducer with cucumber's JSON report, and the `pretty` output cucumber prints by
    /// default kept where the command chooses no format of its own (any `--format` replaces it).
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        let derived =
            Invocation::parse(replay.as_str()).filter(|_| !replay.has(Placeholder::TestsFile));
        if derived.is_none() {
            return scripted_order(replay, order, seed);
        }
        let command = self.reproducer(replay, order, seed)?;
        Ok(Some(ruby::with_json_report(&command, "pretty")))
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

    fn report_extension(&self) -> &'static str {
        "json"
    }

    fn warm_support(&self) -> &'static str {
        "yes (cucumber 2.4): a Ruby server loads the support code and step definitions once, then forks a \
         child per probe that runs its scenarios with cucumber's own runtime; Bleed.after_fork { ... } in \
         features/support reopens what the fork shares"
    }

    /// A server that boots as the replay command would. Whether it knows this cucumber is told by
    /// the server itself, once it has loaded cucumber: it answers with an error, and bleed probes
    /// cold.
    fn warm(&self, hunt: &Template, replay: &Template, _scratch: &Path) -> Result<Option<Warm>> {
        let command = warm::server_command(hunt, replay)?;
        Ok(Some(Warm::Server { command }))
    }

    /// `cucumber --version` prints the bare version (`2.4.0`, `9.2.0`).
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            Some((major, minor, _)) if (major, minor) < (2, 4) => Err(format!(
                "bleed needs cucumber-ruby 2.4 or later, and cucumber --version says {reported}: \
                 before 2.4, --order random:N kept each feature's scenarios together and shuffled \
                 differently on each platform (1.x has no --order at all), so a seed from CI would \
                 not replay here; upgrade cucumber, or use --runner generic with your own --cmd and \
                 --replay-cmd"
            )),
            _ => Ok(()),
        }
    }
}

fn is_environment_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hunt(command: &str) -> Result<Template> {
        Cucumber.hunt_command(&Template::parse(command).unwrap())
    }

    fn replay_of(command: &str) -> String {
        let hunt = hunt(command).unwrap();
        Cucumber.replay_command(&hunt).unwrap().as_str().to_string()
    }

    const HOSTILE: &str = "features/it's \"quoted\" $(touch bleed-pwned).feature:3";

    #[test]
    fn versions_from_2_4_on_are_accepted_and_older_ones_refused_with_what_to_do() {
        for accepted in ["2.4.0", "3.1.2", "9.2.0", "11.1.1"] {
            assert_eq!(Cucumber.check_version(accepted), Ok(()), "{accepted}");
        }
        for refused in ["2.3.3", "2.0.0", "1.3.20"] {
            let error = Cucumber.check_version(refused).unwrap_err();
            assert!(
                error.contains(&format!("says {refused}")) && error.contains("upgrade cucumber"),
                "{error}"
            );
            assert!(error.contains("--runner generic"), "{error}");
        }
    }

    #[test]
    fn recognises_cucumber_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Cucumber.recognises(&i));
        for yes in [
            "cucumber",
            "cucumber --order random:<seed>",
            "bundle exec cucumber --tags @smoke",
            "bin/cucumber features",
            "env RAILS_ENV=test bundle exec cucumber",
            "/usr/bin/cucumber -p ci",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "cucumber-js",
            "npx cucumber-js --format json:<report>",
            "rspec --seed <seed>",
            "echo cucumber",
            "cd app && cucumber",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_a_seeded_order_and_a_json_report() {
        assert_eq!(
            hunt("cucumber --order random:<seed>").unwrap().as_str(),
            "cucumber --order random:<seed> --format pretty --format json --out <report>"
        );
        assert_eq!(
            hunt("bundle exec cucumber features").unwrap().as_str(),
            "bundle exec cucumber features --order random:<seed> --format pretty --format json --out <report>"
        );
        // The user's own output stays as it is; only the report is added.
        assert_eq!(
            hunt("cucumber -f progress --tags @fast").unwrap().as_str(),
            "cucumber -f progress --tags @fast --order random:<seed> --format json --out <report>"
        );
        for complete in [
            "cucumber --order random:<seed> --format json --out <report>",
            "cucumber --order=random:<seed> -f message -o <report>",
            "cd app && cucumber --order random:<seed> --format json --out <report>",
        ] {
            assert_eq!(hunt(complete).unwrap().as_str(), complete);
        }
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_a_corrected_example() {
        for (command, hint, example) in [
            (
                "bundle exec cucumber --order random:5 features",
                "fixes the seed",
                "e.g. --cmd \"bundle exec cucumber features --order random:<seed>\"",
            ),
            (
                "cucumber --order random",
                "cannot record",
                "e.g. --cmd \"cucumber --order random:<seed>\"",
            ),
            (
                "cucumber --order=defined -t @a",
                "never change",
                "e.g. --cmd \"cucumber -t @a --order random:<seed>\"",
            ),
            (
                "cucumber -d",
                "--dry-run",
                "e.g. --cmd \"cucumber --order random:<seed>\"",
            ),
            (
                "cucumber --order random:<seed> --format junit --out <report>",
                "one file per feature",
                "e.g. --cmd \"cucumber --order random:<seed>\"",
            ),
            (
                "cucumber -f progress -f html -o <report>",
                "keeps the order",
                "e.g. --cmd \"cucumber -f progress --order random:<seed>\"",
            ),
            (
                "cd app && cucumber",
                "compound",
                "--order random:<seed> --format json --out <report>",
            ),
        ] {
            let error = hunt(command).unwrap_err();
            assert!(
                error.message.contains(hint) && error.message.contains(example),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn replay_runs_the_locations_in_defined_order_and_keeps_the_rest() {
        assert_eq!(
            replay_of("cucumber --order random:<seed>"),
            "cucumber --format pretty --format json --out <report> --order defined <tests>"
        );
        assert_eq!(
            replay_of(
                "bundle exec cucumber --order random:<seed> --tags '@a and not @b' -r features \
                 features/checkout.feature @rerun.txt RAILS_ENV=test --fail-fast --retry 2 -l 12 -p ci \
                 -f progress -o progress.txt"
            ),
            "bundle exec cucumber --tags '@a and not @b' -r features RAILS_ENV=test -p ci \
             -f progress -o progress.txt --format json --out <report> --order defined <tests>"
        );
    }

    #[test]
    fn a_long_order_is_read_from_a_rerun_file() {
        let replay = Template::parse(&replay_of("cucumber --order random:<seed>")).unwrap();
        assert_eq!(
            Cucumber.order_from_file(&replay).unwrap().as_str(),
            "cucumber --format pretty --format json --out <report> --order defined @<tests-file>"
        );
        let by_hand = Template::parse("cd app && cucumber -f json -o <report> <tests>").unwrap();
        assert_eq!(Cucumber.order_from_file(&by_hand), None);
    }

    #[test]
    fn replay_needs_a_simple_cucumber_command() {
        let compound = Template::parse(
            "cd app && cucumber --order random:<seed> --format json --out <report>",
        )
        .unwrap();
        let error = Cucumber.replay_command(&compound).unwrap_err();
        assert!(error.message.contains("--replay-cmd"), "{}", error.message);
        let other = Template::parse("rspec --seed <seed>").unwrap();
        assert!(Cucumber.replay_command(&other).is_err());
    }

    #[test]
    fn the_reproducer_is_the_replay_without_bleeds_report_and_with_the_order_inline() {
        let order = vec![
            HOSTILE.to_string(),
            "features/checkout.feature:12".to_string(),
        ];
        let replay = Template::parse(&replay_of("cucumber --order random:<seed>")).unwrap();
        assert_eq!(
            Cucumber.reproducer(&replay, &order, Some(19497)).unwrap(),
            "cucumber --order defined 'features/it'\\''s \"quoted\" $(touch bleed-pwned).feature:3' \
             features/checkout.feature:12"
        );
        let replay = Template::parse(&replay_of("bundle exec cucumber -f progress")).unwrap();
        assert_eq!(
            Cucumber.reproducer(&replay, &order[1..], None).unwrap(),
            "bundle exec cucumber -f progress --order defined features/checkout.feature:12"
        );
        let by_hand = Template::parse("cd app && cucumber -f json -o <report> <tests>").unwrap();
        assert_eq!(
            Cucumber.reproducer(&by_hand, &order[1..], None).unwrap(),
            "cd app && cucumber -f json -o /tmp/bleed-report.xml features/checkout.feature:12"
        );
        assert_eq!(
            Cucumber
                .version_command(&Template::parse("bundle exec cucumber -p ci").unwrap())
                .unwrap(),
            "bundle exec cucumber --version"
        );
    }

    #[test]
    fn options_are_told_from_feature_paths_in_every_spelling() {
        let words: Vec<String> = [
            "--format=json",
            "-fjson",
            "-o",
            "-t",
            "@a",
            "--out",
            "x.json",
            "features",
            "--",
            "-x",
        ]
        .map(String::from)
        .into();
        let args = split_args(&words, &GRAMMAR);
        let shape: Vec<(Option<&str>, Option<&str>)> = args
            .iter()
            .map(|a| (a.option.as_deref(), a.value.as_deref()))
            .collect();
        assert_eq!(
            shape,
            [
                (Some("--format"), Some("json")),
                (Some("--format"), Some("json")),
                (Some("--out"), None),
                (Some("--tags"), Some("@a")),
                (Some("--out"), Some("x.json")),
                (None, None),
                (None, None),
                (None, None),
            ]
        );
    }
}
