//! The go adapter against the real `go test` on a planted suite (testdata/go, described in its
//! PLANTED.md): hunts find exactly the planted victims, bisections find their causes.

use std::collections::BTreeSet;
use std::process::{Command as StdCommand, Output};

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};

pub(crate) const SUITE: &str = "go";

/// Pinned: under its first 10 run seeds every planted victim both fails and passes.
const MASTER_SEED: &str = "19497";
const RUNS: u64 = 10;

/// Run 3 of that hunt: every planted victim fails under it.
pub(crate) const ALL_FAIL_SEED: &str = "527449820";

pub(crate) const P1: &str = "example.com/bleedsuite/cart.TestSwitchCurrencyToEUR";
pub(crate) const V1: &str = "example.com/bleedsuite/cart.TestTotalIsInDollars";
pub(crate) const PA: &str = "example.com/bleedsuite/cart.TestStockCheckOpensConnection";
pub(crate) const PB: &str = "example.com/bleedsuite/cart.TestPriceLookupOpensConnection";
pub(crate) const V2: &str = "example.com/bleedsuite/cart.TestCheckoutGetsAConnection";
pub(crate) const P3: &str = "example.com/bleedsuite/cart.TestWarmPriceCache";
const C3: &str = "example.com/bleedsuite/cart.TestReloadClearsPriceCache";
pub(crate) const V3: &str = "example.com/bleedsuite/cart.TestAppleCostsThree";
const S4: &str = "example.com/bleedsuite/cart.TestRegisterCSVExporter";
pub(crate) const B4: &str = "example.com/bleedsuite/cart.TestExportInventoryAsCSV";
pub(crate) const P5: &str = "example.com/bleedsuite/labels.v2.TestCustomBanners";
pub(crate) const V5: &str = "example.com/bleedsuite/labels.v2.TestBannerDefaultsToWelcome";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

/// The subtest name V5 fails in, as go writes it (spaces become underscores).
const HOSTILE_SUBTEST: &str = "TestBannerDefaultsToWelcome/it's_\"quoted\"_$(touch_bleed-pwned)";

pub(crate) fn require_go() -> bool {
    util::require_runner("go", &[&["go", "version"]])
}

/// Keeps go off the network and away from the caller's settings.
pub(crate) fn offline(command: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    command
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
}

fn hunt(sandbox: &Sandbox, runs: u64) -> Output {
    offline(&mut sandbox.bleed())
        .args([
            "hunt",
            "--cmd",
            "go test ./...",
            "--runs",
            &runs.to_string(),
        ])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--json"])
        .output()
        .expect("run bleed")
}

fn bisect(sandbox: &Sandbox, victim: &str, extra: &[&str]) -> Value {
    let output = offline(&mut sandbox.bleed())
        .args(["bisect", "--cmd", "go test ./...", "--seed", ALL_FAIL_SEED])
        .args(["--victim", victim, "--jobs", "2", "--json"])
        .args(extra)
        .output()
        .expect("run bleed");
    let result = util::json_exiting(&output, 0, &format!("bisecting {victim}"));
    assert_eq!(result["runner"], "go");
    assert_eq!(result["victim"], victim);
    eprintln!(
        "{victim}: {} probes, {} cleaner probes, {} candidates",
        result["probes"], result["cleaner_probes"], result["candidates"]
    );
    result
}

/// The planted cases, by this suite's ids.
const PLANT: Plant = Plant {
    p1: P1,
    v1: V1,
    pa: PA,
    pb: PB,
    v2: V2,
    p3: P3,
    c3: C3,
    v3: V3,
    s4: S4,
    b4: B4,
    p5: P5,
    v5: V5,
};

