//! Warm probes for go: each package's test binary is built once with `go test -c`, and every
//! probe runs the binaries itself with the arguments `go test` would give them, its output
//! turned into the same `-json` events by `go tool test2json`.
//!
//! Go cannot fork a running test binary, so a probe is still a fresh process: what it skips is
//! the go command's own work before the binary starts (loading the packages, checking the build
//! cache, linking the test binary again), about half a second a package on go1.19. A suite whose
//! cost is in its tests' own setup (a `TestMain` that starts a database) gains nothing.

use std::path::{Path, PathBuf};

use super::command::{
    Argument, DROPPED_FROM_REPLAY, GoTestCommand, REPLAY_PRELUDE, RunLevels, double_quoted,
    is_known_flag, run_levels,
};
use crate::error::{Error, Result};
use crate::runner::{Warm, parse_version};
use crate::template::{Template, join_keeping_placeholders, quote};

/// Flags `go test` passes to the test binary as `-test.<name>`.
const TEST_FLAGS: &[&str] = &[
    "bench",
    "benchmem",
    "benchtime",
    "blockprofilerate",
    "count",
    "cpu",
    "failfast",
    "fullpath",
    "list",
    "memprofilerate",
    "mutexprofilefraction",
    "parallel",
    "run",
    "short",
    "shuffle",
    "skip",
    "timeout",
    "v",
];

/// Flags whose effect `go test` arranges around the binary itself: profiles and coverage it
/// writes relative to its own directory and merges, a program it runs the binary under. A
/// prebuilt binary would not do the same, so such hunts probe cold.
const COLD_ONLY: &[&str] = &[
    "blockprofile",
    "cover",
    "covermode",
    "coverpkg",
    "coverprofile",
    "cpuprofile",
    "exec",
    "fuzz",
    "memprofile",
    "mutexprofile",
    "o",
    "outputdir",
    "trace",
];

/// The go command's own flags, for neither the build nor the binary: `-json` is what
/// test2json gives back, and vet ran when the hunt built the package (the source does not
/// change between probes).
const GO_TEST_ONLY: &[&str] = &["json", "vet"];

/// `go test` gives every binary this timeout when the command sets none.
const DEFAULT_TIMEOUT: &str = "-test.timeout=10m0s";

/// A package's test binary, built in the scratch directory.
struct Binary {
    package: String,
    dir: PathBuf,
    path: PathBuf,
}

/// The hunt command's arguments sorted by who reads them.
#[derive(Default)]
struct Split {
    /// For `go list` and `go test -c`.
    build: Vec<String>,
    /// For the binary, as `go test` rewrites them, with the flag's name for dropping some.
    test: Vec<(String, String)>,
    /// Flags go does not know, passed to the binary as written, and what follows `-args`.
    binary: Vec<String>,
}

/// Builds the hunt's test binaries in `scratch` and the two commands that run them. An error
/// says why probes run cold this time.
pub(super) fn prebuilt(hunt: &Template, replay: &Template, scratch: &Path) -> Result<Warm> {
    let command = GoTestCommand::parse(hunt.as_str())
        .filter(|c| c.redirects_to_report)
        .ok_or_else(|| cold("the hunt command is not one go test command bleed can take apart"))?;
    if !replay.as_str().starts_with(REPLAY_PRELUDE) {
        return Err(cold(
            "the replay command is your own (--replay-cmd), so bleed cannot tell which binaries it \
             runs",
        ));
    }
    let split = split(&command)?;
    let go = &command.program[..command.program.len() - 1];
    let prefix = &go[..go.len() - 1];
    // The build flags first: go1.20's -C must be the first flag.
    let mut list = with(go, &["list"]);
    list.extend(split.build.iter().cloned());
    list.push("-f".into());
    list.push("{{.ImportPath}}\t{{.Dir}}\t{{if or .TestGoFiles .XTestGoFiles}}tests{{end}}".into());
    list.extend(command.packages().map(String::from));
    let listed = output(&list, "listing the packages")?;
    let test2json = output(&with(go, &["tool", "-n", "test2json"]), "finding test2json")?;
    let version = output(&with(go, &["env", "GOVERSION"]), "asking go its version")?;
    std::fs::create_dir_all(scratch)
        .map_err(|e| cold(&format!("cannot create {}: {e}", scratch.display())))?;
    let binaries = binaries(&listed, scratch)?;
    let mut build = with(go, &["test"]);
    build.extend(split.build.iter().cloned());
    build.push("-c".to_string());
    let runner = Runner {
        build: join_keeping_placeholders(&build),
        prefix: join_keeping_placeholders(prefix),
        test2json: quote(test2json.trim()),
        verbose: match parse_version(version.trim()) {
            // go1.20 frames its events for test2json, which reads them more surely.
            Some((1, minor, _)) if minor < 20 => "-test.v=true",
            _ => "-test.v=test2json",
        },
    };
    let pattern = command.flag("run").flatten().unwrap_or("");
    let lower_levels = match run_levels(pattern) {
        RunLevels::Below(lower) => double_quoted(&format!("/{lower}")),
        _ => String::new(),
    };
    Ok(Warm::Prebuilt {
        replay: Template::parse(&runner.replay(&binaries, &split, &lower_levels))?,
        hunt: Template::parse(&runner.hunt(&binaries, &split))?,
    })
}

