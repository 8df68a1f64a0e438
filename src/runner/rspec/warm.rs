//! Warm probes for RSpec: the command that starts bleed's Ruby server (`warm.rb`), booted as the
//! replay command boots.
//!
//! The server comes in as the replay's last `--require`, where a cold probe loads the ordering
//! helper, so `.rspec`'s requires and the command line's load before it, once. The `Bleed`
//! module (`bleed.rb`) must exist before `spec_helper` loads, which is before any `--require` of
//! the command line, so it comes through `RUBYOPT`: whatever runs rspec (a binstub, `bundle
//! exec`, an rbenv shim) hands it to the ruby that boots the suite.

use crate::error::{Error, Result};
use crate::template::{Placeholder, Template, join_keeping_placeholders, quote};

use super::super::Invocation;
use super::super::scripts::install;
use super::command::split_replay;

const SERVER: &str = include_str!("warm.rb");
const BLEED_MODULE: &str = include_str!("bleed.rb");

/// `sh -c` starts it: the replay's wrappers, rspec and the user's options, with the server in
/// place of the ordering helper (each child loads that helper for its probe) and no JSON report
/// (each child adds its own). The hunt's arguments go along for hunts that go warm.
pub(super) fn server_command(hunt: &Template, replay: &Template) -> Result<String> {
    let Some((user_words, helper)) = split_replay(replay) else {
        return Err(Error::suite(
            "warm probes start from the replay command bleed derives for rspec, and this one was \
             given with --replay-cmd",
        ));
    };
    if let Some(placeholder) = Placeholder::ALL
        .into_iter()
        .find(|p| user_words.iter().any(|word| word.contains(p.token())))
    {
        return Err(Error::suite(format!(
            "the rspec command uses {} before its options, which the warm server, started once, \
             cannot fill in for each probe",
            placeholder.token()
        )));
    }
    let Some(hunt) = Invocation::parse(hunt.as_str()) else {
        return Err(Error::suite(
            "warm probes need the hunt command as one simple rspec command",
        ));
    };
    let bleed = install("rspec-bleed", "rb", BLEED_MODULE, "rspec Bleed module")?;
    let server = install("rspec-warm", "rb", SERVER, "rspec warm server")?;
    let bleed = bleed.display().to_string();
    if bleed.contains(char::is_whitespace) {
        return Err(Error::suite(format!(
            "the warm server's Bleed module would be loaded through RUBYOPT, which splits on \
             spaces, from {bleed}: set TMPDIR to a path without any"
        )));
    }
    let hunt_args = serde_json::to_string(hunt.arguments())
        .map_err(|e| Error::suite(format!("cannot encode the hunt's arguments: {e}")))?;
    let mut words = user_words;
    words.extend(
        [
            "--order",
            "defined",
            "--require",
            &server.display().to_string(),
            "--no-fail-fast",
            "--format",
            "progress",
        ]
        .map(String::from),
    );
    Ok(format!(
        "RUBYOPT={}\"${{RUBYOPT:+ $RUBYOPT}}\" BLEED_RSPEC_ORDER_HELPER={} BLEED_RSPEC_HUNT_ARGS={} {}",
        quote(&format!("-r{bleed}")),
        quote(&helper),
        quote(&hunt_args),
        join_keeping_placeholders(&words)
    ))
}

#[cfg(test)]
mod tests {
    use super::super::Rspec;
    use super::*;
    use crate::runner::Adapter;

    fn commands(hunt: &str) -> (Template, Template) {
        let hunt = Rspec.hunt_command(&Template::parse(hunt).unwrap()).unwrap();
        let replay = Rspec.replay_command(&hunt).unwrap();
        (hunt, replay)
    }

    #[test]
    fn the_server_boots_like_the_replay_with_itself_in_place_of_the_ordering_helper() {
        let (hunt, replay) = commands("RAILS_ENV=test bundle exec rspec -I lib --tag '~slow' spec");
        let (_, helper) = split_replay(&replay).unwrap();
        let command = server_command(&hunt, &replay).unwrap();
        let server = install("rspec-warm", "rb", SERVER, "").unwrap();
        let bleed = install("rspec-bleed", "rb", BLEED_MODULE, "").unwrap();
        assert_eq!(
            command,
            format!(
                "RUBYOPT=-r{}\"${{RUBYOPT:+ $RUBYOPT}}\" BLEED_RSPEC_ORDER_HELPER={} \
                 BLEED_RSPEC_HUNT_ARGS='[\"-I\",\"lib\",\"--tag\",\"~slow\",\"spec\",\"--seed\",\"<seed>\",\
                 \"--no-fail-fast\",\"--format\",\"progress\",\"--format\",\"json\",\"--out\",\"<report>\"]' \
                 RAILS_ENV=test bundle exec rspec -I lib --tag '~slow' --order defined --require {} \
                 --no-fail-fast --format progress",
                bleed.display(),
                helper,
                server.display()
            )
        );
    }

    #[test]
    fn a_replay_bleed_did_not_derive_is_probed_cold() {
        let (hunt, _) = commands("rspec");
        let by_hand =
            Template::parse("rspec --order defined --format json --out <report> <tests>").unwrap();
        let error = server_command(&hunt, &by_hand).unwrap_err();
        assert!(error.message.contains("--replay-cmd"), "{}", error.message);
        let (hunt, replay) = commands("TEST_ENV_NUMBER=<worker> rspec");
        let error = server_command(&hunt, &replay).unwrap_err();
        assert!(error.message.contains("<worker>"), "{}", error.message);
    }
}
