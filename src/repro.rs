//! What a bisection hands back: the terminal summary, `repro.sh` and `REPORT.md`.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::bisect::{Bisection, Confirmation, Located, Verdict};
use crate::error::{Error, Result};
use crate::human::{Paint, count, counted, duration};
use crate::template::quote;
use crate::warm::Probing;

/// `.bleed/repro/<victim>/`, with the victim's id made safe as one directory name.
pub fn default_dir(store: &Path, victim: &str) -> PathBuf {
    store.join("repro").join(dir_name(victim))
}

/// The victim's id made safe as one directory name.
pub fn dir_name(victim: &str) -> String {
    let mut name: String = victim
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    name.truncate(120);
    name
}

fn location(test: &Located) -> String {
    let shown = match (&test.file, test.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => return String::new(),
    };
    // Ids that already say where the test is (cucumber's file:line, pytest's path::name) need
    // no second mention.
    if test.id.starts_with(&shown)
        || test
            .file
            .as_ref()
            .is_some_and(|f| test.id.starts_with(f.as_str()))
            && test.line.is_none()
    {
        String::new()
    } else {
        format!("  ({shown})")
    }
}

fn verdict_line(result: &Bisection) -> String {
    match result.verdict {
        Verdict::Polluted if result.polluters.len() == 1 => {
            "polluted: fails after 1 test".to_string()
        }
        Verdict::Polluted => {
            format!(
                "polluted: fails only after all {} of these tests",
                result.polluters.len()
            )
        }
        Verdict::Brittle => format!(
            "brittle: fails alone, passes after {}",
            counted(result.state_setters.len(), "state-setter", "state-setters")
        ),
        Verdict::NotReproduced => {
            "not reproduced: the failing order passed when replayed".to_string()
        }
        Verdict::FailsAlone => "fails alone: nothing to bisect".to_string(),
        Verdict::NonDeterministic => {
            "non-deterministic: the same order both failed and passed, so nobody is blamed"
                .to_string()
        }
    }
}

/// The terminal summary, coloured by `paint`: the verdict, the culprits in bold, the cleaners
/// in green.
pub fn render(result: &Bisection, written: Option<&Path>, paint: Paint) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "victim     {}", result.victim);
    let verdict = verdict_line(result);
    let verdict = match result.verdict {
        Verdict::Polluted | Verdict::FailsAlone => paint.red(&verdict),
        Verdict::Brittle => paint.yellow(&verdict),
        Verdict::NotReproduced | Verdict::NonDeterministic => paint.cyan(&verdict),
    };
    let _ = writeln!(out, "verdict    {}", paint.bold(&verdict));
    let mut list = |label: &str, tests: &[Located], cleaning: bool| {
        for test in tests {
            let id = if cleaning {
                paint.green(&test.id)
            } else {
                paint.bold(&test.id)
            };
            let _ = writeln!(out, "{label:<10} {id}{}", location(test));
        }
    };
    list("polluter", &result.polluters, false);
    list("setter", &result.state_setters, false);
    list("cleaner", &result.cleaners, true);
    if let Some(message) = &result.failure_message {
        let _ = writeln!(out, "failure    {message}");
    }
    if let Some(evidence) = &result.evidence {
        let _ = writeln!(out, "evidence   {evidence}");
    }
    if let Some(confirmed) = result
        .confirmation
        .as_ref()
        .filter(|_| result.evidence.is_none())
    {
        let _ = writeln!(out, "confirmed  {}", confirmation_line(confirmed));
    }
    if let Some(reproducer) = &result.reproducer {
        let expectation = if result.verdict == Verdict::Brittle {
            "passes"
        } else {
            "fails"
        };
        let _ = writeln!(
            out,
            "\nreproduce (the victim {expectation}):\n  {}",
            reproducer.command
        );
        let alone = if result.verdict == Verdict::Brittle {
            "fails"
        } else {
            "passes"
        };
        let _ = writeln!(
            out,
            "victim alone ({alone}):\n  {}",
            result.isolation_command
        );
    }
    let log2 = (result.candidates.max(1) as f64).log2().ceil() as usize;
    let _ = write!(
        out,
        "\n{} for {} (⌈log2 n⌉ = {log2}) in {}",
        count(result.probes, "probe"),
        counted(result.candidates, "preceding test", "preceding tests"),
        count(result.rounds, "round")
    );
    if result.cleaner_probes > 0 {
        let _ = write!(
            out,
            ", and {} looking for cleaners",
            count(result.cleaner_probes, "probe")
        );
    }
    let _ = writeln!(out, "; {}", duration(Some(result.wall_seconds)));
    if let Some(line) = probing_line(&result.probe) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(dir) = written {
        let _ = writeln!(out, "wrote {0}/repro.sh and {0}/REPORT.md", dir.display());
    }
    out
}

