//! go test: seeded order from `-shuffle=<seed>`, results from the `go test -json` event stream
//! sent to `<report>`, and probes replayed as a `-run` filter under the failing run's seed.
//!
//! Go shuffles a package's whole list of top-level tests with the seed and only then lets `-run`
//! filter it (`testing.(*M).Run`, go1.19), so a subset of a seeded order runs in the same
//! relative order under the same seed. That is the only order a probe can impose: go has no way
//! to run tests in an order of the caller's choosing. Subtests always run in source order inside
//! their test, so the top-level test is both the unit of order and the unit of ids.

mod command;
mod report;
mod warm;

use std::path::Path;

use super::{
    Adapter, Arranged, Capabilities, Invocation, RunResults, VictimCheck, Warm, inline_order,
    parse_version, scripted_order,
};
use crate::error::{Error, Result};
use crate::outcome::TestResult;
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders, quote};

use command::{
    Argument, DROPPED_FROM_REPLAY, GoTestCommand, JSON, ONCE, PACKAGES, REFUSED_FLAGS,
    REPLAY_PRELUDE, REPORT_REDIRECT, RUN_FILTER_TOP, RunLevels, SHUFFLE, correct_example,
    double_quoted, package_of, read_double_quoted, replay_example, run_levels,
    top_level_of_subtest, words_of,
};
use report::parse_events;

pub struct GoTest;

