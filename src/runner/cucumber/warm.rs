//! Warm probes for cucumber: the command that starts bleed_cucumber_warm.rb, a Ruby server that
//! loads the support code and step definitions once and forks a child per probe (docs/warm.md).

use super::super::scripts;
use super::Invocation;
use crate::error::{Error, Result};
use crate::template::{Placeholder, Template, quote};

const SERVER: &str = include_str!("bleed_cucumber_warm.rb");

/// `<wrappers> ruby <server> <program> N <replay args> (N <hunt args> | -)`: the server runs
/// under the replay's wrappers (`bundle exec`, `env RAILS_ENV=test`) and loads the replay's
/// cucumber program itself, so it boots as the replay would. The hunt's arguments serve probes
/// without an order (a warm hunt); `-` when the hunt is not a cucumber command bleed can split.
pub(super) fn server_command(hunt: &Template, replay: &Template) -> Result<String> {
    let replay = cucumber_words(replay).ok_or_else(|| {
        Error::suite(format!(
            "warm probes need a replay command that is one cucumber command ending in its \
             locations (<tests>), and this one is not: {}",
            replay.as_str()
        ))
    })?;
    if replay
        .arguments()
        .iter()
        .filter(|w| *w == "<tests>")
        .count()
        != 1
    {
        return Err(Error::suite(
            "warm probes need <tests> as one word of the replay command, where the locations go",
        ));
    }
    let hunt =
        cucumber_words(hunt).filter(|hunt| hunt.words[..hunt.args] == replay.words[..replay.args]);
    let server = scripts::install("cucumber-warm", "rb", SERVER, "cucumber warm server")?;
    // The program as written (`bin/cucumber`), after its wrappers.
    let (wrappers, program) = replay.words[..replay.args].split_at(replay.args - 1);
    let mut words: Vec<String> = wrappers.to_vec();
    words.push("ruby".to_string());
    words.push(server.display().to_string());
    words.extend(program.iter().cloned());
    push_counted(&mut words, replay.arguments());
    match &hunt {
        Some(hunt) => push_counted(&mut words, hunt.arguments()),
        None => words.push("-".to_string()),
    }
    Ok(words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" "))
}

/// A simple cucumber command, with no tests file (the server splices the order in as words).
fn cucumber_words(command: &Template) -> Option<Invocation> {
    if command.has(Placeholder::TestsFile) {
        return None;
    }
    Invocation::parse(command.as_str()).filter(|invocation| invocation.program == "cucumber")
}

fn push_counted(words: &mut Vec<String>, arguments: &[String]) {
    words.push(arguments.len().to_string());
    words.extend(arguments.iter().cloned());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::{Adapter, Cucumber};

    fn commands(user: &str) -> (Template, Template) {
        let hunt = Cucumber
            .hunt_command(&Template::parse(user).unwrap())
            .unwrap();
        let replay = Cucumber.replay_command(&hunt).unwrap();
        (hunt, replay)
    }

    fn server_words(user: &str) -> Vec<String> {
        let (hunt, replay) = commands(user);
        let command = server_command(&hunt, &replay).unwrap();
        let mut words = shell_words::split(&command).unwrap();
        let server = words
            .iter()
            .position(|w| w.contains("bleed-cucumber-warm-"))
            .unwrap();
        words[server] = "<server>".to_string();
        words
    }

    #[test]
    fn the_server_runs_under_the_replays_wrappers_with_the_replay_and_hunt_arguments() {
        assert_eq!(
            server_words("bundle exec cucumber -p ci RAILS_ENV=test --tags @fast").join(" "),
            "bundle exec ruby <server> cucumber \
             14 -p ci RAILS_ENV=test --tags @fast --format pretty --format json --out <report> \
             --order defined <tests> \
             13 -p ci RAILS_ENV=test --tags @fast --order random:<seed> --format pretty --format json \
             --out <report>"
        );
        assert_eq!(
            server_words("env LANG=C.UTF-8 bin/cucumber")[..5],
            ["env", "LANG=C.UTF-8", "ruby", "<server>", "bin/cucumber"]
        );
    }

    #[test]
    fn a_hunt_the_server_cannot_split_leaves_it_probes_with_an_order_only() {
        let hunt = Template::parse(
            "cd app && cucumber --order random:<seed> --format json --out <report>",
        )
        .unwrap();
        let replay =
            Template::parse("cucumber -f json -o <report> --order defined <tests>").unwrap();
        let command = server_command(&hunt, &replay).unwrap();
        assert!(
            command.ends_with(" cucumber 7 -f json -o '<report>' --order defined '<tests>' -"),
            "{command}"
        );
    }

    #[test]
    fn replays_the_server_cannot_run_are_an_error_so_bleed_probes_cold() {
        let (hunt, _) = commands("cucumber");
        for replay in [
            "cd app && cucumber --order defined <tests>",
            "cucumber --order defined @<tests-file> -f json -o <report>",
            "rspec <tests>",
            "cucumber --order defined -f json -o <report> <tests> <tests>",
        ] {
            let replay = Template::parse(replay).unwrap();
            assert!(
                server_command(&hunt, &replay).is_err(),
                "{}",
                replay.as_str()
            );
        }
    }
}