#[test]
fn a_hunt_finds_exactly_the_planted_victims() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let output = hunt(&sandbox, RUNS);
    let report = util::json_exiting(&output, 1, "flips found means exit 1");
    assert_eq!(report["runner"], "go");
    let counts = &report["runs"];
    assert_eq!(counts["total"], RUNS, "{counts}");
    assert_eq!(counts["ok"], RUNS, "{counts}");
    let flipped: BTreeSet<&str> = util::flipped(&report).into_iter().collect();
    assert_eq!(flipped, VICTIMS.into_iter().collect());
    assert_eq!(report["always_failing"], serde_json::json!([]));

    let runs = sandbox.runs();
    assert_eq!(runs.len() as u64, RUNS);
    for run in &runs {
        assert_eq!(run["status"], "ok", "{run}");
        let results = run["results"].as_array().unwrap();
        let order: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(order.len(), 18, "every top-level test, once: {order:?}");
        // Outcomes follow from the recorded order only if it is the order the tests ran in.
        for (position, result) in results.iter().enumerate() {
            let failed = util::is_failure(result["outcome"].as_str().unwrap());
            assert_eq!(
                failed,
                PLANT.fails_after(order[position], &order[..position]),
                "{} under seed {}, after {:?}",
                order[position],
                run["seed"],
                &order[..position]
            );
            if failed && order[position] == V5 {
                let message = result["message"].as_str().unwrap();
                assert!(
                    message.starts_with(HOSTILE_SUBTEST),
                    "the hostile subtest name is kept as data: {message}"
                );
            }
        }
    }
    util::assert_nothing_ran_as_code(&sandbox);
}

/// The card example, for go: a seed from CI and a victim, nothing recorded yet.
#[test]
fn bisect_runs_the_failing_seed_once_and_finds_the_single_polluter() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let result = bisect(&sandbox, V1, &[]);
    assert_eq!(result["verdict"], "polluted");
    assert_eq!(util::ids(&result["polluters"]), [P1]);
    assert_eq!(result["seed"].as_u64(), ALL_FAIL_SEED.parse().ok());
    let reproducer = &result["reproducer"];
    assert_eq!(
        reproducer["command"],
        format!(
            "go test example.com/bleedsuite/cart -shuffle={ALL_FAIL_SEED} -count=1 \
             -run '^(TestSwitchCurrencyToEUR|TestTotalIsInDollars)$'"
        )
    );
    // The commands bleed hands out do what they say, without bleed.
    let run = |command: &str| {
        StdCommand::new("sh")
            .args(["-c", command])
            .current_dir(sandbox.path())
            .env("GOPROXY", "off")
            .output()
            .expect("run sh")
    };
    let reproduced = run(reproducer["command"].as_str().unwrap());
    assert_eq!(reproduced.status.code(), Some(1), "the reproducer fails");
    assert!(String::from_utf8_lossy(&reproduced.stdout).contains("--- FAIL: TestTotalIsInDollars"));
    let alone = run(result["isolation_command"].as_str().unwrap());
    assert_eq!(alone.status.code(), Some(0), "the victim passes alone");
}

#[test]
fn bisect_finds_both_polluters_of_a_pair() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let result = bisect(&sandbox, V2, &[]);
    assert_eq!(result["verdict"], "polluted");
    let polluters: BTreeSet<&str> = util::ids(&result["polluters"]).into_iter().collect();
    assert_eq!(polluters, BTreeSet::from([PA, PB]));
}

#[test]
fn bisect_finds_a_polluter_named_only_through_hostile_subtests() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let result = bisect(&sandbox, V5, &[]);
    assert_eq!(result["verdict"], "polluted");
    assert_eq!(util::ids(&result["polluters"]), [P5]);
    let message = result["failure_message"].as_str().unwrap();
    assert!(message.starts_with(HOSTILE_SUBTEST), "{message}");
    util::assert_nothing_ran_as_code(&sandbox);
}

/// After a hunt: the polluter of the cleaned victim, and the state-setter of the brittle test
/// (found in a recorded run where it passed).
#[test]
fn after_a_hunt_bisect_finds_the_polluter_behind_a_cleaner_and_a_state_setter() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    assert_eq!(util::exit_code(&hunt(&sandbox, RUNS)), 1);

    // go replays only sub-orders of the failing seed's order, and no cleaner can sit between
    // polluter and victim in it: the cleaner search cannot run (see docs/runners/go.md).
    let result = bisect(&sandbox, V3, &["--no-cleaners"]);
    assert_eq!(result["verdict"], "polluted");
    assert_eq!(util::ids(&result["polluters"]), [P3]);

    let result = bisect(&sandbox, B4, &[]);
    assert_eq!(result["verdict"], "brittle");
    assert_eq!(util::ids(&result["state_setters"]), [S4]);
    assert_eq!(util::ids(&result["polluters"]), Vec::<&str>::new());
}

