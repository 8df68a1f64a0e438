//! repro.sh: the reproducer as a script a maintainer runs as it is, from anywhere in any
//! checkout of the project.
//!
//! It finds the project by its path from the repository's root (git's, else the nearest
//! directory above that holds the project's marker file), says which runner it uses, runs the
//! culprits then the victim and the victim alone, and reads the victim's own result from the
//! runner's report each time: the exit code would also count a culprit that fails, and some
//! runners exit 0 with failures. The report also says whether the culprits ran before the
//! victim: in another checkout a renamed culprit, or tests added where the runner's seed orders
//! them, would leave the victim passing with the pollution still there. Test names are data
//! here too: they are in shell-quoted assignments and reach the report's check through the
//! environment.

use std::fmt::Write as _;
use std::path::Path;

use super::{culprits, runner_line, verdict_line, victim};
use crate::bisect::{Bisection, Located, Verdict};
use crate::runner::{Adapter, Invocation, VictimCheck, is_assignment};
use crate::template::quote;

/// Where the project is, as repro.sh looks for it in another checkout.
pub struct Place {
    /// The project's directory relative to its git repository's root (`.` at the root); None
    /// when the project is not in a git repository.
    relative: Option<String>,
    /// A file in the project, relative to it, by which a checkout is recognised.
    marker: Option<String>,
}

impl Place {
    /// `project` as git knows it, recognised by the first of `candidates` it holds.
    pub fn of(project: &Path, candidates: &[String]) -> Place {
        let relative = git_root(project).and_then(|root| {
            let project = project.canonicalize().ok()?;
            let relative = project.strip_prefix(root.canonicalize().ok()?).ok()?;
            let text = relative.display().to_string();
            Some(if text.is_empty() {
                ".".to_string()
            } else {
                text
            })
        });
        let marker = candidates
            .iter()
            .find(|file| project.join(file).is_file())
            .cloned();
        Place { relative, marker }
    }
}

fn git_root(project: &Path) -> Option<std::path::PathBuf> {
    let output = duct::cmd("git", ["rev-parse", "--show-toplevel"])
        .dir(project)
        .stdout_capture()
        .stderr_null()
        .stdin_null()
        .unchecked()
        .run()
        .ok()?;
    let root = String::from_utf8(output.stdout).ok()?;
    let root = root.trim_end_matches('\n');
    (output.status.success() && !root.is_empty()).then(|| root.into())
}

/// How repro.sh reads the runner's report: the victim's outcome and place in the run, and each
/// culprit's place, to tell that they ran before it.
pub struct Checks {
    victim: VictimCheck,
    /// Each culprit's id, with the check that finds it in the report.
    culprits: Vec<(String, VictimCheck)>,
}

impl Checks {
    /// None when the runner's report cannot be read for the victim or one of its culprits: the
    /// script then goes by the exit code.
    pub fn of(adapter: &dyn Adapter, result: &Bisection) -> Option<Checks> {
        let check = |test: &Located| adapter.victim_check(&test.id, test.name.as_deref());
        let (_, _, tests) = culprits(result);
        let culprits = tests
            .iter()
            .map(|test| Some((test.id.clone(), check(test)?)))
            .collect::<Option<Vec<_>>>()?;
        Some(Checks {
            victim: check(&victim(result))?,
            culprits,
        })
    }
}

/// The culprits as the script speaks of them: `polluter`, `polluters`, `state-setter`.
fn culprit_noun(result: &Bisection) -> &'static str {
    let (one, many, tests) = culprits(result);
    if tests.len() == 1 { one } else { many }
}

/// What each step expects of the victim and what it means when it does the opposite.
struct Step<'a> {
    title: String,
    scripted: Option<&'a str>,
    command: &'a str,
    expected: &'static str,
    otherwise: String,
    /// The culprits run first: the victim's result says something only if they ran before it.
    after_culprits: bool,
}

