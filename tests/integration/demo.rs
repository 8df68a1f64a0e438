//! `bleed demo`: the built-in suite with planted order dependencies, hunted and bisected
//! without any runner installed.

use crate::util::{self, Sandbox};

/// The demo's victims whose cases do not depend on chance.
const ORDER_DEPENDENT: [&str; 4] = [
    "checkout::total_in_dollars",
    "invoice::renders_fresh_totals",
    "permissions::guest_cannot_delete",
    "orders::list_orders",
];

/// Fails at random whatever the order: the hunt must see it flip, give it a kind that sends
/// nobody to bisect it, and the demo must not pretend to find a culprit for it.
const NOISY: &str = "clock::timer_resolution";

/// The demo's verdict word for `victim`: the first word of its summary line.
fn marked(stdout: &str, victim: &str) -> Option<String> {
    stdout.lines().find_map(
        |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
            [mark, name] if name == victim => Some(mark.to_string()),
            _ => None,
        },
    )
}

#[test]
fn the_demo_finds_every_planted_case_and_bisects_the_order_dependent_ones() {
    let sandbox = Sandbox::new();
    let tmp = sandbox.path().join("tmp");
    std::fs::create_dir(&tmp).expect("create a temporary directory for the demo");
    let output = sandbox
        .bleed()
        .arg("demo")
        .env("TMPDIR", &tmp)
        .output()
        .expect("run bleed");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        util::exit_code(&output),
        0,
        "stdout:\n{stdout}\nstderr:\n{}",
        util::stderr(&output)
    );
    assert!(
        !stdout.contains("MISSED") && !stdout.contains("WRONG"),
        "stdout:\n{stdout}"
    );
    for victim in ORDER_DEPENDENT {
        assert_eq!(
            marked(&stdout, victim).as_deref(),
            Some("found"),
            "{victim}; stdout:\n{stdout}"
        );
    }
    assert_eq!(
        marked(&stdout, NOISY).as_deref(),
        Some("found"),
        "stdout:\n{stdout}"
    );
    assert!(
        stdout.contains("order-dependent (3)") && stdout.contains("brittle (1)"),
        "the noisy test is not sent to bisect; stdout:\n{stdout}"
    );
    assert!(
        sandbox.find(".bleed").is_empty() && sandbox.find("runs.jsonl").len() == 1,
        "the demo records its runs in a temporary directory, not the user's"
    );
    assert!(
        !stdout.contains('\x1b'),
        "no colour when stdout is not a terminal: {stdout:?}"
    );
}

/// The command the demo suggests running next, run as printed from the same directory, reads
/// the runs the demo recorded in `--store` and bisects one of its victims.
#[test]
fn the_demo_records_in_its_store_and_its_next_command_works_as_printed() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .bleed()
        .args(["demo", "--store", "demo runs", "--runs", "30"])
        .output()
        .expect("run bleed");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        [0, 1].contains(&util::exit_code(&output)),
        "stdout:\n{stdout}\nstderr:\n{}",
        util::stderr(&output)
    );
    assert!(
        sandbox.path().join("demo runs/runs.jsonl").is_file(),
        "--store is where the runs are"
    );
    let next = stdout
        .lines()
        .skip_while(|line| !line.starts_with("Next, bisect one yourself"))
        .nth(1)
        .unwrap_or_else(|| panic!("no next command; stdout:\n{stdout}"))
        .trim();
    assert!(next.contains(" bisect --store 'demo runs' "), "{next}");
    let bisected = sandbox.sh(next);
    assert_eq!(
        bisected.status.code(),
        Some(0),
        "`{next}` failed; stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&bisected.stdout),
        String::from_utf8_lossy(&bisected.stderr)
    );
    assert!(
        String::from_utf8_lossy(&bisected.stdout).contains("cleaner    session::logout"),
        "{}",
        String::from_utf8_lossy(&bisected.stdout)
    );
    assert!(
        sandbox
            .path()
            .join("demo runs/repro/permissions__guest_cannot_delete/REPORT.md")
            .is_file()
    );
    let report = stdout
        .lines()
        .skip_while(|line| !line.starts_with("Everything the demo recorded"))
        .nth(1)
        .unwrap_or_else(|| panic!("no report command; stdout:\n{stdout}"))
        .trim();
    let reported = sandbox.sh(report);
    let text = String::from_utf8_lossy(&reported.stdout);
    assert_eq!(
        reported.status.code(),
        Some(1),
        "`{report}`: flips need looking at\n{text}"
    );
    assert!(
        text.contains("permissions::guest_cannot_delete  (bisected: polluted)"),
        "the bisection just made is in the report:\n{text}"
    );
}
