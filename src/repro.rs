//! What a bisection hands back: the terminal summary, `repro.sh` and `REPORT.md`.
//!
//! The two files are written for someone else: a maintainer who has a checkout of the project
//! somewhere else, and none of this machine's store. They name tests the way people read them,
//! hold no run ids of the store nor paths of this machine, and repro.sh finds the project
//! wherever it is checked out.

mod markdown;
mod script;

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::bisect::{Bisection, Confirmation, Located, Verdict};
use crate::error::{Error, Result};
use crate::exec;
use crate::human::{Paint, count, counted, duration};
use crate::outcome::first_line;
use crate::runner;
use crate::warm::Probing;

/// `.bleed/repro/<victim>/`, with the victim's id made safe as one directory name.
pub fn default_dir(store: &Path, victim: &str) -> PathBuf {
    store.join("repro").join(dir_name(victim))
}

/// The victim's id made safe as one directory name, and never a hidden one:
/// `./spec/cart_spec.rb[1:1]` becomes `spec_cart_spec.rb_1_1_`.
pub fn dir_name(victim: &str) -> String {
    let mut name: String = victim
        .trim_start_matches("./")
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
    let visible = name.trim_start_matches('.');
    if visible.is_empty() {
        "test".to_string()
    } else {
        visible.to_string()
    }
}

/// Where a test is, when its id does not already say it: `  (spec/cart_spec.rb:4)`.
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

/// The victim as bisect located it; a bisection recorded before bleed kept that has its id.
fn victim(result: &Bisection) -> Located {
    result.victim_located.clone().unwrap_or_else(|| Located {
        id: result.victim.clone(),
        file: None,
        line: None,
        name: None,
    })
}

/// The culprits the verdict names, with what they are called.
fn culprits(result: &Bisection) -> (&'static str, &'static str, &[Located]) {
    if result.verdict == Verdict::Brittle {
        ("state-setter", "state-setters", &result.state_setters)
    } else {
        ("polluter", "polluters", &result.polluters)
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

/// The runner as people name it with its version: `pytest 9.2.0`, `RSpec 3.12`, and
/// `cucumber 2.4.0` or `Jest 30.5.2` for a runner whose version line is the bare number.
fn runner_line(result: &Bisection) -> String {
    let name = match result.runner.as_str() {
        "jest" => "Jest",
        other => other,
    };
    match &result.runner_version {
        Some(version) if version.to_lowercase().contains(&result.runner) => version.clone(),
        Some(version) => format!("{name} {version}"),
        None => name.to_string(),
    }
}

/// What a victim that fails only right after its polluters is told: any test between them
/// hides the failure, as far as the `tried` of the `between` tests that could sit there say.
pub fn any_cleans(tried: usize, between: usize) -> String {
    format!(
        "any test run between them: each of the {tried} tried of the {between} that could sit \
         there hid the failure, so it fails only right after its polluters"
    )
}

/// The terminal summary, coloured by `paint`: the verdict, the culprits in bold, the cleaners
/// in green.
pub fn render(result: &Bisection, written: Option<&Path>, paint: Paint) -> String {
    let mut out = String::new();
    // A title the id already ends with (mocha's `file › title`) is not said twice.
    let named = |test: &Located, shown: String| match &test.name {
        Some(name) if !test.id.ends_with(name.as_str()) => {
            format!("{shown}{} — {name}", location(test))
        }
        _ => format!("{shown}{}", location(test)),
    };
    let victim = victim(result);
    let _ = writeln!(out, "victim     {}", named(&victim, victim.id.clone()));
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
            let _ = writeln!(out, "{label:<10} {}", named(test, id));
        }
    };
    list("polluter", &result.polluters, false);
    list("setter", &result.state_setters, false);
    list("cleaner", &result.cleaners, true);
    if let Some(between) = result.cleaned_by_any {
        let said = any_cleans(result.cleaners.len(), between);
        let _ = writeln!(out, "{:<10} {}", "", paint.green(&said));
    }
    if let Some(message) = &result.failure_message {
        let _ = writeln!(out, "failure    {}", first_line(message));
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
        let (expectation, alone) = if result.verdict == Verdict::Brittle {
            ("passes", "fails")
        } else {
            ("fails", "passes")
        };
        let _ = writeln!(
            out,
            "\nreproduce (the victim {expectation}):\n  {}",
            reproducer.command
        );
        let _ = writeln!(
            out,
            "victim alone ({alone}):\n  {}",
            result.isolation_command
        );
    }
    costs(&mut out, result);
    if let Some(dir) = written {
        let _ = writeln!(out, "wrote {0}/repro.sh and {0}/REPORT.md", dir.display());
    }
    out
}