impl Adapter for GoTest {
    fn name(&self) -> &'static str {
        "go"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        invocation.program == "go" && invocation.arguments().first().is_some_and(|a| a == "test")
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "-shuffle=<seed> (added when missing): shuffles each package's top-level tests",
            explicit_order: "subsets of a seeded order only: -run '^(A|B)$' under the failing run's seed, one package at a time",
            results: "go test -json events, stdout sent to <report> (added when missing)",
            selector: "import/path.TestName (top-level tests; subtests count in their test)",
            versions: "go ≥ 1.17; tested on 1.19.8",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let Some(command) = GoTestCommand::parse(user.as_str()) else {
            if user.has(Placeholder::Seed) && user.has(Placeholder::Report) {
                // A script or a compound command: it is the user's to get right.
                return Ok(user.clone());
            }
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): \
                 put -shuffle=<seed> and -json > <report> in it yourself, {}",
                correct_example()
            )));
        };
        if user.has(Placeholder::Report) && !command.redirects_to_report {
            return Err(Error::usage(format!(
                "go test writes its -json events on stdout: use <report> only as the final \
                 redirection `> <report>`, {}",
                correct_example()
            )));
        }
        for (flag, why) in REFUSED_FLAGS {
            if command.flag(flag).is_some() {
                return Err(Error::usage(format!(
                    "{why}, so a hunt would have no results: drop it, {}",
                    correct_example()
                )));
            }
        }
        match command.flag("shuffle") {
            None | Some(Some("<seed>")) => {}
            Some(value) => {
                return Err(Error::usage(format!(
                    "the command sets go's shuffle itself (-shuffle={}): write -shuffle=<seed> so \
                     each run gets a seed bleed records and can replay, {}",
                    value.unwrap_or(""),
                    correct_example()
                )));
            }
        }
        if let Some(count) = command.flag("count").filter(|count| *count != Some("1")) {
            return Err(Error::usage(format!(
                "-count={} runs every test several times in one run, so results could not be told \
                 apart: use -count=1 and more --runs instead",
                count.unwrap_or("")
            )));
        }
        if command
            .flag("cpu")
            .flatten()
            .is_some_and(|cpus| cpus.contains(','))
        {
            return Err(Error::usage(
                "a -cpu list runs every test once per value, so results could not be told apart: \
                 give one value, or hunt once per value",
            ));
        }
        let mut additions = Vec::new();
        if command.flag("shuffle").is_none() {
            additions.push(SHUFFLE);
        }
        if command.flag("count").is_none() {
            additions.push(ONCE);
        }
        if command.flag("json").is_none() {
            additions.push(JSON);
        }
        if additions.is_empty() && command.redirects_to_report {
            return Ok(user.clone());
        }
        let mut words = command.program.clone();
        words.extend(command.arguments.iter().flat_map(words_of));
        words.extend(additions.iter().map(|word| word.to_string()));
        words.extend(command.binary_arguments.iter().cloned());
        Template::parse(&format!(
            "{} {REPORT_REDIRECT}",
            join_keeping_placeholders(&words)
        ))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let Some(command) = GoTestCommand::parse(hunt.as_str()).filter(|c| c.redirects_to_report)
        else {
            return Err(Error::usage(format!(
                "bleed cannot derive a replay command from this go test command: give one with \
                 --replay-cmd, {}",
                replay_example()
            )));
        };
        if command.packages().any(|package| package.ends_with(".go")) {
            return Err(Error::usage(format!(
                "bleed replays go tests by package, and this command names .go files: name the \
                 package instead (go test ./cart, not go test cart/cart_test.go), or give \
                 --replay-cmd, {}",
                replay_example()
            )));
        }
        // The hunt ran only some subtests of each test it matched; the probes run the same ones.
        let pattern = command.flag("run").flatten().unwrap_or("");
        let lower_levels = match run_levels(pattern) {
            RunLevels::TopOnly => String::new(),
            RunLevels::Below(lower) => double_quoted(&format!("/{lower}")),
            RunLevels::Alternatives => {
                return Err(Error::usage(format!(
                    "the hunt's -run '{pattern}' is an alternation of paths into subtests, which \
                     bleed cannot narrow to the tests of a probe: hunt with one path (-run \
                     'TestCart/fast', or '/(fast|slow)' for those subtests of every test), or give \
                     --replay-cmd, {}",
                    replay_example()
                )));
            }
        };
        let mut words: Vec<String> = Vec::new();
        let mut packages_at = None;
        for argument in &command.arguments {
            match argument {
                Argument::Package(_) => {
                    packages_at.get_or_insert(words.len());
                }
                Argument::Flag {
                    name,
                    words: flag_words,
                    ..
                } => {
                    if !DROPPED_FROM_REPLAY.contains(&name.as_str()) {
                        words.extend(flag_words.iter().cloned());
                    }
                }
            }
        }
        let packages_at = packages_at.unwrap_or(words.len());
        let joined = |words: &[String]| -> String {
            if words.is_empty() {
                String::new()
            } else {
                format!("{} ", join_keeping_placeholders(words))
            }
        };
        let binary_arguments = join_keeping_placeholders(&command.binary_arguments);
        let text = format!(
            "{REPLAY_PRELUDE}{program} {before}{PACKAGES} {after}{SHUFFLE} {ONCE} {JSON} {RUN_FILTER_TOP}{lower_levels}\" {binary_arguments}",
            program = join_keeping_placeholders(&command.program),
            before = joined(&words[..packages_at]),
            after = joined(&words[packages_at..]),
        );
        Template::parse(&format!("{} {REPORT_REDIRECT}", text.trim_end()))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        match std::fs::read(report) {
            Ok(bytes) => parse_events(&String::from_utf8_lossy(&bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => RunResults {
                results: Vec::new(),
                problem: Some(format!("no report was written at {}", report.display())),
            },
            Err(error) => RunResults {
                results: Vec::new(),
                problem: Some(format!(
                    "cannot read the report at {}: {error}",
                    report.display()
                )),
            },
        }
    }

    /// The go command of the replay, with the filter and packages written out and without
    /// bleed's report: `go test ./cart -shuffle=19497 -count=1 -run '^(TestA|TestB)$'`.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        match written_out(replay, order, seed, false)? {
            Some(command) => Ok(command),
            // A replay command the user gave: rendered whole, for a person to paste.
            None => inline_order(replay, order, seed, Path::new("/tmp/bleed-report.json")),
        }
    }

    /// The same command with `-json`, its events sent to the report.
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        match written_out(replay, order, seed, true)? {
            Some(command) => Ok(Some(format!("{command} > \"$report\""))),
            None => scripted_order(replay, order, seed),
        }
    }

    /// `go test -json` writes each event's fields in one order, `Action`, `Package`, `Test`:
    /// a fixed-string grep of those three, closing quote included, finds exactly the victim's
    /// end, not a subtest's. Its first event, `run`, says where it ran: the events come in the
    /// order the package's tests ran.
    fn victim_check(&self, victim: &str, _name: Option<&str>) -> Option<VictimCheck> {
        let (package, test) = victim.rsplit_once('.')?;
        let body = r#"fields="\"Package\":\"$VICTIM_PACKAGE\",\"Test\":\"$VICTIM_TEST\""
  place=$(grep -n -F -e "$fields," -e "$fields}" "$1" | head -n 1 | cut -d: -f1)
  for action in fail pass skip; do
    if grep -F -q -e "\"Action\":\"$action\",$fields" "$1"; then
      case $action in fail) echo "failed $place" ;; pass) echo "passed $place" ;; skip) echo "skipped $place" ;; esac
      return
    fi
  done
  echo missing"#;
        Some(VictimCheck {
            program: None,
            body: body.to_string(),
            env: vec![
                ("VICTIM_PACKAGE", package.to_string()),
                ("VICTIM_TEST", test.to_string()),
            ],
        })
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let command = GoTestCommand::parse(hunt.as_str())?;
        let mut words = command.program;
        *words.last_mut()? = "version".to_string();
        Some(join_keeping_placeholders(&words))
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// `go version` prints `go version go1.19.8 linux/amd64`.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            Some((1, minor, _)) if minor < 17 => Err(format!(
                "bleed needs go 1.17 or later, the first with -shuffle, and go version says \
                 {reported}: upgrade go, or use --runner generic with your own --cmd and \
                 --replay-cmd"
            )),
            _ => Ok(()),
        }
    }

    fn warm_support(&self) -> &'static str {
        "yes, without a fork (go cannot fork a running test binary): each package's test binary \
         is built once with go test -c, and each probe runs it under go tool test2json, skipping \
         the go command's package loading and linking (about 0.5 s a package)"
    }

    fn warm(&self, hunt: &Template, replay: &Template, scratch: &Path) -> Result<Option<Warm>> {
        warm::prebuilt(hunt, replay, scratch).map(Some)
    }

    /// go shuffles and `-run` selects top-level tests; a subtest always runs inside its test, in
    /// source order, so it has no place of its own in an order.
    fn unrunnable_order(&self, order: &[String]) -> Option<String> {
        order.iter().find_map(|id| {
            let top_level = top_level_of_subtest(id)?;
            Some(format!(
                "{id} is a subtest, and go test shuffles and selects top-level tests only (a \
                 subtest runs inside its test, in source order): bisect its test instead, \
                 --victim {}",
                quote(top_level)
            ))
        })
    }

    fn arrangement(&self, _natural: &[TestResult]) -> std::result::Result<Arranged, String> {
        Err(
            "go test runs a package's tests in source order or in the order of its -shuffle \
             seed (-run picks tests out of that order, it does not rearrange them), and each \
             package in a process of its own"
                .to_string(),
        )
    }

    /// Each package's tests run in their own process, so they share no memory; only state
    /// outside the process (files, databases) could cross, and bleed does not search for that.
    fn isolated(&self, candidate: &str, victim: &str) -> bool {
        match (package_of(candidate), package_of(victim)) {
            (Some(candidate), Some(victim)) => candidate != victim,
            _ => false,
        }
    }
}