#[test]
fn a_package_that_does_not_build_stops_the_hunt_with_the_compilers_message() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    sandbox.write(
        "cart/broken_test.go",
        "package cart\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { undefinedHelper() }\n",
    );
    let output = hunt(&sandbox, 4);
    assert_eq!(util::exit_code(&output), 3, "{}", util::stderr(&output));
    let stderr = util::stderr(&output);
    assert!(
        stderr.contains("example.com/bleedsuite/cart did not build"),
        "{stderr}"
    );
    assert!(stderr.contains("undefined: undefinedHelper"), "{stderr}");
    assert_eq!(
        sandbox.runs().len(),
        1,
        "the hunt stopped after its first run"
    );
}

#[test]
fn a_command_that_fixes_the_shuffle_is_refused() {
    let sandbox = Sandbox::new();
    for command in ["go test -shuffle=on ./...", "go test -shuffle 7 ./..."] {
        let output = sandbox
            .bleed()
            .args(["hunt", "--cmd", command, "--runs", "2"])
            .output()
            .expect("run bleed");
        assert_eq!(util::exit_code(&output), 2, "{command}");
        assert!(
            util::stderr(&output).contains("-shuffle=<seed>"),
            "{}",
            util::stderr(&output)
        );
    }
}

/// The shapes module (testdata/go/shapes, its own module so `go test ./...` of the planted suite
/// leaves it out; described in its PLANTED.md): table rows with identical names, names that
/// differ only in case, trailing spaces, quotes and `$(…)`.
const SHAPES: &str = "go/shapes";
const SHAPES_POLLUTER: &str = "example.com/shapes/shelf.TestStockShelf";
const SHAPES_VICTIM: &str = "example.com/shapes/shelf.TestShelfIsEmpty";
/// Pinned: in a hunt of 6 runs from it the shapes victim both fails and passes.
const SHAPES_MASTER_SEED: &str = "19497";

/// The top-level tests go itself lists for the module, as bleed names them.
fn go_own_ids(sandbox: &Sandbox) -> BTreeSet<String> {
    let listed = StdCommand::new("go")
        .args(["test", "-list", ".", "./..."])
        .current_dir(sandbox.path())
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .output()
        .expect("run go");
    assert!(listed.status.success(), "{listed:?}");
    String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|line| line.starts_with("Test"))
        .map(|name| format!("example.com/shapes/shelf.{name}"))
        .collect()
}

/// Runs a printed go command with `-json` added and gives the top-level tests in the order they
/// ran, with whether each failed.
fn go_ran_in_order(sandbox: &Sandbox, command: &str) -> Vec<(String, bool)> {
    let output = StdCommand::new("sh")
        .args(["-c", &format!("{command} -json")])
        .current_dir(sandbox.path())
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .output()
        .expect("run sh");
    let mut ran: Vec<(String, bool)> = Vec::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let event: Value = serde_json::from_str(line).expect("a test2json event");
        let Some(test) = event["Test"].as_str().filter(|test| !test.contains('/')) else {
            continue;
        };
        let id = format!("{}.{test}", event["Package"].as_str().unwrap());
        match event["Action"].as_str() {
            Some("run") => ran.push((id, false)),
            Some("fail") => ran
                .iter_mut()
                .filter(|(ran, _)| *ran == id)
                .for_each(|r| r.1 = true),
            _ => {}
        }
    }
    ran
}

fn shapes_hunt(sandbox: &Sandbox, command: &str) -> Value {
    let output = offline(&mut sandbox.bleed())
        .args(["hunt", "--cmd", command, "--runs", "6", "--jobs", "2"])
        .args(["--seed", SHAPES_MASTER_SEED, "--json"])
        .output()
        .expect("run bleed");
    util::json_exiting(&output, 1, "the planted victim flips")
}

