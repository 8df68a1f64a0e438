//! The go adapter against the real `go test` on a planted suite (testdata/go, described in its
//! PLANTED.md): hunts find exactly the planted victims, bisections find their causes.

use std::collections::BTreeSet;
use std::process::{Command as StdCommand, Output};

use serde_json::Value;

use crate::util::{self, Plant, Sandbox};

const SUITE: &str = "go";

/// Pinned: under its first 10 run seeds every planted victim both fails and passes.
const MASTER_SEED: &str = "19497";
const RUNS: u64 = 10;

/// Run 3 of that hunt: every planted victim fails under it.
const ALL_FAIL_SEED: &str = "527449820";

const P1: &str = "example.com/bleedsuite/cart.TestSwitchCurrencyToEUR";
const V1: &str = "example.com/bleedsuite/cart.TestTotalIsInDollars";
const PA: &str = "example.com/bleedsuite/cart.TestStockCheckOpensConnection";
const PB: &str = "example.com/bleedsuite/cart.TestPriceLookupOpensConnection";
const V2: &str = "example.com/bleedsuite/cart.TestCheckoutGetsAConnection";
const P3: &str = "example.com/bleedsuite/cart.TestWarmPriceCache";
const C3: &str = "example.com/bleedsuite/cart.TestReloadClearsPriceCache";
const V3: &str = "example.com/bleedsuite/cart.TestAppleCostsThree";
const S4: &str = "example.com/bleedsuite/cart.TestRegisterCSVExporter";
const B4: &str = "example.com/bleedsuite/cart.TestExportInventoryAsCSV";
const P5: &str = "example.com/bleedsuite/labels.v2.TestCustomBanners";
const V5: &str = "example.com/bleedsuite/labels.v2.TestBannerDefaultsToWelcome";

const VICTIMS: [&str; 5] = [V1, V2, V3, B4, V5];

/// The subtest name V5 fails in, as go writes it (spaces become underscores).
const HOSTILE_SUBTEST: &str = "TestBannerDefaultsToWelcome/it's_\"quoted\"_$(touch_bleed-pwned)";

fn require_go() -> bool {
    util::require_runner("go", &[&["go", "version"]])
}

/// Keeps go off the network and away from the caller's settings.
fn offline(command: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
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
    let flipped: BTreeSet<&str> = report["flips"]
        .as_array()
        .expect("\"flips\" is an array")
        .iter()
        .map(|flip| flip["test"].as_str().expect("a flip names its test"))
        .collect();
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