/// The replay's go command with the order's `-run` filter and packages written out, with `-json`
/// or without; None for a replay command the user gave.
fn written_out(
    replay: &Template,
    order: &[String],
    seed: Option<u64>,
    json: bool,
) -> Result<Option<String>> {
    let Some(command) = replay.as_str().strip_prefix(REPLAY_PRELUDE) else {
        return Ok(None);
    };
    let names: Vec<&str> = order
        .iter()
        .map(|id| id.rsplit('.').next().unwrap_or(id))
        .collect();
    let mut packages: Vec<&str> = Vec::new();
    for package in order.iter().map(|id| package_of(id).unwrap_or(id)) {
        if !packages.contains(&package) {
            packages.push(package);
        }
    }
    let packages: Vec<String> = packages.iter().map(|package| quote(package)).collect();
    let command = command
        .trim_end()
        .trim_end_matches(REPORT_REDIRECT)
        .trim_end();
    let marker = format!("{JSON} {RUN_FILTER_TOP}");
    let (before, lower_levels, after) = command
        .split_once(&marker)
        .and_then(|(before, rest)| {
            let (lower_levels, after) = read_double_quoted(rest)?;
            Some((before, lower_levels, after))
        })
        .ok_or_else(|| Error::usage("the replay command lost its -run filter"))?;
    let json = if json {
        format!("{JSON} ")
    } else {
        String::new()
    };
    let filter = format!(
        "{json}-run {}",
        quote(&format!("^({})${lower_levels}", names.join("|")))
    );
    let command = format!("{before}{filter}{after}").replace(PACKAGES, &packages.join(" "));
    let command = Template::parse(&command)?.render(&Values {
        seed,
        worker: Some(1),
        ..Values::default()
    })?;
    Ok(Some(command))
}

#[cfg(test)]
mod tests {
    use super::command::split_arguments;
    use super::*;