pub fn script(result: &Bisection, place: &Place, checks: Option<&Checks>) -> String {
    let mut sh = String::from("#!/bin/sh\n");
    let runner = Runner::of(result);
    let checks = checks.filter(|_| result.script.is_some());
    let check = checks.map(|checks| &checks.victim);
    header(&mut sh, result, check.is_some(), &runner);
    let _ = writeln!(sh, "\nset -u");
    for (name, value) in check.map(|check| check.env.clone()).unwrap_or_default() {
        let _ = writeln!(sh, "{name}={}\nexport {name}", quote(&value));
    }
    locate(&mut sh, place);
    programs(&mut sh, &runner, check);
    let _ = writeln!(
        sh,
        "\nscratch=$(mktemp -d) || {{ echo 'repro.sh: cannot make a temporary directory' >&2; exit 2; }}\n\
         trap 'rm -rf \"$scratch\"' EXIT\n\
         trap 'exit 2' HUP INT TERM\n\
         order=\"$scratch/order\""
    );
    if let Some(check) = check {
        let _ = writeln!(
            sh,
            "\n# victim_outcome REPORT: passed, failed or skipped, then the victim's place in the run\n\
             # (`failed 12`); or missing (not in the report), or unreadable.\n\
             victim_outcome() {{\n  [ -s \"$1\" ] || {{ echo unreadable; return; }}\n  {}\n}}",
            check.body
        );
    }
    judge(&mut sh, &runner);
    if let Some(checks) = checks {
        in_order(&mut sh, result, checks);
    }
    let steps = steps(result);
    for (number, step) in steps.iter().enumerate() {
        run_step(&mut sh, number + 1, steps.len(), step);
    }
    let many = culprit_noun(result);
    let reproduces = if result.verdict == Verdict::Brittle {
        format!("the victim passes after its {many} and fails alone")
    } else {
        format!("the victim fails after its {many} and passes alone")
    };
    let _ = writeln!(
        sh,
        "\necho\ncase $status in\n  0) echo {} ;;\n  1) echo 'exit 1: the order dependency no longer shows as bleed found it' ;;\n  *) echo 'exit 2: this run could not tell' ;;\nesac\nexit \"$status\"",
        quote(&format!("exit 0: it still reproduces: {reproduces}"))
    );
    sh
}

/// The runner the script runs, and how it says so.
struct Runner {
    /// The program to find on PATH (`python3`, `bundle`, `rspec`).
    program: Option<String>,
    /// The runner as invoked (`python3 -m pytest`, `bundle exec rspec`).
    label: String,
    version_command: Option<String>,
    /// The command that prints the interpreter the runner runs on, and the bundle.
    interpreter: Option<String>,
}

impl Runner {
    fn of(result: &Bisection) -> Runner {
        let version = result
            .version_command
            .as_deref()
            .and_then(|command| shell_words::split(command).ok())
            .map(|mut words| {
                words.pop();
                words
            });
        // An order written to a file first (`printf … > file && runner …`): the runner is last.
        let invoked = || {
            let command = &result.reproducer.as_ref()?.command;
            let last = command.rsplit(" && ").next()?;
            let invocation = Invocation::parse(last)?;
            Some(invocation.words[..invocation.args].to_vec())
        };
        let words = version.or_else(invoked).unwrap_or_default();
        let program = words
            .iter()
            .find(|word| !is_assignment(word) && *word != "env")
            .cloned();
        let label = if words.is_empty() {
            result.runner.clone()
        } else {
            words.join(" ")
        };
        Runner {
            program,
            label,
            version_command: result.version_command.clone(),
            interpreter: interpreter(&result.runner, &words),
        }
    }
}