#[test]
fn awkward_names_are_all_counted_keep_unique_stable_ids_and_their_polluter_is_found() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SHAPES);
    let own = go_own_ids(&sandbox);
    assert_eq!(own.len(), 4);
    let report = shapes_hunt(&sandbox, "go test ./...");
    let flipped: Vec<&str> = util::flipped(&report);
    assert_eq!(flipped, [SHAPES_VICTIM]);
    for run in sandbox.runs() {
        let ids: Vec<String> = run["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|result| result["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids.len(), own.len(), "every top-level test, once: {ids:?}");
        assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), own, "stable ids");
    }

    let started = std::time::Instant::now();
    let bisection = offline(&mut sandbox.bleed())
        .args(["bisect", "--victim", SHAPES_VICTIM, "--jobs", "2", "--json"])
        .output()
        .expect("run bleed");
    let bisection = util::json_exiting(&bisection, 0, "bisecting the shapes victim");
    eprintln!(
        "go shapes: {} probes in {:.1}s: {}",
        bisection["probes"],
        started.elapsed().as_secs_f64(),
        bisection["reproducer"]["command"]
    );
    assert_eq!(bisection["verdict"], "polluted");
    assert_eq!(util::ids(&bisection["polluters"]), [SHAPES_POLLUTER]);
    // The version line bleed checked is the one the real program prints first.
    let printed = StdCommand::new("go")
        .arg("version")
        .output()
        .expect("ask the version");
    let first_line = String::from_utf8_lossy(&printed.stdout)
        .lines()
        .next()
        .map(String::from);
    assert_eq!(bisection["runner_version"].as_str(), first_line.as_deref());
    let message = bisection["failure_message"].as_str().unwrap();
    assert!(message.starts_with("TestShelfIsEmpty/empty: "), "{message}");
    assert!(
        message.contains(r#"it's \"quoted\" $(touch bleed-pwned) "#),
        "{message}"
    );
    let reproducer = bisection["reproducer"]["command"].as_str().unwrap();
    assert_eq!(
        go_ran_in_order(&sandbox, reproducer),
        [
            (SHAPES_POLLUTER.to_string(), false),
            (SHAPES_VICTIM.to_string(), true)
        ],
        "the reproducer runs exactly that order: {reproducer}"
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// A hunt that runs some subtests only (`-run '/(it|empty)'`: every test, and of their subtests
/// those matching) is bisected with the same subtests, down to its reproducer.
#[test]
fn a_hunt_that_selects_subtests_is_bisected_with_the_same_subtests() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SHAPES);
    let command = "go test -run '/(it|empty)' ./...";
    shapes_hunt(&sandbox, command);
    let bisection = offline(&mut sandbox.bleed())
        .args([
            "bisect",
            "--cmd",
            command,
            "--victim",
            SHAPES_VICTIM,
            "--json",
        ])
        .output()
        .expect("run bleed");
    let bisection = util::json_exiting(&bisection, 0, "bisecting under a subtest -run");
    assert_eq!(util::ids(&bisection["polluters"]), [SHAPES_POLLUTER]);
    let reproducer = bisection["reproducer"]["command"].as_str().unwrap();
    assert!(
        reproducer.ends_with(" -run '^(TestStockShelf|TestShelfIsEmpty)$/(it|empty)'"),
        "{reproducer}"
    );
    assert_eq!(
        go_ran_in_order(&sandbox, reproducer),
        [
            (SHAPES_POLLUTER.to_string(), false),
            (SHAPES_VICTIM.to_string(), true)
        ]
    );
    util::assert_nothing_ran_as_code(&sandbox);
}