    #[test]
    fn the_script_writes_go_tests_events_and_finds_the_victims_end_by_its_fields() {
        let replay = GoTest
            .replay_command(&hunt("go test ./...").unwrap())
            .unwrap();
        let order = [
            "example.com/shop/cart.TestA".to_string(),
            "example.com/shop/cart.TestB".to_string(),
        ];
        assert_eq!(
            GoTest
                .scripted(&replay, &order, Some(7))
                .unwrap()
                .as_deref(),
            Some(
                "go test example.com/shop/cart -shuffle=7 -count=1 -json -run '^(TestA|TestB)$' \
                 > \"$report\""
            )
        );
        let check = GoTest.victim_check(&order[1], None).unwrap();
        assert_eq!(
            check.env,
            [
                ("VICTIM_PACKAGE", "example.com/shop/cart".to_string()),
                ("VICTIM_TEST", "TestB".to_string())
            ]
        );
        assert_eq!(check.program, None);
    }

    fn hunt(command: &str) -> Result<Template> {
        GoTest.hunt_command(&Template::parse(command).unwrap())
    }

    fn replay(command: &str) -> String {
        GoTest
            .replay_command(&hunt(command).unwrap())
            .unwrap()
            .as_str()
            .to_string()
    }

    #[test]
    fn go_test_is_recognised_behind_wrappers_and_nothing_else_is() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| GoTest.recognises(&i));
        for yes in [
            "go test ./...",
            "/usr/lib/go-1.19/bin/go test -v .",
            "env GOFLAGS=-mod=mod go test ./...",
            "CGO_ENABLED=0 time go test ./cart",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "go vet ./...",
            "go build",
            "gotestsum -- ./...",
            "pytest go test",
            "go",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_a_seed_a_single_count_and_a_json_report() {
        assert_eq!(
            hunt("go test ./...").unwrap().as_str(),
            "go test ./... -shuffle=<seed> -count=1 -json > <report>"
        );
        assert_eq!(
            hunt("go test -v -run 'Cart|Price' ./cart -args -update")
                .unwrap()
                .as_str(),
            "go test -v -run 'Cart|Price' ./cart -shuffle=<seed> -count=1 -json -args -update > <report>"
        );
        let complete = "go test -shuffle=<seed> -count=1 -json ./... > <report>";
        assert_eq!(hunt(complete).unwrap().as_str(), complete);
        assert_eq!(
            hunt("go test -shuffle <seed> ./...").unwrap().as_str(),
            "go test -shuffle <seed> ./... -count=1 -json > <report>"
        );
        let script = "cd svc && go test -shuffle=<seed> -json ./... > <report>";
        assert_eq!(hunt(script).unwrap().as_str(), script);
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_an_example() {
        for (command, hint) in [
            ("go test -shuffle=on ./...", "-shuffle=<seed>"),
            ("go test -shuffle=42 ./...", "-shuffle=<seed>"),
            ("go test -shuffle off ./...", "-shuffle=<seed>"),
            ("go test -count=3 ./...", "-count=1"),
            ("go test -cpu 1,2 ./...", "-cpu"),
            ("go test -c ./cart", "only compiles"),
            ("go test -list . ./cart", "only lists"),
            ("go test -json ./... | tee out.json", "compound"),
            ("go test -coverprofile=<report> ./...", "> <report>"),
        ] {
            let error = hunt(command).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
        }
    }

    #[test]
    fn arguments_are_split_as_go_splits_them() {
        let words = |text: &str| -> Vec<String> { shell_words::split(text).unwrap() };
        let (arguments, binary) = split_arguments(&words("-v ./a ./b -run X -timeout 5s"));
        assert_eq!(
            arguments
                .iter()
                .filter(|a| matches!(a, Argument::Package(_)))
                .count(),
            2
        );
        assert!(binary.is_empty());
        // An unknown flag ends the package list; a bare word after it is its value, the next
        // bare word goes to the test binary.
        let (arguments, binary) = split_arguments(&words("./a -golden dir -v extra -run X"));
        assert_eq!(arguments.len(), 3, "{arguments:?}");
        assert_eq!(binary, words("extra -run X"));
        let (_, binary) = split_arguments(&words("./a -- -update"));
        assert_eq!(binary, words("-- -update"));
        let (arguments, _) = split_arguments(&words("-test.run=^TestA$ --count 1"));
        assert_eq!(
            arguments,
            vec![
                Argument::Flag {
                    name: "run".into(),
                    value: Some("^TestA$".into()),
                    words: words("-test.run=^TestA$"),
                },
                Argument::Flag {
                    name: "count".into(),
                    value: Some("1".into()),
                    words: words("--count 1"),
                },
            ]
        );
    }

    #[test]
    fn the_replay_filters_the_failing_seeds_order_by_name_and_package() {
        assert_eq!(
            replay(
                "go test -v -failfast -run 'Cart|Price' -timeout 5m ./... -bench . -args -update"
            ),
            "set -f; set -- <tests>; run=; packages=; for id do run=\"$run|${id##*.}\"; \
             packages=\"$packages ${id%.*}\"; done; go test -v -timeout 5m $packages \
             -shuffle=<seed> -count=1 -json -run \"^(${run#|})\\$\" -args -update > <report>"
        );
        assert_eq!(
            replay("env GOFLAGS=-mod=mod go test"),
            "set -f; set -- <tests>; run=; packages=; for id do run=\"$run|${id##*.}\"; \
             packages=\"$packages ${id%.*}\"; done; env GOFLAGS=-mod=mod go test $packages \
             -shuffle=<seed> -count=1 -json -run \"^(${run#|})\\$\" > <report>"
        );
    }

    #[test]
    fn replays_that_would_not_run_what_the_hunt_ran_are_refused() {
        let files = GoTest
            .replay_command(&hunt("go test cart/cart_test.go").unwrap())
            .unwrap_err();
        assert!(files.message.contains(".go files"), "{}", files.message);
        let compound = Template::parse("cd x && go test -shuffle=<seed> -json > <report>").unwrap();
        assert!(
            GoTest
                .replay_command(&compound)
                .unwrap_err()
                .message
                .contains("--replay-cmd")
        );
    }

    /// The rendered replay, run by a real `sh`, hands go exactly the filter and packages meant,
    /// with ids as data.
    #[test]
    fn the_replay_turns_ids_into_a_filter_and_packages_in_sh() {
        let replay = GoTest
            .replay_command(&hunt("go test ./...").unwrap())
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report's.json");
        let tests = vec![
            "example.com/shop/labels.v2.TestBanner".to_string(),
            "example.com/shop/labels.v2.TestWelcome".to_string(),
            "$(touch pwned) *".to_string(),
        ];
        let command = replay
            .render(&Values {
                seed: Some(19497),
                tests: Some(&tests),
                report: Some(&report),
                ..Values::default()
            })
            .unwrap();
        // A stand-in for go that prints the arguments it was given.
        let command = command.replacen("go test", "printf '[%s]' go test", 1);
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{command}");
        assert_eq!(
            std::fs::read_to_string(&report).unwrap(),
            "[go][test][example.com/shop/labels.v2][example.com/shop/labels.v2][$(touch][pwned)][*]\
             [-shuffle=19497][-count=1][-json][-run][^(TestBanner|TestWelcome|$(touch pwned) *)$]"
        );
        assert!(!dir.path().join("pwned").exists());
    }

    /// A hunt whose `-run` reaches into subtests is replayed with the same lower levels, so the
    /// probes run what the hunt ran, and its reproducer too; quotes and `$` in the pattern stay
    /// data all the way.
    #[test]
    fn a_hunt_run_that_selects_subtests_is_replayed_with_the_same_subtests() {
        assert_eq!(run_levels("TestA/fast/x"), RunLevels::Below("fast/x"));
        assert_eq!(run_levels("/(it|empty)"), RunLevels::Below("(it|empty)"));
        assert_eq!(run_levels("(A/b)|[/]|a\\/b"), RunLevels::TopOnly);
        assert_eq!(run_levels("TestA|TestB/x"), RunLevels::Alternatives);
        let alternatives = GoTest
            .replay_command(&hunt("go test -run 'TestA|TestB/x' ./...").unwrap())
            .unwrap_err();
        assert!(
            alternatives.message.contains("alternation of paths"),
            "{}",
            alternatives.message
        );
        let replay = GoTest
            .replay_command(
                &hunt("go test -run 'Cart/it'\\''s \"$(touch pwned)\"`x`' ./...").unwrap(),
            )
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        let tests = vec!["example.com/shop/cart.TestCart".to_string()];
        let command = replay
            .render(&Values {
                seed: Some(7),
                tests: Some(&tests),
                report: Some(&report),
                ..Values::default()
            })
            .unwrap()
            .replacen("go test", "printf '[%s]' go test", 1);
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(output.status.success(), "{command}");
        let filter = "^(TestCart)$/it's \"$(touch pwned)\"`x`";
        assert_eq!(
            std::fs::read_to_string(&report).unwrap(),
            format!(
                "[go][test][example.com/shop/cart][-shuffle=7][-count=1][-json][-run][{filter}]"
            )
        );
        assert_eq!(
            GoTest.reproducer(&replay, &tests, Some(7)).unwrap(),
            format!(
                "go test example.com/shop/cart -shuffle=7 -count=1 -run {}",
                quote(filter)
            )
        );
        assert!(!dir.path().join("pwned").exists());
    }

    #[test]
    fn a_subtest_is_refused_with_its_top_level_test_to_bisect_instead() {
        for (id, top_level) in [
            (
                "example.com/bleedsuite/cart.TestTable/same_name#01",
                "example.com/bleedsuite/cart.TestTable",
            ),
            (
                "example.com/x/labels.v2.TestBanner/it's_\"quoted\"_$(touch_bleed-pwned)",
                "example.com/x/labels.v2.TestBanner",
            ),
            (
                "gopkg.in/a.v1.ExampleHello/sub.v2",
                "gopkg.in/a.v1.ExampleHello",
            ),
        ] {
            let order = vec!["example.com/x/cart.TestA".to_string(), id.to_string()];
            let reason = GoTest.unrunnable_order(&order).expect("refused");
            assert!(
                reason.starts_with(&format!("{id} is a subtest"))
                    && reason.ends_with(&format!("--victim {}", quote(top_level))),
                "{reason}"
            );
        }
        let top_level = vec![
            "example.com/bleedsuite/labels.v2.TestBanner".to_string(),
            "example.com/Testing/cart.TestA".to_string(),
            "gopkg.in/yaml.v3.FuzzDecode".to_string(),
        ];
        assert_eq!(GoTest.unrunnable_order(&top_level), None);
    }

    #[test]
    fn go_from_1_17_on_is_accepted_and_older_is_refused_with_what_to_do() {
        for accepted in [
            "go version go1.19.8 linux/amd64",
            "go version go1.17 linux/amd64",
            "go version go1.22.0 darwin/arm64",
            "go version go1.21rc2 linux/amd64",
            "go version devel go1.23-5f5f3a8 Thu Feb 1 10:00:00 2024 +0000 linux/amd64",
        ] {
            assert_eq!(GoTest.check_version(accepted), Ok(()), "{accepted}");
        }
        for refused in [
            "go version go1.16.15 linux/amd64",
            "go version go1.11.6 linux/amd64",
        ] {
            let error = GoTest.check_version(refused).unwrap_err();
            assert!(
                error.contains(&format!("says {refused}")) && error.contains("upgrade go"),
                "{error}"
            );
            assert!(error.contains("--runner generic"), "{error}");
        }
    }

    #[test]
    fn the_reproducer_is_the_go_command_alone() {
        let replay = GoTest
            .replay_command(&hunt("go test -v ./...").unwrap())
            .unwrap();
        let order = vec![
            "example.com/bleedsuite/cart.TestSwitchCurrencyToEUR".to_string(),
            "example.com/bleedsuite/cart.TestTotalIsInDollars".to_string(),
        ];
        assert_eq!(
            GoTest.reproducer(&replay, &order, Some(19497)).unwrap(),
            "go test -v example.com/bleedsuite/cart -shuffle=19497 -count=1 \
             -run '^(TestSwitchCurrencyToEUR|TestTotalIsInDollars)$'"
        );
        let foreign = Template::parse("go test -run <tests> > <report>").unwrap();
        assert_eq!(
            GoTest.reproducer(&foreign, &order[1..], None).unwrap(),
            "go test -run example.com/bleedsuite/cart.TestTotalIsInDollars > /tmp/bleed-report.json"
        );
        assert_eq!(
            GoTest
                .version_command(&hunt("env GOFLAGS=-mod=mod go test ./...").unwrap())
                .unwrap(),
            "env GOFLAGS=-mod=mod go version"
        );
    }

    #[test]
    fn tests_of_different_packages_are_isolated() {
        let cart = "example.com/bleedsuite/cart.TestTotalIsInDollars";
        assert!(!GoTest.isolated("example.com/bleedsuite/cart.TestSwitchCurrencyToEUR", cart));
        assert!(GoTest.isolated(
            "example.com/bleedsuite/billing.TestSwitchCurrencyToEUR",
            cart
        ));
        assert!(GoTest.isolated(
            "example.com/bleedsuite/labels.v2.TestBanner",
            "example.com/bleedsuite/labels.TestBanner"
        ));
    }
}