/// How the probes ran, when any ran warm or warm runs were given up: the warm and cold counts,
/// the one boot, and why the rest ran cold.
fn probing_line(probing: &Probing) -> Option<String> {
    if probing.mode != "warm" {
        return None;
    }
    let mut line = match probing.boot_seconds {
        Some(boot) => format!(
            "{} warm (the suite booted once, in {})",
            count(probing.warm, "probe"),
            duration(Some(boot))
        ),
        None => format!(
            "{} warm (through a prebuilt binary)",
            count(probing.warm, "probe")
        ),
    };
    let _ = write!(line, ", {} cold in fresh processes", probing.cold);
    if let Some(disagreement) = &probing.disagreement {
        let _ = write!(
            line,
            "\nwarm and cold runs disagreed: {disagreement}; the verdict is from cold runs"
        );
    } else if let Some(fallback) = &probing.fallback {
        let _ = write!(line, "; cold after: {fallback}");
    }
    Some(line)
}

/// How the culprits were confirmed, in a line: the runs, and what chance that leaves.
fn confirmation_line(confirmed: &Confirmation) -> String {
    format!(
        "{} of the culprits then the victim and {} of the victim alone went as the verdict says \
         ({}); {}",
        count(confirmed.with_culprits, "run"),
        confirmed.alone,
        counted(
            confirmed.extra_probes,
            "confirmation probe",
            "confirmation probes"
        ),
        confirmed.basis
    )
}

/// Writes `repro.sh` and `REPORT.md` into `dir` for a result with a reproducer.
pub fn write(result: &Bisection, dir: &Path, project: &Path) -> Result<()> {
    let Some(reproducer) = &result.reproducer else {
        return Ok(());
    };
    let fail = |e: std::io::Error| {
        Error::store(format!(
            "cannot write the reproducer into {}: {e}",
            dir.display()
        ))
    };
    fs::create_dir_all(dir).map_err(fail)?;
    let brittle = result.verdict == Verdict::Brittle;
    let (first, second) = if brittle {
        ("PASS", "FAIL")
    } else {
        ("FAIL", "PASS")
    };
    let culprits = if brittle {
        &result.state_setters
    } else {
        &result.polluters
    };
    let names: Vec<&str> = culprits.iter().map(|t| t.id.as_str()).collect();
    let mut script = String::from("#!/bin/sh\n");
    let _ = writeln!(
        script,
        "# Reproducer made by bleed {}: {}",
        env!("CARGO_PKG_VERSION"),
        verdict_line(result)
    );
    let _ = writeln!(script, "# victim: {}", result.victim.replace('\n', " "));
    let _ = writeln!(
        script,
        "# {}: {}",
        if brittle {
            "state-setters"
        } else {
            "polluters"
        },
        names.join(", ").replace('\n', " ")
    );
    let _ = writeln!(script, "# Exit 0 when both expectations hold, 1 otherwise.");
    let _ = writeln!(
        script,
        "cd {} || exit 2",
        quote(&project.display().to_string())
    );
    let _ = writeln!(script, "status=0");
    for (step, label, command, expect) in [
        (
            1,
            format!(
                "{} then the victim",
                if brittle {
                    "state-setters"
                } else {
                    "polluters"
                }
            ),
            &reproducer.command,
            first,
        ),
        (
            2,
            "the victim alone".to_string(),
            &result.isolation_command,
            second,
        ),
    ] {
        let _ = writeln!(
            script,
            "\necho {}",
            quote(&format!(
                "== {step}/2 {label}: expect the victim to {expect}"
            ))
        );
        let _ = writeln!(script, "{command}");
        let condition = if expect == "PASS" { "-eq" } else { "-ne" };
        let _ = writeln!(
            script,
            "if [ $? {condition} 0 ]; then echo 'PASS: as expected'; else echo 'FAIL: expected the victim to {}'; status=1; fi",
            expect.to_lowercase()
        );
    }
    script.push_str("exit $status\n");
    let script_path = dir.join("repro.sh");
    fs::write(&script_path, script).map_err(fail)?;
    fs::set_permissions(&script_path, fs::Permissions::from_mode(0o755)).map_err(fail)?;
    fs::write(dir.join("REPORT.md"), report_markdown(result)).map_err(fail)
}

