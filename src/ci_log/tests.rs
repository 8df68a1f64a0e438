//! The parser on real console logs, kept in testdata/logs (its README says how each was made).

use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/testdata/logs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

fn found(name: &str) -> Found {
    read(&fixture(name), None).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn tests(found: &Found) -> Vec<&str> {
    found.failing.iter().map(|f| f.test.as_str()).collect()
}

fn runs(found: &Found) -> Vec<(String, u64, String)> {
    found
        .targets(None, None)
        .unwrap()
        .into_iter()
        .map(|t| {
            let (seed, command) = t.run.unwrap_or_else(|e| panic!("{}: {e}", t.victim));
            (t.victim, seed, command)
        })
        .collect()
}

#[test]
fn rspec_failures_are_locations_under_the_printed_seed() {
    let found = found("rspec.log");
    assert_eq!(found.runner, "rspec");
    assert_eq!(found.seed, Some(19497));
    assert_eq!(
        tests(&found),
        ["./spec/settings_spec.rb:17", "./spec/cart_spec.rb:9"]
    );
    assert_eq!(found.command, None);
    assert_eq!(
        runs(&found),
        [
            ("./spec/settings_spec.rb:17".into(), 19497, "rspec".into()),
            ("./spec/cart_spec.rb:9".into(), 19497, "rspec".into()),
        ]
    );
}

#[test]
fn cucumber_failures_are_scenario_locations() {
    let found = found("cucumber.log");
    assert_eq!(found.runner, "cucumber");
    assert_eq!(found.seed, Some(19497));
    assert_eq!(
        tests(&found),
        [
            "features/inventory.feature:7",
            "features/checkout.feature:15",
            "features/checkout.feature:12",
            "features/settings.feature:7",
        ]
    );
    assert_eq!(runs(&found)[0].2, "cucumber");
}

#[test]
fn pytest_failures_are_node_ids_from_the_short_summary() {
    let found = found("pytest.log");
    assert_eq!(found.runner, "pytest");
    assert_eq!(found.seed, Some(5));
    assert_eq!(
        tests(&found),
        [
            "tests/test_cart.py::test_checkout_gets_a_connection",
            "tests/test_settings.py::test_banner_defaults_to_welcome",
        ]
    );
    assert_eq!(runs(&found)[1].2, "python3 -m pytest -p randomly");
}

#[test]
fn jest_failures_join_the_file_and_the_titles() {
    let found = found("jest.log");
    assert_eq!(found.runner, "jest");
    assert_eq!(found.seed, Some(1));
    assert_eq!(
        tests(&found),
        [
            "__tests__/labels.test.js › banner (v2.*) [beta] | labels › defaults to \"Welcome\"",
            "__tests__/connections.test.js › checkout › gets a connection",
        ]
    );
}

#[test]
fn a_negative_jest_seed_is_refused_for_what_it_is() {
    let found = found("jest-negative-seed.log");
    assert_eq!(found.seed, Some(-1126418183));
    let targets = found.targets(None, None).unwrap();
    let error = targets[0].run.as_ref().unwrap_err();
    assert!(error.contains("seed -1126418183"), "{error}");
}

#[test]
fn go_failures_are_named_by_their_package() {
    let found = found("go.log");
    assert_eq!(found.runner, "go");
    assert_eq!(found.seed, Some(527449820));
    assert_eq!(
        tests(&found),
        [
            "example.com/bleedsuite/cart.TestExportInventoryAsCSV",
            "example.com/bleedsuite/cart.TestCheckoutGetsAConnection",
            "example.com/bleedsuite/cart.TestTotalIsInDollars",
            "example.com/bleedsuite/cart.TestAppleCostsThree",
            "example.com/bleedsuite/labels.v2.TestBannerDefaultsToWelcome",
        ]
    );
    assert_eq!(runs(&found)[0].2, "go test ./...");
}

#[test]
fn go_packages_shuffled_on_keep_each_its_own_seed() {
    let found = found("go-shuffle-on.log");
    assert_eq!(found.seed, None);
    let seeds: Vec<(&str, Option<i64>)> = found
        .failing
        .iter()
        .map(|f| (f.test.as_str(), f.seed))
        .collect();
    assert_eq!(
        seeds,
        [
            (
                "example.com/bleedsuite/cart.TestTotalIsInDollars",
                Some(1796195372142689979)
            ),
            (
                "example.com/bleedsuite/labels.v2.TestBannerDefaultsToWelcome",
                Some(1796195372643822178)
            ),
        ]
    );
}

#[test]
fn github_timestamps_and_colours_hide_nothing_and_the_run_step_is_the_command() {
    let found = found("github-actions.log");
    assert_eq!(found.runner, "pytest");
    assert_eq!(found.seed, Some(3));
    assert_eq!(
        tests(&found),
        ["tests/test_settings.py::test_banner_defaults_to_welcome"]
    );
    assert_eq!(
        found.command.as_deref(),
        Some("python3 -m pytest -p randomly tests")
    );
}

#[test]
fn gitlab_sections_and_colours_hide_nothing_and_the_echo_is_the_command() {
    let found = found("gitlab.log");
    assert_eq!(found.runner, "rspec");
    assert_eq!(found.seed, Some(4242));
    assert_eq!(
        tests(&found),
        [
            "./spec/inventory_spec.rb:8",
            "./spec/cart_spec.rb:2",
            "./spec/settings_spec.rb:17",
        ]
    );
    assert_eq!(found.command.as_deref(), Some("rspec"));
}

#[test]
fn parallel_rspec_failures_run_in_their_process_under_its_seed() {
    let found = found("parallel_rspec.log");
    assert_eq!(found.runner, "rspec");
    assert_eq!(found.seed, None, "each process had its own");
    let processes: Vec<(Option<usize>, Option<i64>, Vec<&str>)> = found
        .processes
        .iter()
        .map(|p| {
            (
                p.number,
                p.seed,
                p.failing.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        processes,
        [
            (Some(1), Some(50152), vec!["./spec/settings_spec.rb:17"]),
            (Some(2), None, vec![]),
            (Some(3), Some(19646), vec!["./spec/inventory_spec.rb:8"]),
        ]
    );
    assert_eq!(
        found.processes[0].files,
        [
            "spec/labels/it's \"quoted\" $(touch bleed-pwned)_spec.rb",
            "spec/settings_spec.rb"
        ]
    );
    assert_eq!(
        runs(&found),
        [
            (
                "./spec/settings_spec.rb:17".into(),
                50152,
                "TEST_ENV_NUMBER= PARALLEL_TEST_GROUPS=3 rspec 'spec/labels/it'\\''s \"quoted\" $(touch bleed-pwned)_spec.rb' spec/settings_spec.rb --seed <seed>".into()
            ),
            (
                "./spec/inventory_spec.rb:8".into(),
                19646,
                "TEST_ENV_NUMBER=3 PARALLEL_TEST_GROUPS=3 rspec spec/cart_spec.rb spec/inventory_spec.rb --seed <seed>".into()
            ),
        ]
    );
}

#[test]
fn serialized_parallel_rspec_output_reads_the_same() {
    let found = found("parallel_rspec-serialized.log");
    let seeds: Vec<(Option<usize>, Option<i64>)> =
        found.processes.iter().map(|p| (p.number, p.seed)).collect();
    assert_eq!(
        seeds,
        [(None, Some(12)), (Some(1), Some(1)), (Some(3), Some(13))]
    );
    let failing: Vec<(&str, Option<i64>)> = found
        .failing
        .iter()
        .map(|f| (f.test.as_str(), f.seed))
        .collect();
    assert_eq!(
        failing,
        [
            ("./spec/settings_spec.rb:17", Some(1)),
            ("./spec/inventory_spec.rb:8", Some(13)),
        ]
    );
}

/// Before 4.0 (and from 4.7) the rerun commands can be left out while the processes' commands
/// are printed: serialized, each process's seed is the one printed after its command.
#[test]
fn serialized_output_without_rerun_commands_takes_each_seed_from_its_block() {
    let text = fixture("parallel_rspec-serialized.log");
    let cut = &text[..text.find("Tests have failed").unwrap()];
    let found = read(cut, None).unwrap();
    let seeds: Vec<Option<i64>> = found.failing.iter().map(|f| f.seed).collect();
    assert_eq!(seeds, [Some(1), Some(13)]);
    let runs = runs(&found);
    assert_eq!(
        runs[1].2,
        "rspec --seed <seed> spec/cart_spec.rb spec/inventory_spec.rb"
    );
}

/// `--verbose-rerun-command` alone (before 4.0, and from 4.7.1) prints the failing processes'
/// commands only: enough.
#[test]
fn the_rerun_commands_alone_are_enough() {
    let text = fixture("parallel_rspec.log");
    let reruns_only: String = text
        .lines()
        .filter(|line| !line.ends_with("_spec.rb"))
        .map(|line| format!("{line}\n"))
        .collect();
    let found = read(&reruns_only, None).unwrap();
    let seeds: Vec<(Option<usize>, Option<i64>)> =
        found.processes.iter().map(|p| (p.number, p.seed)).collect();
    assert_eq!(seeds, [(Some(1), Some(50152)), (Some(3), Some(19646))]);
    assert_eq!(runs(&found).len(), 2);
}

#[test]
fn parallel_output_without_commands_says_which_option_prints_them() {
    let error = read(&fixture("parallel_rspec-no-commands.log"), None).unwrap_err();
    assert!(error.contains("--verbose-command"), "{error}");
}

#[test]
fn parallel_cucumber_failures_run_in_their_process_under_its_seed() {
    let found = found("parallel_cucumber.log");
    assert_eq!(found.runner, "cucumber");
    assert_eq!(
        tests(&found),
        [
            "features/inventory.feature:7",
            "features/pricing.feature:16"
        ],
        "in the order of their processes"
    );
    let runs = runs(&found);
    assert_eq!(runs[0].1, 1);
    assert_eq!(
        runs[1],
        (
            "features/pricing.feature:16".into(),
            12,
            "TEST_ENV_NUMBER=2 PARALLEL_TEST_GROUPS=3 cucumber features/pricing.feature features/settings.feature --format progress --order random:<seed>".into()
        )
    );
}

#[test]
fn a_victim_given_runs_in_the_process_that_ran_its_file() {
    let found = found("parallel_rspec.log");
    let targets = found
        .targets(Some("./spec/settings_spec.rb[2:1]"), None)
        .unwrap();
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].run.as_ref().unwrap().0, 50152);
    assert_eq!(targets[0].context, "seed 50152, parallel_tests process 1");
    let elsewhere = found
        .targets(Some("./spec/pricing_spec.rb[2:1]"), None)
        .unwrap();
    assert!(elsewhere[0].run.is_err(), "process 2 passed: no seed");
}

#[test]
fn a_given_command_replaces_the_logs() {
    let found = found("rspec.log");
    let targets = found.targets(None, Some("bundle exec rspec")).unwrap();
    assert_eq!(targets[0].run, Ok((19497, "bundle exec rspec".to_string())));
}

#[test]
fn logs_without_a_seed_or_a_failure_say_what_was_looked_for() {
    let unshuffled =
        "F.\n\nFailed examples:\n\nrspec ./spec/a_spec.rb:3 # a\n\n2 examples, 1 failure\n";
    let error = read(unshuffled, None)
        .unwrap()
        .targets(None, None)
        .unwrap_err();
    assert!(error.contains("Randomized with seed N"), "{error}");
    assert!(error.contains("--seed N"), "{error}");

    let green = "Randomized with seed 5\n..\n\n2 examples, 0 failures\n";
    let found = read(green, None).unwrap();
    let error = found.targets(None, None).unwrap_err();
    assert!(error.contains("no failing rspec test"), "{error}");
    assert_eq!(
        found.targets(Some("./spec/a_spec.rb[1:1]"), None).unwrap()[0].run,
        Ok((5, "rspec".to_string()))
    );

    let error = read("hello\n", None).unwrap_err();
    assert!(error.contains("no output of a runner"), "{error}");
}

#[test]
fn two_runners_failing_in_one_log_need_a_choice() {
    let text = format!("{}\n{}", fixture("rspec.log"), fixture("pytest.log"));
    let error = read(&text, None).unwrap_err();
    assert!(error.contains("pytest and rspec"), "{error}");
    assert!(error.contains("--runner"), "{error}");
    assert_eq!(read(&text, Some("pytest")).unwrap().seed, Some(5));
    assert_eq!(read(&text, Some("rspec")).unwrap().seed, Some(19497));
}

/// A job that runs RSpec and then cucumber prints "Randomized with seed" for each: each seed
/// goes to the runner whose lines are nearest.
#[test]
fn ruby_seeds_go_to_the_runner_printed_next_to_them() {
    let text = format!("{}\n{}", fixture("rspec.log"), fixture("cucumber.log"));
    assert_eq!(read(&text, Some("rspec")).unwrap().seed, Some(19497));
    let cucumber = format!(
        "{}\n{}",
        fixture("rspec.log"),
        fixture("cucumber.log").replace("19497", "777")
    );
    assert_eq!(read(&cucumber, Some("cucumber")).unwrap().seed, Some(777));
    assert_eq!(read(&cucumber, Some("rspec")).unwrap().seed, Some(19497));
}