/// The command that prints which Python, Ruby (and bundle) or Node the runner `words` runs on,
/// through the same wrappers (`bundle exec`, `poetry run`): the runner's version does not say,
/// and a pyenv shim or a binstub on PATH hides it. None where it cannot be told from the
/// command (`pytest` alone, whose Python is its shebang's) or needs no telling (go).
fn interpreter(runner: &str, words: &[String]) -> Option<String> {
    let named = |names: &[&str]| {
        words.iter().position(|word| {
            let base = word.rsplit('/').next().unwrap_or(word);
            names.contains(&base)
        })
    };
    let (prefix, program, code) = match runner {
        "pytest" => {
            let at = named(&["pytest", "py.test"]).filter(|&at| at > 0)?;
            let (prefix, python) = if words[at - 1] == "-m" && at >= 2 {
                (&words[..at - 2], words[at - 2].as_str())
            } else {
                (&words[..at], "python")
            };
            let code =
                r#"import sys; print(sys.executable, "(Python " + sys.version.split()[0] + ")")"#;
            (prefix, python, ["-c", code])
        }
        "rspec" | "cucumber" => {
            let code = concat!(
                r#"print RbConfig.ruby, " (ruby ", RUBY_VERSION, "#,
                r#"(ENV["BUNDLE_GEMFILE"] ? ", bundle " + ENV["BUNDLE_GEMFILE"] : ""), ")""#
            );
            (&words[..named(&[runner])?], "ruby", ["-e", code])
        }
        "jest" | "mocha" => {
            let code = r#"console.log(process.execPath + " (node " + process.version + ")")"#;
            (&[][..], "node", ["-e", code])
        }
        _ => return None,
    };
    // An assignment before the runner (`RAILS_ENV=test`) stays one, its value quoted.
    let word = |word: &str| match word.split_once('=') {
        Some((name, value)) if is_assignment(word) => format!("{name}={}", quote(value)),
        _ => quote(word),
    };
    let command: Vec<String> = prefix
        .iter()
        .map(|each| word(each))
        .chain(std::iter::once(program).chain(code).map(quote))
        .collect();
    Some(command.join(" "))
}

fn header(sh: &mut String, result: &Bisection, reads_report: bool, runner: &Runner) {
    let line = |text: &str| text.replace(['\n', '\r'], " ");
    let _ = writeln!(
        sh,
        "# A reproducer of an order-dependent test, made by bleed {}.\n#",
        env!("CARGO_PKG_VERSION")
    );
    let named = |label: &str, test: &crate::bisect::Located, sh: &mut String| {
        let title = test.name.as_deref().unwrap_or(&test.id);
        let _ = writeln!(sh, "#   {label:<13} {}", line(title));
        if test.name.is_some() {
            let _ = writeln!(sh, "#   {:<13} {}", "", line(&test.id));
        }
    };
    named("victim", &victim(result), sh);
    let _ = writeln!(sh, "#   {:<13} {}", "verdict", verdict_line(result));
    let (one, _, tests) = culprits(result);
    for test in tests {
        named(one, test, sh);
    }
    let version = runner_line(result);
    let ran = if version
        .to_lowercase()
        .starts_with(&runner.label.to_lowercase())
    {
        String::new()
    } else {
        format!(" (as bleed ran it: {})", runner.label)
    };
    let _ = writeln!(sh, "#   {:<13} {}{}", "runner", line(&version), line(&ran));
    let many = culprit_noun(result);
    let (then, alone) = if result.verdict == Verdict::Brittle {
        ("passes", "fails")
    } else {
        ("fails", "passes")
    };
    let opposite = if result.verdict == Verdict::Brittle {
        format!(
            "the victim failed after its {many} (they no longer make it\n\
             #      pass), or passed alone (it no longer depends on them)"
        )
    } else {
        format!(
            "the victim passed after its {many} (the pollution looks\n\
             #      fixed), or failed alone (it now fails whatever runs before it)"
        )
    };
    let judged = if reads_report {
        format!(
            "# Each time it reads the victim's own result from the runner's report, not the exit\n\
             # code: the {many} may fail too, and some runners exit 0 with failures. The report\n\
             # also shows that the {many} ran before the victim: in a checkout where a test was\n\
             # renamed or moved, or where the runner's seed now orders them otherwise, the victim\n\
             # passing says nothing of the pollution."
        )
    } else {
        format!(
            "# Each time it judges the victim by the runner's exit code: bleed cannot tell where\n\
             # this command writes its report, so the {many} failing would count as the victim\n\
             # failing."
        )
    };
    let unanswered = if reads_report {
        format!(", a report\n#      could not be read, or the {many} did not run before the victim")
    } else {
        String::new()
    };
    let _ = writeln!(
        sh,
        "#\n# Run it from anywhere inside a checkout of the project: sh path/to/repro.sh\n\
         # or from anywhere else, naming the checkout: sh path/to/repro.sh path/to/checkout\n\
         # It runs the {many} then the victim, then the victim alone.\n{judged}\n#\n\
         # Exit status:\n\
         #   0  it still reproduces: the victim {then} after its {many} and {alone} alone\n\
         #   1  it no longer does: {opposite}\n\
         #   2  no answer: the project, the runner or the victim was not found{unanswered}"
    );
}