/// An order naming a subtest (as other tools' reports and hand-written order files do) is
/// refused before any probe runs, with the top-level test to bisect instead.
#[test]
fn a_subtest_in_the_order_is_refused_before_any_probe() {
    let sandbox = Sandbox::with_suite(SHAPES);
    let subtest = "example.com/shapes/shelf.TestShelfIsEmpty/empty#01";
    sandbox.write(
        "order.txt",
        &format!("example.com/shapes/shelf.TestStockShelf\n{subtest}\n"),
    );
    let output = offline(&mut sandbox.bleed())
        .args([
            "bisect",
            "--cmd",
            "go test ./...",
            "--order-file",
            "order.txt",
        ])
        .args(["--replay-cmd", "go test -count=1 -json ./... > <report>"])
        .args(["--victim", subtest])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    // Refused as bad input, before the failing order is even read.
    assert_eq!(util::exit_code(&output), 2, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "bleed: error: the go runner cannot bisect {subtest}: {subtest} is a subtest"
        )) && stderr.contains("--victim example.com/shapes/shelf.TestShelfIsEmpty"),
        "{stderr}"
    );
    assert!(sandbox.probes().is_empty(), "nothing ran");

    // A subtest among the tests before the victim is refused before the first probe.
    sandbox.write(
        "order.txt",
        &format!("{subtest}\nexample.com/shapes/shelf.TestStockShelf\n"),
    );
    let output = offline(&mut sandbox.bleed())
        .args([
            "bisect",
            "--cmd",
            "go test ./...",
            "--order-file",
            "order.txt",
        ])
        .args(["--replay-cmd", "go test -count=1 -json ./... > <report>"])
        .args(["--victim", "example.com/shapes/shelf.TestStockShelf"])
        .output()
        .expect("run bleed");
    let stderr = util::stderr(&output);
    assert_eq!(util::exit_code(&output), 3, "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "bleed: error: the go runner cannot run the order bleed needs: {subtest} is a subtest"
        )),
        "{stderr}"
    );
    assert!(sandbox.probes().is_empty(), "nothing ran");
}

/// A go without -shuffle is refused before the first run, in one line.
#[test]
fn a_go_older_than_1_17_is_refused_before_anything_runs() {
    let sandbox = Sandbox::with_suite(SHAPES);
    util::assert_too_old_is_refused(
        &sandbox,
        ("go", "version", "go version go1.16.15 linux/amd64"),
        "old/go test ./...",
        "bleed needs go 1.17 or later",
    );
}

/// The probe counts of a bisection, checked against the mode it was asked for: warm probes ran
/// through the prebuilt binaries with nothing falling back, or none did.
fn assert_probed(result: &Value, mode: &str) {
    let probe = &result["probe"];
    assert_eq!(probe["mode"], mode, "{probe}");
    let warm = probe["warm"].as_u64().unwrap();
    if mode == "warm" {
        assert!(warm > 0, "{probe}");
        assert!(probe.get("fallback").is_none(), "{probe}");
        assert!(probe.get("disagreement").is_none(), "{probe}");
    } else {
        assert_eq!(warm, 0, "{probe}");
    }
}

/// Warm probes (each package's test binary built once and run directly) reach the verdicts cold
/// probes (a fresh `go test` each) reach, for every planted case, with two probes at once sharing
/// one binary.
#[test]
fn warm_and_cold_bisections_name_the_same_culprits() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    assert_eq!(util::exit_code(&hunt(&sandbox, RUNS)), 1);
    for (victim, extra) in [
        (V1, &["--seed", ALL_FAIL_SEED][..]),
        (V2, &["--seed", ALL_FAIL_SEED]),
        (V5, &["--seed", ALL_FAIL_SEED]),
        (V3, &["--no-cleaners"]),
        (B4, &[]),
    ] {
        let mut verdicts = Vec::new();
        for mode in ["warm", "cold"] {
            let output = offline(&mut sandbox.bleed())
                .args(["bisect", "--victim", victim, "--jobs", "2", "--json"])
                .args(["--probe", mode])
                .args(extra)
                .output()
                .expect("run bleed");
            let result = util::json_exiting(&output, 0, &format!("bisecting {victim} {mode}"));
            assert_probed(&result, mode);
            let culprits = |kind: &str| -> BTreeSet<String> {
                util::ids(&result[kind])
                    .into_iter()
                    .map(String::from)
                    .collect()
            };
            verdicts.push((
                result["verdict"].clone(),
                culprits("polluters"),
                culprits("state_setters"),
            ));
        }
        assert_eq!(verdicts[0], verdicts[1], "{victim}: warm, then cold");
    }
    // Warm is what bisect does unless told otherwise. The warm bisection above recorded every
    // order this one asks about, so they are read, not run again; the cold run of the
    // reproducer a verdict needs still runs.
    let output = offline(&mut sandbox.bleed())
        .args(["bisect", "--victim", V1, "--seed", ALL_FAIL_SEED, "--json"])
        .output()
        .expect("run bleed");
    let result = util::json_exiting(&output, 0, "bisecting with the default probes");
    assert_eq!(result["probe"]["mode"], "warm", "{result:#}");
    assert!(result["probes_reused"].as_u64().unwrap() > 0, "{result:#}");
    assert!(result["probe"]["cold"].as_u64().unwrap() > 0, "{result:#}");
    assert_eq!(util::ids(&result["polluters"]), [P1]);
    util::assert_nothing_ran_as_code(&sandbox);
}