/// What the bisection cost: probes against ⌈log2 n⌉, rounds, cleaner probes and time, how the
/// probes ran, and what went against the records or was left running.
fn costs(out: &mut String, result: &Bisection) {
    let log2 = (result.candidates.max(1) as f64).log2().ceil() as usize;
    let _ = write!(
        out,
        "\n{} for {} (⌈log2 n⌉ = {log2}) in {}{}",
        probes_made(result),
        counted(result.candidates, "preceding test", "preceding tests"),
        count(result.rounds, "round"),
        cleaner_probes(result)
    );
    let _ = writeln!(out, "; {}", duration(Some(result.wall_seconds)));
    if let Some(line) = probing_line(&result.probe) {
        let _ = writeln!(out, "{line}");
    }
    if let Some(disagreement) = &result.records_disagreed {
        let _ = writeln!(
            out,
            "recorded runs and runs made now disagreed: {disagreement}; the verdict is from runs \
             made now"
        );
    }
    if result.left_running > 0 {
        let _ = writeln!(
            out,
            "{}",
            exec::left_running("probe", result.left_running, result.strays)
        );
    }
}

/// The suite runs the search made, and the answers it read from recorded runs instead:
/// `1 probe (and 2 answers from recorded runs)`.
fn probes_made(result: &Bisection) -> String {
    let probes = count(result.probes, "probe");
    match result.probes_reused {
        0 => probes,
        n => format!(
            "{probes} (and {})",
            counted(
                n,
                "answer from a recorded run",
                "answers from recorded runs"
            )
        ),
    }
}

/// `, and 6 probes looking for cleaners`, when it looked for them.
fn cleaner_probes(result: &Bisection) -> String {
    match result.cleaner_probes {
        0 => String::new(),
        n => format!(", and {} looking for cleaners", count(n, "probe")),
    }
}