/// Finds the project in the checkout around the working directory, else around the script.
fn locate(sh: &mut String, place: &Place) {
    let how = match &place.relative {
        Some(_) => {
            "# The project: its directory in its git repository (`.` for the root), and a file in it\n\
             # by which a checkout is recognised."
        }
        None => {
            "# bleed found no git repository around the project: the project is the directory that\n\
             # holds this file, where this runs or above, else where this script is or above."
        }
    };
    let project = place.relative.as_deref().unwrap_or(".");
    let _ = writeln!(sh, "\n{how}");
    let _ = writeln!(sh, "project={}", quote(project));
    let recognised = match &place.marker {
        Some(marker) => {
            let _ = writeln!(sh, "marker={}", quote(marker));
            "[ -f \"$1/$project/$marker\" ]"
        }
        None => "[ -d \"$1/$project\" ]",
    };
    let _ = writeln!(
        sh,
        r#"is_project() {{ {recognised}; }}
# root_from DIR: the checkout around DIR, as git knows it, else the nearest directory above.
root_from() {{
  top=$(cd "$1" 2>/dev/null && git rev-parse --show-toplevel 2>/dev/null) && is_project "$top" &&
    {{ printf '%s\n' "$top"; return 0; }}
  dir=$1
  until is_project "$dir"; do
    case $dir in /|.|'') return 1 ;; esac
    dir=$(dirname -- "$dir")
  done
  printf '%s\n' "$dir"
}}
here=$(cd "$(dirname -- "$0")" 2>/dev/null && pwd) || here=
if [ $# -gt 0 ]; then
  # A checkout named on the command line, by a path from where this runs.
  given=$(cd "$1" 2>/dev/null && pwd) && root=$(root_from "$given") || {{
    echo "repro.sh: no checkout of the project at or around $1" >&2
    exit 2
  }}
else
  root=$(root_from "$PWD") || root=$(root_from "$here") || {{
    echo "repro.sh: no checkout of the project around $PWD or this script: run it from inside one, or name one: sh path/to/repro.sh path/to/checkout" >&2
    exit 2
  }}
fi
cd "$root/$project" || exit 2
echo "project: $PWD""#
    );
}

/// Checks that the runner (and the program reading its report) is on PATH, and says which one
/// runs, with its version now and as bleed saw it.
fn programs(sh: &mut String, runner: &Runner, check: Option<&VictimCheck>) {
    let mut needed: Vec<(&str, &str)> = Vec::new();
    if let Some(program) = &runner.program {
        needed.push((program, "it runs the tests"));
    }
    if let Some(program) = check.and_then(|check| check.program)
        && runner.program.as_deref() != Some(program)
    {
        needed.push((program, "it reads the runner's report"));
    }
    for (program, why) in needed {
        let _ = writeln!(
            sh,
            "command -v {0} >/dev/null 2>&1 || {{ echo {1} >&2; exit 2; }}",
            quote(program),
            quote(&format!(
                "repro.sh: {program} is not on PATH ({why}): run this where the project's tests run"
            ))
        );
    }
    let mut known: Vec<String> = Vec::new();
    if let Some(program) = &runner.program {
        known.push(format!("\"$(command -v {})\"", quote(program)));
    }
    if let Some(command) = &runner.version_command {
        known.push(format!("\"$({command} 2>&1 | head -n 1)\""));
    }
    let format = match known.len() {
        0 => "using: %s\\n",
        1 => "using: %s (%s)\\n",
        _ => "using: %s (%s, %s)\\n",
    };
    let _ = writeln!(
        sh,
        "printf '{format}' {} {}",
        quote(&runner.label),
        known.join(" ")
    );
    if let Some(command) = &runner.interpreter {
        let _ = writeln!(
            sh,
            "printf 'interpreter: %s\\n' \"$({command} 2>&1 | head -n 1)\""
        );
    }
}