/// A warm hunt runs each package's binary under the seed as `go test -shuffle` does: every run
/// records, package by package, the order and outcomes a cold hunt of the same seeds records.
#[test]
fn a_warm_hunt_records_what_a_cold_hunt_of_the_same_seeds_records() {
    if !require_go() {
        return;
    }
    let runs = 4;
    let by_package = |sandbox: &Sandbox| -> Vec<(u64, Vec<(String, String)>)> {
        sandbox
            .runs()
            .iter()
            .map(|run| {
                let mut results: Vec<(String, String)> = run["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        let id = r["id"].as_str().unwrap().to_string();
                        (id, r["outcome"].as_str().unwrap().to_string())
                    })
                    .collect();
                // Packages run side by side in a cold hunt; within one, the order is the seed's.
                results.sort_by_key(|(id, _)| id.rsplit_once('.').unwrap().0.to_string());
                (run["seed"].as_u64().unwrap(), results)
            })
            .collect()
    };
    let cold = Sandbox::with_suite(SUITE);
    assert_eq!(util::exit_code(&hunt(&cold, runs)), 1);
    let warm = Sandbox::with_suite(SUITE);
    let output = offline(&mut warm.bleed())
        .args([
            "hunt",
            "--cmd",
            "go test ./...",
            "--runs",
            &runs.to_string(),
        ])
        .args(["--jobs", "2", "--seed", MASTER_SEED, "--warm", "--json"])
        .output()
        .expect("run bleed");
    let report = util::json_exiting(&output, 1, "a warm hunt finds the flips");
    assert_eq!(report["warm"]["mode"], "warm", "{}", report["warm"]);
    assert!(
        report["warm"]["warm"].as_u64().unwrap() > 0,
        "{}",
        report["warm"]
    );
    let mut warm_runs = by_package(&warm);
    let mut cold_runs = by_package(&cold);
    warm_runs.sort();
    cold_runs.sort();
    assert_eq!(warm_runs, cold_runs);
    for run in warm.runs() {
        PLANT.assert_outcomes_follow_the_order(&run);
    }
}

/// A hunt whose flags go test arranges around the binary itself (here a coverage profile) is
/// bisected cold, saying why.
#[test]
fn a_hunt_with_a_coverage_profile_is_bisected_cold_and_says_why() {
    if !require_go() {
        return;
    }
    let sandbox = Sandbox::with_suite(SUITE);
    let output = offline(&mut sandbox.bleed())
        .args(["bisect", "--cmd", "go test -coverprofile=cover.out ./..."])
        .args(["--seed", ALL_FAIL_SEED, "--victim", V1, "--json"])
        .output()
        .expect("run bleed");
    let result = util::json_exiting(&output, 0, "bisecting a coverage hunt");
    assert_eq!(util::ids(&result["polluters"]), [P1]);
    assert_probed(&result, "cold");
    let fallback = result["probe"]["fallback"].as_str().unwrap();
    assert!(fallback.contains("-coverprofile"), "{fallback}");
}