/// How the probes ran, when any ran warm or warm runs were given up: the warm and cold counts,
/// the one boot, and why the rest ran cold.
fn probing_line(probing: &Probing) -> Option<String> {
    if probing.mode != "warm" {
        return None;
    }
    let mut line = match (probing.warm, probing.boot_seconds) {
        // Recorded runs answered what the warm suite would have: "0 probes warm" read as if
        // warm probes had failed.
        (0, _) if probing.fallback.is_none() && probing.disagreement.is_none() => format!(
            "{} in fresh processes, none warm: recorded runs answered the rest",
            count(probing.cold, "probe")
        ),
        (0, _) => format!(
            "{} in fresh processes, none warm",
            count(probing.cold, "probe")
        ),
        (warm, Some(boot)) => format!(
            "{} warm (the suite booted once, in {}), {} cold in fresh processes",
            count(warm, "probe"),
            duration(Some(boot)),
            probing.cold
        ),
        (warm, None) => format!(
            "{} warm (through a prebuilt binary), {} cold in fresh processes",
            count(warm, "probe"),
            probing.cold
        ),
    };
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

/// How the culprits were confirmed, in a line: the runs, and what chance that leaves. Counts of
/// none are left out: a verdict the recorded runs bear out may rest on the search's own probes,
/// which are not counted here, and "0 runs of the culprits" would read as if none ran.
fn confirmation_line(confirmed: &Confirmation) -> String {
    let with_culprits = (confirmed.with_culprits > 0).then(|| {
        format!(
            "{} of the culprits then the victim",
            count(confirmed.with_culprits, "run")
        )
    });
    let alone = match confirmed.alone {
        0 => None,
        n if with_culprits.is_some() => Some(format!("{n} of the victim alone")),
        n => Some(format!("{} of the victim alone", count(n, "run"))),
    };
    let runs: Vec<String> = with_culprits.into_iter().chain(alone).collect();
    let extra = match confirmed.extra_probes {
        0 => "no confirmation probe".to_string(),
        n => count(n, "confirmation probe"),
    };
    if runs.is_empty() {
        format!("{extra}; {}", confirmed.basis)
    } else {
        format!(
            "{} went as the verdict says ({extra}); {}",
            runs.join(" and "),
            confirmed.basis
        )
    }
}

/// Writes `repro.sh` and `REPORT.md` into `dir` for a result with a reproducer. `project` is
/// the directory bleed ran the suite in: repro.sh finds it again in any checkout, and REPORT.md
/// calls it `.`.
pub fn write(result: &Bisection, dir: &Path, project: &Path) -> Result<()> {
    if result.reproducer.is_none() {
        return Ok(());
    }
    let fail = |e: std::io::Error| {
        Error::store(format!(
            "cannot write the reproducer into {}: {e}",
            dir.display()
        ))
    };
    fs::create_dir_all(dir).map_err(fail)?;
    let checks = runner::select("", Some(&result.runner))
        .ok()
        .and_then(|adapter| script::Checks::of(adapter.as_ref(), result));
    let place = script::Place::of(project, &marker_candidates(result));
    let script_path = dir.join("repro.sh");
    fs::write(
        &script_path,
        script::script(result, &place, checks.as_ref()),
    )
    .map_err(fail)?;
    fs::set_permissions(&script_path, fs::Permissions::from_mode(0o755)).map_err(fail)?;
    let report = Scrub::of(project).apply(&markdown::report(result));
    fs::write(dir.join("REPORT.md"), report).map_err(fail)
}

/// Files by which repro.sh can recognise a checkout of the project, best first: the tests' own
/// files, then the manifests projects keep at their root.
fn marker_candidates(result: &Bisection) -> Vec<String> {
    let (_, _, culprits) = culprits(result);
    let mut files: Vec<String> = std::iter::once(victim(result))
        .chain(culprits.iter().cloned())
        .filter_map(|test| test.file)
        .map(|file| file.trim_start_matches("./").to_string())
        .filter(|file| !file.is_empty() && !file.starts_with('/'))
        .collect();
    files.extend(
        [
            "go.mod",
            "package.json",
            "Gemfile",
            "pyproject.toml",
            "setup.cfg",
            "pytest.ini",
            "tox.ini",
            "setup.py",
        ]
        .map(String::from),
    );
    files
}

/// This machine's paths, as REPORT.md shows them to others: the project as `.`, the home
/// directory as `~`.
struct Scrub {
    replacements: Vec<(String, &'static str)>,
}

impl Scrub {
    fn of(project: &Path) -> Scrub {
        let mut replacements = Vec::new();
        let canonical = project.canonicalize().ok();
        for path in [Some(project.to_path_buf()), canonical]
            .into_iter()
            .flatten()
        {
            let text = path.display().to_string();
            if text.len() > 1 && !replacements.iter().any(|(known, _)| *known == text) {
                replacements.push((text, "."));
            }
        }
        if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
            let text = home.display().to_string();
            if text.len() > 1 {
                replacements.push((text, "~"));
            }
        }
        // The longest first: the project usually lies inside the home directory.
        replacements.sort_by_key(|(path, _)| std::cmp::Reverse(path.len()));
        Scrub { replacements }
    }

    /// Replaces each path where it stands whole: `/home/ann/shop/tests/a.py` becomes
    /// `./tests/a.py`, and `/home/ann/shop2` is left alone.
    fn apply(&self, text: &str) -> String {
        let mut text = text.to_string();
        for (path, shown) in &self.replacements {
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some(at) = rest.find(path.as_str()) {
                let after = &rest[at + path.len()..];
                let mut next = after.chars();
                let continues = match next.next() {
                    Some('.') => next.next().is_some_and(char::is_alphanumeric),
                    Some(c) => c.is_alphanumeric() || "_-".contains(c),
                    None => false,
                };
                let whole = !continues;
                out.push_str(&rest[..at]);
                out.push_str(if whole { shown } else { path });
                rest = after;
            }
            out.push_str(rest);
            text = out;
        }
        text
    }
}

/// A polluted bisection as a hunt of the pytest suite would end, for the tests of what is
/// written from it.
#[cfg(test)]
pub(crate) fn sample() -> Bisection {
    use crate::bisect::{Reproducer, Script};
    let victim = "tests/test_cart.py::test_total[it's \"q\" $(touch pwned)]";
    let polluter = "tests/test_settings.py::test_switch_currency";
    Bisection {
        schema: 1,
        victim: victim.to_string(),
        verdict: Verdict::Polluted,
        polluters: vec![Located {
            id: polluter.to_string(),
            file: Some("tests/test_settings.py".to_string()),
            line: Some(5),
            name: Some("switches the currency to *euros*".to_string()),
        }],
        cleaners: Vec::new(),
        cleaned_by_any: None,
        state_setters: Vec::new(),
        probes: 4,
        probes_reused: 0,
        rounds: 2,
        cleaner_probes: 0,
        candidates: 17,
        retries: 0,
        wall_seconds: 3.5,
        reproducer: Some(Reproducer {
            command: format!("python3 -m pytest -p no:randomly {polluter} 'tests/test_cart.py::test_total[it'\\''s \"q\" $(touch pwned)]'"),
            order: vec![polluter.to_string(), victim.to_string()],
        }),
        isolation_command: "python3 -m pytest -p no:randomly 'tests/test_cart.py::test_total[it'\\''s \"q\" $(touch pwned)]'".to_string(),
        runner: "pytest".to_string(),
        seed: Some(1_234),
        origin: "recorded run 2c04d022-7 (seed 1234)".to_string(),
        shared_origin: Some("seed 1234: run 8 of a hunt with master seed 19497".to_string()),
        command: Some("python3 -m pytest -q tests".to_string()),
        failure_message: Some(
            "AssertionError: assert '12.50 EUR' == '12.50 USD'\n\n  - 12.50 USD\n  + 12.50 EUR"
                .to_string(),
        ),
        victim_located: Some(Located {
            id: victim.to_string(),
            file: Some("tests/test_cart.py".to_string()),
            line: Some(8),
            name: None,
        }),
        runner_version: Some("pytest 9.2.0".to_string()),
        version_command: Some("python3 -m pytest --version".to_string()),
        script: Some(Script {
            culprits_then_victim: "python3 -m pytest -p no:randomly a b --junitxml=\"$report\"".to_string(),
            victim_alone: "python3 -m pytest -p no:randomly b --junitxml=\"$report\"".to_string(),
        }),
        started_at: "2026-12-01T00:00:00Z".to_string(),
        confirmation: None,
        same_order: None,
        evidence: None,
        probe: Probing::default(),
        records_disagreed: None,
        left_running: 0,
        strays: 0,
    }
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
1 probe warm (the suite booted once, in <10ms), 2 cold in fresh processes
";
        assert_eq!(text, expected);
    }

    #[test]
    fn no_probe_warm_is_said_as_none_rather_than_zero() {
        let mut result = polluted();
        result.probe.warm = 0;
        let text = render(&result, None, Paint::plain());
        assert!(
            text.ends_with(
                "\n2 probes in fresh processes, none warm: recorded runs answered the rest\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_confirmation_resting_on_recorded_runs_says_no_count_of_none() {
        let mut confirmed = polluted().confirmation.unwrap();
        confirmed.with_culprits = 0;
        confirmed.extra_probes = 0;
        assert_eq!(
            confirmation_line(&confirmed),
            "1 run of the victim alone went as the verdict says (no confirmation probe); chance \
             0.8 %"
        );
        confirmed.alone = 0;
        assert_eq!(
            confirmation_line(&confirmed),
            "no confirmation probe; chance 0.8 %"
        );
    }

    #[test]
    fn runners_are_named_as_their_projects_write_them() {
        let mut result = sample();
        for (runner, version, named) in [
            ("jest", "30.5.2", "Jest 30.5.2"),
            ("cucumber", "2.4.0", "cucumber 2.4.0"),
            ("rspec", "RSpec 3.12", "RSpec 3.12"),
            ("pytest", "pytest 9.2.0", "pytest 9.2.0"),
        ] {
            result.runner = runner.to_string();
            result.runner_version = Some(version.to_string());
            assert_eq!(runner_line(&result), named);
        }
    }

    #[test]
    fn answers_read_from_recorded_runs_are_told_apart_from_probes() {
        let mut result = polluted();
        result.probes_reused = 2;
        let text = render(&result, None, Paint::plain());
        assert!(
            text.contains("\n1 probe (and 2 answers from recorded runs) for 16 preceding tests"),
            "{text}"
        );
    }

    #[test]
    fn probes_that_left_processes_running_are_said_to_have() {
        let mut bisection = polluted();
        bisection.left_running = 2;
        bisection.strays = 2;
        let text = render(&bisection, None, Paint::plain());
        assert!(
            text.ends_with(
                "2 probes left processes running when they ended; bleed ended them (2 processes)\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn colour_marks_the_verdict_the_culprits_and_the_cleaners() {
        let text = render(&polluted(), None, Paint { enabled: true });
        assert!(text.contains("verdict    \x1b[1m\x1b[31mpolluted: fails after 1 test\x1b[0m"));
        assert!(text.contains("polluter   \x1b[1msession::login_admin\x1b[0m"));
        assert!(text.contains("cleaner    \x1b[32msession::logout\x1b[0m"));
    }

    #[test]
    fn victim_directories_are_never_hidden() {
        let dir = default_dir(Path::new(".bleed"), "./spec/cart_spec.rb[1:1]");
        assert_eq!(dir, Path::new(".bleed/repro/spec_cart_spec.rb_1_1_"));
        let dir = default_dir(Path::new(".bleed"), ".hidden/test");
        assert_eq!(dir, Path::new(".bleed/repro/hidden_test"));
        assert_eq!(
            default_dir(Path::new(".bleed"), ".."),
            Path::new(".bleed/repro/test")
        );
    }

    #[test]
    fn paths_of_this_machine_are_scrubbed_where_they_stand_whole() {
        let scrub = Scrub {
            replacements: vec![
                ("/home/ann/shop".to_string(), "."),
                ("/home/ann".to_string(), "~"),
            ],
        };
        assert_eq!(
            scrub.apply("at /home/ann/shop/tests/a.py:3, /home/ann/shop2/x and /home/ann/.cache"),
            "at ./tests/a.py:3, ~/shop2/x and ~/.cache"
        );
        assert_eq!(scrub.apply("cd /home/ann/shop."), "cd ..");
        assert_eq!(scrub.apply("/home/ann/shop.old"), "~/shop.old");
    }
}