/// `judge OUTCOME EXPECTED OTHERWISE`: says what the victim did, and keeps the worst news in
/// `$status`.
fn judge(sh: &mut String, runner: &Runner) {
    let runner = quote(&runner.label);
    let _ = writeln!(
        sh,
        r#"
status=0
# judge OUTCOME EXPECTED OTHERWISE: what the victim did against what the verdict says.
judge() {{
  case $1 in
    "$2") echo "-> the victim $1, as expected" ;;
    passed|failed) echo "-> $3"; [ "$status" -eq 2 ] || status=1 ;;
    skipped) echo "-> the victim was skipped, so this run cannot tell"; status=2 ;;
    missing) echo "-> the victim is not in the report of "{runner}": was it renamed, moved or deleted, or did the run stop before it? (its output is above)"; status=2 ;;
    *) echo "-> "{runner}" wrote no report that could be read (its output is above)"; status=2 ;;
  esac
}}"#
    );
}

/// `in_order REPORT OUTCOME`: whether each culprit ran before the victim, whose OUTCOME gives
/// its place. One that did not (renamed, moved, reordered by the runner's seed) makes the run
/// no answer (exit 2): the victim's result then says nothing of the pollution.
fn in_order(sh: &mut String, result: &Bisection, checks: &Checks) {
    let (one, _, _) = culprits(result);
    let _ = writeln!(
        sh,
        r#"
# ran_before PLACE CULPRIT OUTCOME: whether CULPRIT, whose OUTCOME gives its place, ran before
# the victim, which ran at PLACE.
ran_before() {{
  case $3 in
    passed\ *|failed\ *)
      [ "${{3#* }}" -lt "$1" ] && return 0
      echo "-> the {one} $2 ran after the victim, not before it: the runner no longer runs them in the order bleed found (were tests added, removed or renamed near them?), so this run cannot tell" ;;
    skipped\ *) echo "-> the {one} $2 was skipped, so this run cannot tell" ;;
    missing) echo "-> the {one} $2 is not in the runner's report: was it renamed, moved or deleted? This run cannot tell" ;;
    *) return 0 ;;
  esac
  status=2
  return 1
}}
# in_order REPORT OUTCOME: whether every {one} ran before the victim, whose OUTCOME gives its place.
in_order() {{
  case $2 in *\ *) ;; *) return 0 ;; esac"#
    );
    for (id, check) in &checks.culprits {
        // The culprit's variables in place of the victim's, none of which may linger.
        let unset = checks
            .victim
            .env
            .iter()
            .filter(|(name, _)| !check.env.iter().any(|(own, _)| own == name))
            .map(|(name, _)| format!("unset {name}; "));
        let assignments: String = unset
            .chain(
                check
                    .env
                    .iter()
                    .map(|(name, value)| format!("export {name}={}; ", quote(value))),
            )
            .collect();
        let _ = writeln!(
            sh,
            "  ran_before \"${{2#* }}\" {} \"$({assignments}victim_outcome \"$1\")\" || return 1",
            quote(id)
        );
    }
    let _ = writeln!(sh, "}}");
}

