//! The seed inside a runner's command line: read from a rerun command, and replaced by `<seed>`
//! so that the command a log shows becomes a template bleed can run under any seed.

use crate::runner::Invocation;
use crate::template::{Placeholder, join_keeping_placeholders};

/// How a runner's command line carries its seed.
struct SeedOption {
    /// The option, in every spelling the runner accepts (`--seed N` and `--seed=N` alike).
    names: &'static [&'static str],
    /// The value written with `<seed>`, e.g. `random:<seed>`.
    template: &'static str,
    /// Only values containing this carry the order (`--order defined` does not); "" for any.
    when: &'static str,
}

fn seed_options(runner: &str) -> &'static [SeedOption] {
    match runner {
        "rspec" => &[
            SeedOption {
                names: &["--seed"],
                template: "<seed>",
                when: "",
            },
            SeedOption {
                names: &["--order"],
                template: "rand:<seed>",
                when: "rand",
            },
        ],
        "cucumber" => &[SeedOption {
            names: &["--order"],
            template: "random:<seed>",
            when: "random",
        }],
        "pytest" => &[SeedOption {
            names: &["--randomly-seed"],
            template: "<seed>",
            when: "",
        }],
        "jest" => &[SeedOption {
            names: &["--seed"],
            template: "<seed>",
            when: "",
        }],
        "go" => &[SeedOption {
            names: &["-shuffle", "--shuffle", "-test.shuffle", "--test.shuffle"],
            template: "<seed>",
            when: "",
        }],
        _ => &[],
    }
}

/// The command a runner's failures are bisected with when the log shows none: what bleed's
/// adapter completes into a seeded run.
pub fn usual_command(runner: &str) -> &'static str {
    match runner {
        "rspec" => "rspec",
        "cucumber" => "cucumber",
        "pytest" => "python3 -m pytest -p randomly",
        "jest" => "npx jest --randomize",
        "go" => "go test ./...",
        _ => "",
    }
}

/// Where a seed option's value is: the word after `--seed`, or the part after `--seed=`.
struct Found<'a> {
    word: usize,
    option: &'a SeedOption,
    /// True for `--seed=N`, where the value shares the option's word.
    inline: bool,
}

fn find(words: &[String], runner: &str) -> Vec<Found<'static>> {
    let mut found = Vec::new();
    for option in seed_options(runner) {
        for (at, word) in words.iter().enumerate() {
            for name in option.names {
                if word == name && at + 1 < words.len() {
                    found.push(Found {
                        word: at + 1,
                        option,
                        inline: false,
                    });
                } else if word.strip_prefix(name).is_some_and(|v| v.starts_with('=')) {
                    found.push(Found {
                        word: at,
                        option,
                        inline: true,
                    });
                }
            }
        }
    }
    found.sort_by_key(|f| f.word);
    found
}

fn value<'w>(words: &'w [String], found: &Found) -> &'w str {
    let word = &words[found.word];
    if found.inline {
        word.split_once('=').map_or("", |(_, value)| value)
    } else {
        word
    }
}

/// The seed a command line fixes (`rspec … --seed 1234`, `cucumber … --order random:1234`),
/// the last one when it names several, as the runner reads them.
pub fn seed_in(runner: &str, command: &str) -> Option<i64> {
    let words = shell_words::split(command).ok()?;
    find(&words, runner)
        .iter()
        .rev()
        .map(|found| (value(&words, found), found.option.when))
        .find(|(value, when)| value.contains(when))
        .and_then(|(value, _)| value.rsplit(':').next()?.parse().ok())
}