/// The binary each listed package with tests will have, in go list's order.
fn binaries(listed: &str, scratch: &Path) -> Result<Vec<Binary>> {
    let mut binaries = Vec::new();
    for line in listed.lines() {
        let mut fields = line.split('\t');
        let (Some(package), Some(dir), Some("tests")) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        binaries.push(Binary {
            package: package.to_string(),
            dir: PathBuf::from(dir),
            path: scratch.join(format!("go-{}.test", binaries.len())),
        });
    }
    if binaries.is_empty() {
        return Err(cold("go list found no package with tests"));
    }
    Ok(binaries)
}

fn cold(why: &str) -> Error {
    Error::suite(format!("go's test binaries cannot be prebuilt: {why}"))
}

fn with(go: &[String], words: &[&str]) -> Vec<String> {
    let mut all = go.to_vec();
    all.extend(words.iter().map(|word| word.to_string()));
    all
}

/// Runs a go command in the directory runs run in; its stdout, or go's own words on failure.
fn output(words: &[String], what: &str) -> Result<String> {
    let command = join_keeping_placeholders(words);
    let output = duct::cmd("sh", ["-c", command.as_str()])
        .stdin_null()
        .stdout_capture()
        .stderr_capture()
        .unchecked()
        .run()
        .map_err(|e| cold(&format!("{what}: cannot start sh: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let said: Vec<&str> = stderr.lines().take(5).collect();
        return Err(cold(&format!(
            "{what}: `{command}` said: {}",
            said.join(" / ")
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Sorts the hunt's arguments as `go test` does when it runs a binary (-v is dropped: the
/// events need it on, and it is always given).
fn split(command: &GoTestCommand) -> Result<Split> {
    let mut split = Split::default();
    for argument in &command.arguments {
        let Argument::Flag { name, value, words } = argument else {
            continue;
        };
        if COLD_ONLY.contains(&name.as_str()) {
            return Err(cold(&format!(
                "go test arranges -{name} around the binary itself"
            )));
        }
        if GO_TEST_ONLY.contains(&name.as_str()) || name == "v" {
            continue;
        }
        if TEST_FLAGS.contains(&name.as_str()) {
            let word = match value {
                Some(value) => format!("-test.{name}={value}"),
                None => format!("-test.{name}"),
            };
            split.test.push((name.clone(), word));
        } else if is_known_flag(name) {
            split.build.extend(words.iter().cloned());
        } else {
            split.binary.extend(words.iter().cloned());
        }
    }
    let binary_arguments = match command.binary_arguments.first().map(String::as_str) {
        Some("-args" | "--args") => &command.binary_arguments[1..],
        _ => &command.binary_arguments[..],
    };
    split.binary.extend(binary_arguments.iter().cloned());
    Ok(split)
}

/// What every run of a binary shares.
struct Runner {
    /// `go test -c` with the hunt's build flags: a package's binary is built by the first probe
    /// that needs it, since a bisection runs the victim's package only and a module may have
    /// hundreds.
    build: String,
    /// The hunt command's wrappers before `go` (`env GOFLAGS=…`), for the binary's environment.
    prefix: String,
    test2json: String,
    verbose: &'static str,
}

impl Runner {
    /// A shell function setting `n`, `dir` and `bin` for the package in `$1`, failing for a
    /// package that has no binary. The package names are compared as data.
    fn lookup(binaries: &[Binary]) -> String {
        let cases: Vec<String> = binaries
            .iter()
            .enumerate()
            .map(|(n, binary)| {
                format!(
                    "{}) n={n} dir={} bin={};;",
                    quote(&binary.package),
                    quote(&binary.dir.display().to_string()),
                    quote(&binary.path.display().to_string())
                )
            })
            .collect();
        format!(
            "binary() {{ case $1 in {} *) return 1;; esac; }}; ",
            cases.join(" ")
        )
    }

    /// One package's binary, built first if no probe has built it yet, run in its package
    /// directory as go test runs it, under test2json; the package is in `$package`. Probes under
    /// `--jobs` may build one binary at once: each builds its own file and renames it over.
    fn run(&self, arguments: &[String], run_filter: &str, binary: &[String]) -> String {
        let mut words = vec!["-test.paniconexit0".to_string(), self.verbose.to_string()];
        words.extend(arguments.iter().cloned());
        let prefix = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{} ", self.prefix)
        };
        let binary = if binary.is_empty() {
            String::new()
        } else {
            format!(" {}", join_keeping_placeholders(binary))
        };
        format!(
            "{{ [ -x \"$bin\" ] || {{ {} -o \"$bin.$$\" \"$package\" && mv -f \"$bin.$$\" \
             \"$bin\"; }} >&2; }} && (cd \"$dir\" && {prefix}{} -t -p \"$package\" \"$bin\" {}{run_filter}{binary}) || status=1",
            self.build,
            self.test2json,
            join_keeping_placeholders(&words)
        )
    }

    /// Every package the hunt named, in go's order, with the hunt's own flags and seed.
    fn hunt(&self, binaries: &[Binary], split: &Split) -> String {
        let mut arguments = timeout(&split.test);
        arguments.extend(split.test.iter().map(|(_, word)| word.clone()));
        let packages: Vec<String> = binaries.iter().map(|b| quote(&b.package)).collect();
        format!(
            "status=0; {}{{ for package in {}; do binary \"$package\"; {}; done; }} > <report>; \
             exit $status",
            Self::lookup(binaries),
            packages.join(" "),
            self.run(&arguments, "", &split.binary)
        )
    }

    /// The packages of the ids in `<tests>` in the order they first appear, each filtered by
    /// the ids' names under the failing run's seed, as the cold replay's `go test` runs them.
    fn replay(&self, binaries: &[Binary], split: &Split, lower_levels: &str) -> String {
        let kept: Vec<(String, String)> = split
            .test
            .iter()
            .filter(|(name, _)| !DROPPED_FROM_REPLAY.contains(&name.as_str()))
            .cloned()
            .collect();
        let mut arguments = timeout(&kept);
        arguments.extend(kept.into_iter().map(|(_, word)| word));
        arguments.extend(["-test.shuffle=<seed>", "-test.count=1"].map(String::from));
        let run_filter = format!(" \"-test.run=^(${{run#|}})\\${lower_levels}\"");
        format!(
            "set -f; set -- <tests>; {}run=; for id do run=\"$run|${{id##*.}}\"; \
             binary \"${{id%.*}}\" || {{ printf 'bleed: go list found no package %s with \
             tests\\n' \"${{id%.*}}\" >&2; exit 2; }}; done; status=0; seen=:; {{ for id do \
             package=${{id%.*}}; binary \"$package\"; case $seen in *:$n:*) continue;; esac; \
             seen=$seen$n:; {}; done; }} > <report>; exit $status",
            Self::lookup(binaries),
            self.run(&arguments, &run_filter, &split.binary)
        )
    }
}

/// go test's default timeout, unless the command sets one.
fn timeout(test: &[(String, String)]) -> Vec<String> {
    if test.iter().any(|(name, _)| name == "timeout") {
        Vec::new()
    } else {
        vec![DEFAULT_TIMEOUT.to_string()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::Values;

    fn split_of(command: &str) -> Result<Split> {
        split(&GoTestCommand::parse(command).unwrap())
    }

    #[test]
    fn the_hunts_flags_go_to_the_build_the_binary_or_nowhere_as_go_test_sends_them() {
        let split = split_of(
            "env GOFLAGS=-mod=mod go test -v -tags 'db it' -run 'Cart|Price' -race -timeout 5m \
             -json -vet=off ./... -golden dir -shuffle=<seed> -count=1 -args -update > <report>",
        )
        .unwrap();
        assert_eq!(split.build, ["-tags", "db it", "-race"]);
        let test: Vec<&str> = split.test.iter().map(|(_, word)| word.as_str()).collect();
        assert_eq!(
            test,
            [
                "-test.run=Cart|Price",
                "-test.timeout=5m",
                "-test.shuffle=<seed>",
                "-test.count=1"
            ]
        );
        assert_eq!(split.binary, ["-golden", "dir", "-update"]);
        let kept_dashes = split_of("go test ./cart -- -update > <report>").unwrap();
        assert_eq!(kept_dashes.binary, ["--", "-update"]);
        for (command, flag) in [
            (
                "go test -coverprofile=c.out ./... > <report>",
                "-coverprofile",
            ),
            ("go test -cover ./... > <report>", "-cover"),
            ("go test -exec sudo ./... > <report>", "-exec"),
            (
                "go test -cpuprofile cpu.out ./cart > <report>",
                "-cpuprofile",
            ),
        ] {
            let Err(error) = split_of(command) else {
                panic!("{command} was not refused");
            };
            assert!(
                error.message.contains(&format!("arranges {flag} around")),
                "{}",
                error.message
            );
        }
    }

    /// The replay, run by a real `sh` with stand-ins for test2json, runs each package of the ids
    /// once, in its own directory, with go test's arguments, and refuses an id of a package it
    /// has no binary for; ids stay data throughout.
    #[test]
    fn the_replay_runs_each_packages_binary_once_with_the_ids_as_data() {
        let dir = tempfile::tempdir().unwrap();
        let binaries: Vec<Binary> = ["example.com/shop/cart", "example.com/shop/labels.v2"]
            .iter()
            .enumerate()
            .map(|(n, package)| {
                let package_dir = dir.path().join(format!("package {n}"));
                std::fs::create_dir(&package_dir).unwrap();
                Binary {
                    package: package.to_string(),
                    dir: package_dir,
                    path: dir.path().join(format!("go-{n}.test")),
                }
            })
            .collect();
        // Prints where it ran and what it was given, as test2json would run the binary; the
        // build stand-in leaves an empty executable and says what it built.
        let runner = Runner {
            build: "sh -c 'touch \"$2\" && chmod +x \"$2\" && echo built \"$3\"' -".to_string(),
            prefix: "env BLEED_GO=1".to_string(),
            test2json: "sh -c 'printf \"%s|\" \"${PWD##*/}\" \"$BLEED_GO\" \"$@\"; echo' -"
                .to_string(),
            verbose: "-test.v=true",
        };
        let split =
            split_of("go test -v -failfast -short ./... -shuffle=<seed> -count=1 -json > <report>")
                .unwrap();
        let replay = Template::parse(&runner.replay(&binaries, &split, "/fast")).unwrap();
        let run = |tests: &[&str]| {
            let tests: Vec<String> = tests.iter().map(|t| t.to_string()).collect();
            let report = dir.path().join("report.json");
            let _ = std::fs::remove_file(&report);
            let command = replay
                .render(&Values {
                    seed: Some(7),
                    tests: Some(&tests),
                    report: Some(&report),
                    ..Values::default()
                })
                .unwrap();
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(&command)
                .current_dir(dir.path())
                .output()
                .unwrap();
            let status = output.status.code();
            (
                status,
                std::fs::read_to_string(&report).unwrap_or_default(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        };
        let order = [
            "example.com/shop/labels.v2.TestBanner",
            "example.com/shop/cart.TestA",
            "example.com/shop/labels.v2.TestWidth",
        ];
        let (status, report, built) = run(&order);
        assert_eq!(status, Some(0));
        assert_eq!(
            built,
            "built example.com/shop/labels.v2\nbuilt example.com/shop/cart\n"
        );
        let bin = |n: usize| {
            dir.path()
                .join(format!("go-{n}.test"))
                .display()
                .to_string()
        };
        let filter = "-test.run=^(TestBanner|TestA|TestWidth)$/fast";
        assert_eq!(
            report,
            format!(
                "package 1|1|-t|-p|example.com/shop/labels.v2|{}|-test.paniconexit0|-test.v=true|\
                 -test.timeout=10m0s|-test.short|-test.shuffle=7|-test.count=1|{filter}|\n\
                 package 0|1|-t|-p|example.com/shop/cart|{}|-test.paniconexit0|-test.v=true|\
                 -test.timeout=10m0s|-test.short|-test.shuffle=7|-test.count=1|{filter}|\n",
                bin(1),
                bin(0)
            )
        );
        let (status, again, built) = run(&order);
        assert_eq!((status, again, built), (Some(0), report, String::new()));
        let (status, report, stderr) =
            run(&["example.com/shop/cart.TestA", "$(touch pwned) *.TestB"]);
        assert_eq!(status, Some(2));
        assert!(
            stderr.contains("go list found no package $(touch pwned) * with tests"),
            "{stderr}"
        );
        assert!(report.is_empty(), "{report}");
        assert!(!dir.path().join("pwned").exists());
    }
}