fn steps(result: &Bisection) -> Vec<Step<'_>> {
    let culprits = culprit_noun(result);
    let brittle = result.verdict == Verdict::Brittle;
    let (then, alone) = if brittle {
        ("passed", "failed")
    } else {
        ("failed", "passed")
    };
    let then_otherwise = if brittle {
        format!("the victim failed after its {culprits}, which used to make it pass")
    } else {
        format!("the victim passed after its {culprits}: the pollution looks fixed")
    };
    let alone_otherwise = if brittle {
        format!("the victim passed alone: it no longer depends on its {culprits}")
    } else {
        "the victim failed alone: it now fails whatever runs before it".to_string()
    };
    let command = result
        .reproducer
        .as_ref()
        .map_or("", |reproducer| reproducer.command.as_str());
    vec![
        Step {
            title: format!("the {culprits}, then the victim"),
            scripted: result
                .script
                .as_ref()
                .map(|script| script.culprits_then_victim.as_str()),
            command,
            expected: then,
            otherwise: then_otherwise,
            after_culprits: true,
        },
        Step {
            title: "the victim alone".to_string(),
            scripted: result
                .script
                .as_ref()
                .map(|script| script.victim_alone.as_str()),
            command: &result.isolation_command,
            expected: alone,
            otherwise: alone_otherwise,
            after_culprits: false,
        },
    ]
}

fn run_step(sh: &mut String, number: usize, of: usize, step: &Step) {
    let verb = if step.expected == "failed" {
        "fail"
    } else {
        "pass"
    };
    let _ = writeln!(
        sh,
        "\necho\necho {}",
        quote(&format!(
            "== {number}/{of} {}: the victim should {verb}",
            step.title
        ))
    );
    let judged = format!("{} {}", step.expected, quote(&step.otherwise));
    match step.scripted {
        Some(command) => {
            let _ = writeln!(sh, "report=\"$scratch/{number}\"");
            let _ = writeln!(sh, "printf '+ %s\\n' {}", quote(&shown(command)));
            let _ = writeln!(sh, "{command}");
            let _ = writeln!(sh, "outcome=$(victim_outcome \"$report\")");
            let judge = format!("judge \"${{outcome%% *}}\" {judged}");
            if step.after_culprits {
                let _ = writeln!(sh, "in_order \"$report\" \"$outcome\" && {judge}");
            } else {
                let _ = writeln!(sh, "{judge}");
            }
        }
        None => {
            let _ = writeln!(sh, "printf '+ %s\\n' {}", quote(&shown(step.command)));
            let _ = writeln!(
                sh,
                "if {}; then outcome=passed; else outcome=failed; fi",
                step.command
            );
            let _ = writeln!(sh, "judge \"$outcome\" {judged}");
        }
    }
}