/// The command with its seed (and a seedless random order) replaced by `<seed>`, so that the
/// adapter accepts it as a hunt command and runs it under the seed the log printed. A command
/// bleed cannot split into words is left as it is.
pub fn with_seed_placeholder(runner: &str, command: &str) -> String {
    let Some(mut words) = Invocation::parse(command).map(|invocation| invocation.words) else {
        return command.to_string();
    };
    let found = find(&words, runner);
    let mut changed = false;
    for found in &found {
        let current = value(&words, found).to_string();
        if !current.contains(found.option.when) || current.contains(Placeholder::Seed.token()) {
            continue;
        }
        let word = &mut words[found.word];
        *word = if found.inline {
            let name = word.split_once('=').map_or("", |(name, _)| name);
            format!("{name}={}", found.option.template)
        } else {
            found.option.template.to_string()
        };
        changed = true;
    }
    if changed {
        join_keeping_placeholders(&words)
    } else {
        command.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner;
    use crate::template::Template;

    #[test]
    fn seeds_are_read_from_rerun_commands() {
        let rspec = "TEST_ENV_NUMBER=3 PARALLEL_TEST_GROUPS=3 rspec spec/a_spec.rb --seed 13";
        assert_eq!(seed_in("rspec", rspec), Some(13));
        assert_eq!(seed_in("rspec", "rspec --order rand:77 spec"), Some(77));
        assert_eq!(seed_in("rspec", "rspec --order defined"), None);
        assert_eq!(
            seed_in("cucumber", "cucumber a.feature --order random:12"),
            Some(12)
        );
        assert_eq!(seed_in("cucumber", "cucumber --order random"), None);
        assert_eq!(seed_in("go", "go test -shuffle=1700 ./..."), Some(1700));
        assert_eq!(seed_in("jest", "jest --randomize --seed=-5"), Some(-5));
        assert_eq!(
            seed_in("pytest", "pytest -p randomly --randomly-seed 9"),
            Some(9)
        );
    }

    /// Each rewritten command is one the runner's adapter accepts as a hunt command, with the
    /// order taken from `<seed>`.
    #[test]
    fn fixed_seeds_become_the_placeholder_the_adapters_accept() {
        for (runner, command, want) in [
            (
                "rspec",
                "TEST_ENV_NUMBER= PARALLEL_TEST_GROUPS=3 rspec spec/it\\'s_spec.rb --seed 50152",
                "TEST_ENV_NUMBER= PARALLEL_TEST_GROUPS=3 rspec 'spec/it'\\''s_spec.rb' --seed <seed>",
            ),
            (
                "rspec",
                "bundle exec rspec --order random",
                "bundle exec rspec --order rand:<seed>",
            ),
            (
                "cucumber",
                "cucumber a.feature --format progress --order random:12",
                "cucumber a.feature --format progress --order random:<seed>",
            ),
            (
                "cucumber",
                "cucumber --order=random",
                "cucumber --order=random:<seed>",
            ),
            (
                "pytest",
                "python3 -m pytest -p randomly --randomly-seed=last tests",
                "python3 -m pytest -p randomly --randomly-seed=<seed> tests",
            ),
            (
                "jest",
                "npx jest --ci --randomize --seed 8",
                "npx jest --ci --randomize --seed <seed>",
            ),
            (
                "go",
                "go test -shuffle=on ./...",
                "go test -shuffle=<seed> ./...",
            ),
            ("go", "go test ./...", "go test ./..."),
        ] {
            let rewritten = with_seed_placeholder(runner, command);
            assert_eq!(rewritten, want, "{command}");
            let adapter = runner::select(&rewritten, None).unwrap();
            assert_eq!(adapter.name(), runner, "{rewritten}");
            let hunt = adapter
                .hunt_command(&Template::parse(&rewritten).unwrap())
                .unwrap_or_else(|e| panic!("{rewritten}: {e}"));
            assert!(hunt.has(Placeholder::Seed), "{hunt:?}");
        }
    }

    #[test]
    fn the_usual_commands_are_the_runners_own() {
        for runner in ["rspec", "cucumber", "pytest", "jest", "go"] {
            let command = usual_command(runner);
            assert_eq!(runner::select(command, None).unwrap().name(), runner);
        }
    }
}
