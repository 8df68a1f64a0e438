//! Truth first (docs/warm.md): warm probes never decide a verdict that cold runs contradict. The
//! suite in testdata/warm/fork_breaks fails its victim in every forked child (a connection
//! opened at boot, unusable after fork), alone too, while cold the victim fails only after its
//! real polluter.

use crate::util::{self, Sandbox};

const VICTIM: &str = "tests/test_orders.py::test_total";
const POLLUTER: &str = "tests/test_settings.py::test_switch_currency";

fn failing_order(sandbox: &Sandbox) {
    sandbox.write(
        "order.txt",
        &[
            POLLUTER,
            "tests/test_catalog.py::test_list",
            "tests/test_settings.py::test_language",
            "tests/test_catalog.py::test_search",
            "tests/test_orders.py::test_count",
            VICTIM,
        ]
        .join("\n"),
    );
}

fn bisect(sandbox: &Sandbox, probe: &str) -> std::process::Output {
    sandbox
        .bleed()
        .args([
            "bisect",
            "--cmd",
            "python3 -m pytest -q",
            "--order-file",
            "order.txt",
        ])
        .args([
            "--victim",
            VICTIM,
            "--probe",
            probe,
            "--no-cleaners",
            "--json",
        ])
        .output()
        .expect("bleed runs")
}

#[test]
fn warm_and_cold_disagreeing_is_said_and_the_verdict_is_cold() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("warm/fork_breaks");
    failing_order(&sandbox);
    let output = bisect(&sandbox, "warm");
    let result = util::json_exiting(&output, 0, "a warm bisection");
    assert_eq!(result["verdict"], "polluted");
    assert_eq!(util::ids(&result["polluters"]), vec![POLLUTER]);
    let probe = &result["probe"];
    assert_eq!(probe["mode"], "warm", "{probe}");
    assert!(probe["warm"].as_u64().unwrap() > 0, "{probe}");
    let disagreement = probe["disagreement"].as_str().unwrap_or_default();
    assert!(
        disagreement.contains("failed alone in warm probes but passed alone in a fresh process"),
        "{probe}"
    );
    assert!(
        util::stderr(&output).contains("warm and cold runs disagree"),
        "{}",
        util::stderr(&output)
    );
    // Every probe after the disagreement ran cold.
    let probes = sandbox.probes();
    let first_cold = probes
        .iter()
        .position(|p| p["warm"].as_bool() != Some(true))
        .expect("some probes ran cold");
    assert!(
        probes[first_cold..]
            .iter()
            .all(|p| p["warm"].as_bool() != Some(true)),
        "a warm probe ran after the disagreement"
    );
}

#[test]
fn cold_probes_see_no_disagreement() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("warm/fork_breaks");
    failing_order(&sandbox);
    let result = util::json_exiting(&bisect(&sandbox, "cold"), 0, "a cold bisection");
    assert_eq!(util::ids(&result["polluters"]), vec![POLLUTER]);
    assert_eq!(result["probe"]["mode"], "cold");
    assert_eq!(result["probe"]["warm"], 0);
    assert!(result["probe"].get("disagreement").is_none());
}

/// With no history, chance asks for several confirmation probes; after a warm search only the
/// first run of each command bleed prints (the reproducer's order, the victim alone) is cold.
#[test]
fn a_warm_search_is_confirmed_cold_once_per_printed_command() {
    if !util::require_pytest() {
        return;
    }
    let sandbox = Sandbox::with_suite("pytest/suite");
    let polluter = "tests/test_settings.py::test_switch_currency_to_eur";
    let victim = "tests/test_cart.py::test_total_is_in_dollars";
    sandbox.write(
        "order.txt",
        &[
            polluter,
            "tests/test_labels.py::test_label_fits_on_a_line",
            victim,
        ]
        .join("\n"),
    );
    let output = sandbox
        .bleed()
        .args([
            "bisect",
            "--cmd",
            "python3 -m pytest -q tests",
            "--order-file",
            "order.txt",
        ])
        .args(["--victim", victim, "--no-cleaners", "--json"])
        .output()
        .expect("bleed runs");
    let result = util::json_exiting(&output, 0, "a warm bisection without history");
    assert_eq!(util::ids(&result["polluters"]), vec![polluter]);
    let extra = result["confirmation"]["extra_probes"].as_u64().unwrap();
    assert!(
        extra > 2,
        "chance needed more than the two cold runs: {result:#}"
    );
    assert_eq!(result["probe"]["cold"], 2, "{result:#}");
    assert_eq!(
        result["probe"]["warm"].as_u64().unwrap() + 2,
        result["probes"].as_u64().unwrap(),
        "{result:#}"
    );
}