/// A command as the script shows it before running it: a script given inline (mocha's ordering
/// script) is long, and its first line says what runs.
fn shown(command: &str) -> String {
    match command.split_once('\n') {
        Some((first, _)) => format!("{first} …"),
        None => command.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner;

    fn checks(runner: &str, result: &Bisection) -> Checks {
        let adapter = runner::select("", Some(runner)).unwrap();
        Checks::of(adapter.as_ref(), result).unwrap()
    }

    fn parses(script: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("repro.sh");
        std::fs::write(&path, script).unwrap();
        let checked = std::process::Command::new("sh")
            .arg("-n")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            checked.status.success(),
            "{}\n{script}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }

    #[test]
    fn the_script_finds_the_project_by_its_place_in_the_repository() {
        let result = crate::repro::sample();
        let place = Place {
            relative: Some("shop/app".to_string()),
            marker: Some("tests/test_cart.py".to_string()),
        };
        let script = script(&result, &place, Some(&checks("pytest", &result)));
        parses(&script);
        assert!(
            script.contains("\nproject=shop/app\nmarker=tests/test_cart.py\n"),
            "{script}"
        );
        assert!(
            script.contains("cd \"$root/$project\" || exit 2"),
            "{script}"
        );
        // A checkout named on the command line, for a script saved outside any.
        assert!(
            script
                .contains("given=$(cd \"$1\" 2>/dev/null && pwd) && root=$(root_from \"$given\")"),
            "{script}"
        );
        assert!(!script.contains("cd /"), "no absolute directory: {script}");
        assert!(
            script.contains("#   runner        pytest 9.2.0 (as bleed ran it: python3 -m pytest)"),
            "{script}"
        );
        assert!(
            script.contains(
                "printf 'using: %s (%s, %s)\\n' 'python3 -m pytest' \"$(command -v python3)\" \
                 \"$(python3 -m pytest --version 2>&1 | head -n 1)\""
            ),
            "{script}"
        );
        // The victim reaches the report's check as data.
        assert!(
            script.contains(
                "VICTIM='tests.test_cart::test_total[it'\\''s \"q\" $(touch pwned)]'\nexport VICTIM\n"
            ),
            "{script}"
        );
        assert!(script.contains("outcome=$(victim_outcome \"$report\")\nin_order \"$report\" \"$outcome\" && judge \"${outcome%% *}\" failed 'the victim passed after its polluter: the pollution looks fixed'"), "{script}");
        assert!(script.contains("outcome=$(victim_outcome \"$report\")\njudge \"${outcome%% *}\" passed 'the victim failed alone: it now fails whatever runs before it'"), "{script}");
    }

    #[test]
    fn without_a_report_to_read_the_script_says_it_goes_by_the_exit_code() {
        let mut result = crate::repro::sample();
        result.script = None;
        let place = Place {
            relative: None,
            marker: None,
        };
        let script = script(&result, &place, Some(&checks("pytest", &result)));
        parses(&script);
        assert!(
            script.contains("judges the victim by the runner's exit code"),
            "{script}"
        );
        assert!(
            script.contains("bleed found no git repository around the project"),
            "{script}"
        );
        assert!(
            script.contains("is_project() { [ -d \"$1/$project\" ]; }"),
            "{script}"
        );
        assert!(!script.contains("victim_outcome"), "{script}");
        assert!(
            script.contains(
                "then outcome=passed; else outcome=failed; fi\njudge \"$outcome\" failed"
            ),
            "{script}"
        );
    }

    #[test]
    fn a_brittle_victim_is_expected_to_pass_after_its_state_setters_and_fail_alone() {
        let mut result = crate::repro::sample();
        result.verdict = Verdict::Brittle;
        result.state_setters = std::mem::take(&mut result.polluters);
        let place = Place {
            relative: Some(".".to_string()),
            marker: None,
        };
        let script = script(&result, &place, Some(&checks("pytest", &result)));
        parses(&script);
        assert!(
            script.contains("the state-setter, then the victim: the victim should pass"),
            "{script}"
        );
        assert!(
            script.contains("the victim alone: the victim should fail"),
            "{script}"
        );
        assert!(
            script.contains("'the victim passed alone: it no longer depends on its state-setter'"),
            "{script}"
        );
    }

    /// The script's `in_order` and `ran_before`, run with a `victim_outcome` that says `says` of
    /// the polluter: whether the victim at place 5 counts, the status, and what was said.
    fn in_order_when_the_polluter_is(says: &str, victim: &str) -> String {
        let result = crate::repro::sample();
        let script = script(
            &result,
            &Place::of(Path::new("."), &[]),
            Some(&checks("pytest", &result)),
        );
        let start = script.find("\n# ran_before ").expect("ran_before");
        let end = start + script[start..].find("\n}\n\n").expect("in_order's end");
        let shell = format!(
            "status=0\n{}\n}}\n\
             victim_outcome() {{ echo \"$SAYS\"; }}\n\
             in_order report {}; echo \"counts=$? status=$status\"",
            &script[start..end],
            quote(victim)
        );
        let output = std::process::Command::new("sh")
            .args(["-c", &shell])
            .env("SAYS", says)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    #[test]
    fn the_victim_counts_only_after_its_polluters_ran_before_it() {
        assert_eq!(
            in_order_when_the_polluter_is("passed 3", "failed 5"),
            "counts=0 status=0\n"
        );
        assert_eq!(
            in_order_when_the_polluter_is("failed 4", "passed 5"),
            "counts=0 status=0\n"
        );
        let after = in_order_when_the_polluter_is("passed 7", "passed 5");
        assert!(
            after.starts_with("-> the polluter tests/test_settings.py::test_switch_currency ran after the victim, not before it")
                && after.ends_with("so this run cannot tell\ncounts=1 status=2\n"),
            "{after}"
        );
        let renamed = in_order_when_the_polluter_is("missing", "passed 5");
        assert!(
            renamed.contains("is not in the runner's report: was it renamed, moved or deleted?")
                && renamed.ends_with("counts=1 status=2\n"),
            "{renamed}"
        );
        let skipped = in_order_when_the_polluter_is("skipped 2", "passed 5");
        assert!(
            skipped.contains("was skipped, so this run cannot tell")
                && skipped.ends_with("counts=1 status=2\n"),
            "{skipped}"
        );
        // A victim missing from the report, or a report that cannot be read, is the judge's to say.
        assert_eq!(
            in_order_when_the_polluter_is("passed 3", "missing"),
            "counts=0 status=0\n"
        );
        assert_eq!(
            in_order_when_the_polluter_is("unreadable", "passed 5"),
            "counts=0 status=0\n"
        );
    }

    #[test]
    fn each_culprit_is_looked_up_by_its_own_id_and_name_and_none_of_the_victims() {
        let mut result = crate::repro::sample();
        result.runner = "rspec".to_string();
        let victim = result.victim_located.as_mut().unwrap();
        victim.id = "./spec/cart_spec.rb[1:1]".to_string();
        victim.name = Some("Cart is in dollars".to_string());
        result.victim = victim.id.clone();
        result.polluters[0].id = "./spec/it's $(x)_spec.rb[1:1]".to_string();
        result.polluters[0].name = None;
        let script = script(
            &result,
            &Place::of(Path::new("."), &[]),
            Some(&checks("rspec", &result)),
        );
        parses(&script);
        assert!(
            script.contains("\nVICTIM_NAME='Cart is in dollars'\nexport VICTIM_NAME\n"),
            "{script}"
        );
        assert!(
            script.contains(
                "  ran_before \"${2#* }\" './spec/it'\\''s $(x)_spec.rb[1:1]' \"$(unset VICTIM_NAME; \
                 export VICTIM='./spec/it'\\''s $(x)_spec.rb[1:1]'; victim_outcome \"$1\")\" || return 1\n"
            ),
            "{script}"
        );
    }

    #[test]
    fn the_script_says_which_interpreter_and_bundle_the_runner_runs_on() {
        let interpreter = |runner: &str, command: &str| {
            interpreter(runner, &shell_words::split(command).unwrap())
        };
        let python =
            r#"-c 'import sys; print(sys.executable, "(Python " + sys.version.split()[0] + ")")'"#;
        assert_eq!(
            interpreter("pytest", "python3 -m pytest"),
            Some(format!("python3 {python}"))
        );
        assert_eq!(
            interpreter("pytest", "poetry run pytest"),
            Some(format!("poetry run python {python}"))
        );
        // A console script's Python is its shebang's, which the command does not say.
        assert_eq!(interpreter("pytest", "pytest"), None);
        let ruby = interpreter("rspec", "RAILS_ENV='a b' bundle exec rspec").unwrap();
        assert!(
            ruby.starts_with("RAILS_ENV='a b' bundle exec ruby -e 'print RbConfig.ruby, "),
            "{ruby}"
        );
        assert!(ruby.contains(r#"ENV["BUNDLE_GEMFILE"]"#), "{ruby}");
        assert!(
            interpreter("cucumber", "bin/cucumber")
                .unwrap()
                .starts_with("ruby -e ")
        );
        assert!(
            interpreter("jest", "npx jest")
                .unwrap()
                .starts_with("node -e ")
        );
        assert_eq!(interpreter("go", "go test"), None);
        assert_eq!(interpreter("generic", "./run-tests"), None);
    }
}