fn report_markdown(result: &Bisection) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "### Order-dependent test: `{}`\n", result.victim);
    let _ = writeln!(md, "**Verdict:** {}\n", verdict_line(result));
    let (label, tests) = if result.verdict == Verdict::Brittle {
        (
            "State-setters (must run first for the test to pass)",
            &result.state_setters,
        )
    } else {
        (
            "Polluters (make it fail when run before it)",
            &result.polluters,
        )
    };
    let _ = writeln!(md, "{label}:\n");
    for test in tests {
        let _ = writeln!(md, "- `{}`{}", test.id, location(test));
    }
    if !result.cleaners.is_empty() {
        let _ = writeln!(md, "\nCleaners (hide the failure when run in between):\n");
        for test in &result.cleaners {
            let _ = writeln!(md, "- `{}`{}", test.id, location(test));
        }
    }
    if let Some(message) = &result.failure_message {
        let _ = writeln!(md, "\nFailure:\n\n```\n{message}\n```");
    }
    if let Some(reproducer) = &result.reproducer {
        let _ = writeln!(md, "\nReproduce:\n\n```sh\n{}\n```", reproducer.command);
        let _ = writeln!(
            md,
            "\nThe test alone:\n\n```sh\n{}\n```",
            result.isolation_command
        );
    }
    let _ = writeln!(md, "\n| | |\n|---|---|");
    if let Some(seed) = result.seed {
        let _ = writeln!(md, "| seed | {seed} |");
    }
    let _ = writeln!(
        md,
        "| failing order from | {} |",
        result.origin.replace('|', "\\|")
    );
    let _ = writeln!(
        md,
        "| runner | {} |",
        result
            .runner_version
            .as_deref()
            .unwrap_or(&result.runner)
            .replace('|', "\\|")
    );
    let _ = writeln!(
        md,
        "| found by | bleed {}, {} probes |",
        env!("CARGO_PKG_VERSION"),
        result.probes
    );
    if let Some(line) = probing_line(&result.probe) {
        let _ = writeln!(
            md,
            "| probes | {} |",
            line.replace('|', "\\|").replace('\n', " ")
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn victim_directories_are_one_safe_name() {
        let dir = default_dir(Path::new(".bleed"), "tests/a.py::test_x[it's $(x)]");
        assert_eq!(dir, Path::new(".bleed/repro/tests_a.py__test_x_it_s___x__"));
    }

    /// A bisection as `--json` prints it, with one polluter and one cleaner.
    fn polluted() -> Bisection {
        serde_json::from_value(serde_json::json!({
            "schema": 1,
            "victim": "permissions::guest_cannot_delete",
            "verdict": "polluted",
            "polluters": [{"id": "session::login_admin"}],
            "cleaners": [{"id": "session::logout"}],
            "state_setters": [],
            "probes": 1,
            "rounds": 1,
            "cleaner_probes": 6,
            "candidates": 16,
            "retries": 0,
            "wall_seconds": 0.1834,
            "reproducer": {"command": "run login_admin guest_cannot_delete", "order": []},
            "isolation_command": "run guest_cannot_delete",
            "runner": "generic",
            "seed": 7,
            "origin": "recorded run r-1",
            "failure_message": "an admin session leaked",
            "runner_version": null,
            "started_at": "2026-12-02T06:29:12Z",
            "confirmation": {
                "with_culprits": 1,
                "alone": 1,
                "history_runs": 0,
                "extra_probes": 1,
                "chance": 0.008,
                "basis": "chance 0.8 %"
            },
            "probe": {"mode": "warm", "warm": 1, "cold": 2, "boot_seconds": 0.0}
        }))
        .expect("a bisection")
    }

    #[test]
    fn the_summary_counts_in_words_that_agree_with_their_numbers() {
        let text = render(&polluted(), None, Paint::plain());
        let expected = "\
victim     permissions::guest_cannot_delete
verdict    polluted: fails after 1 test
polluter   session::login_admin
cleaner    session::logout
failure    an admin session leaked
confirmed  1 run of the culprits then the victim and 1 of the victim alone went as the verdict says (1 confirmation probe); chance 0.8 %

reproduce (the victim fails):
  run login_admin guest_cannot_delete
victim alone (passes):
  run guest_cannot_delete

1 probe for 16 preceding tests (⌈log2 n⌉ = 4) in 1 round, and 6 probes looking for cleaners; 183.4ms
1 probe warm (the suite booted once, in 0s), 2 cold in fresh processes
";
        assert_eq!(text, expected);
    }

    #[test]
    fn colour_marks_the_verdict_the_culprits_and_the_cleaners() {
        let text = render(&polluted(), None, Paint { enabled: true });
        assert!(text.contains("verdict    \x1b[1m\x1b[31mpolluted: fails after 1 test\x1b[0m"));
        assert!(text.contains("polluter   \x1b[1msession::login_admin\x1b[0m"));
        assert!(text.contains("cleaner    \x1b[32msession::logout\x1b[0m"));
    }
}
