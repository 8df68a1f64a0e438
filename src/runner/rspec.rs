//! RSpec 3: seeded order from `--seed <seed>`, results in execution order from the JSON
//! formatter, explicit order through a small Ruby helper that bleed writes and RSpec loads with
//! `--require`.
//!
//! A test is one example, and its id is the one RSpec prints and accepts back:
//! `./spec/cart_spec.rb[1:2]`, the spec file and the example's place among its group's examples
//! and nested groups. Descriptions never reach a shell or a filter.
//!
//! RSpec runs an example group as a block: its own examples, then its nested groups, each whole.
//! `--seed` sorts every level by a hash of seed and id, so any subset of a seeded run keeps its
//! relative order under the same seed; `--order defined` runs files in the order named and each
//! file as written. Neither can run the orders a cleaner search asks for, so probes go through a
//! global ordering of bleed's that runs any order RSpec's nesting allows and stops the run,
//! saying why, on one that would split a group.

use std::fs;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ruby::{Arg, Grammar, split_args};
use super::{Adapter, Capabilities, Generic, Invocation, RunResults, parse_version};
use crate::error::{Error, Result};
use crate::outcome::{Outcome, TestResult};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};

pub struct Rspec;

/// Options of RSpec 3 that take their value as the next word, so that the value is not mistaken
/// for a spec path.
const OPTIONS_WITH_VALUES: &[&str] = &[
    "-I",
    "-r",
    "--require",
    "-O",
    "--options",
    "--order",
    "--seed",
    "--failure-exit-code",
    "--error-exit-code",
    "--drb-port",
    "-f",
    "--format",
    "-o",
    "--out",
    "--deprecation-out",
    "-P",
    "--pattern",
    "--exclude-pattern",
    "-e",
    "--example",
    "-E",
    "--example-matches",
    "-t",
    "--tag",
    "--default-path",
];

/// `--profile [COUNT]`: OptionParser takes the next word as the count unless it is an option,
/// and RSpec then warns about a count that is not a number; a number is the only sane value.
const OPTIONS_WITH_OPTIONAL_COUNTS: &[&str] = &["-p", "--profile"];

const GRAMMAR: Grammar = Grammar {
    with_values: OPTIONS_WITH_VALUES,
    with_optional_values: OPTIONS_WITH_OPTIONAL_COUNTS,
    is_optional_value: |next| !next.is_empty() && next.chars().all(|c| c.is_ascii_digit()),
    long_name,
};

/// Options a replay must not carry: the hunt's order, its formatters (bleed adds its own),
/// `--fail-fast` (a candidate that fails would stop the probe before the victim), and the ones
/// that choose examples by other means than ids.
const NOT_REPLAYED: &[&str] = &[
    "--seed",
    "--order",
    "--format",
    "--out",
    "--fail-fast",
    "--no-fail-fast",
    "--only-failures",
    "--next-failure",
    "--bisect",
];

/// Options after which runs cannot be hunted, and why.
const REFUSED: &[(&str, &str)] = &[
    (
        "--dry-run",
        "--dry-run runs no example, so nothing could fail",
    ),
    (
        "--only-failures",
        "--only-failures runs what failed last time, so each run would choose its examples from the one before",
    ),
    (
        "--next-failure",
        "--next-failure runs what failed last time, so each run would choose its examples from the one before",
    ),
    (
        "--bisect",
        "--bisect is RSpec's own bisection, which runs the suite many times itself",
    ),
];

/// Where the helper finds the order: bleed writes it to `<tests-file>`, one id a line, which keeps
/// long orders out of the command line (a `sh -c` argument is limited to 128 KiB on Linux).
const ORDER_VARIABLE: &str = "BLEED_TESTS_FILE";

/// The helper loaded with `--require` by every probe. See the comment at its top.
const ORDER_HELPER: &str = r##"# Written by bleed's rspec adapter, and loaded with `rspec --order defined --require <this file>`:
# RSpec then runs the examples listed in the file named by $BLEED_TESTS_FILE (RSpec example ids
# such as ./spec/cart_spec.rb[1:2], one a line) in the order listed.
#
# RSpec runs the examples of a group together, a group's own examples before those of its nested
# groups, so an order that would split a group cannot be run. This file then stops RSpec before
# any example runs and says why, rather than let it run another order.
require "json"

module BleedOrder
  ID = /\A(.+)\[(\d+(?::\d+)*)\]\z/

  def self.ids
    @ids ||= begin
      list = ENV["BLEED_TESTS_FILE"] or abort "bleed: $BLEED_TESTS_FILE names no file of example ids to run"
      File.readlines(list, chomp: true).reject(&:empty?).each do |id|
        next if ID.match?(id)

        abort "bleed: #{id.inspect} in #{list} is not an RSpec example id like ./spec/cart_spec.rb[1:2]"
      end
    end
  end

  # Where each listed [absolute path, scoped id] is in the list.
  def self.positions
    @positions ||= ids.each_with_index.each_with_object({}) do |(id, index), positions|
      path, scoped = ID.match(id).captures
      positions[[File.expand_path(path), scoped]] ||= index
    end
  end

  # An example is placed by its own id, or by that of the nearest enclosing group listed.
  def self.example_position(example)
    path = File.expand_path(example.metadata[:rerun_file_path])
    scopes = example.metadata[:scoped_id].split(":")
    scopes.size.downto(1) do |depth|
      position = positions[[path, scopes.first(depth).join(":")]]
      return position if position
    end
    Float::INFINITY
  end

  def self.position(item)
    return example_position(item) unless item.is_a?(Class)

    item.descendant_filtered_examples.map { |example| example_position(example) }.min || Float::INFINITY
  end

  # RSpec asks the strategy registered as :random whether it used the seed, to print the seed.
  def self.used?
    false
  end

  def self.order(items)
    ordered = items.sort_by.with_index { |item, index| [position(item), index] }
    top_level = items.all? { |item| item.is_a?(Class) && item.superclass == RSpec::Core::ExampleGroup }
    check(ordered) if top_level && !@checked
    ordered
  end

  # Works out the order the run is about to take, the way ExampleGroup.run takes it, and stops
  # the run if it is not the order listed. bleed refuses such orders before it runs them; this is
  # the last guard, for an order bleed did not foresee.
  def self.check(groups)
    @checked = true
    examples = []
    visit = lambda do |group|
      strategy = group.ordering_strategy
      examples.concat(strategy.order(group.filtered_examples))
      strategy.order(group.children).each(&visit)
    end
    groups.each(&visit)
    unmatched = positions.values - examples.map { |example| example_position(example) }
    unless unmatched.empty?
      refuse "no example has the id #{ids[unmatched.min]} (was the spec changed since the run?)"
    end
    latest = nil
    examples.each do |example|
      if latest && example_position(example) < example_position(latest)
        refuse "RSpec cannot run the examples in the order listed: #{example.id} is listed " \
               "before #{latest.id}, but RSpec would run #{latest.id} first, because it runs all the " \
               "examples of a group together, a group's own examples before those of its nested groups"
      end
      latest = example if latest.nil? || example_position(example) > example_position(latest)
    end
  end

  # Stops the run before any example, saying why in one line: on stderr, and in place of the JSON
  # report, where bleed reads it as the reason the probe gave no results.
  def self.refuse(reason)
    json = RSpec.configuration.formatters.find { |f| f.is_a?(RSpec::Core::Formatters::JsonFormatter) }
    report = json && json.output
    if report.respond_to?(:path)
      report.rewind
      report.truncate(0)
      report.write(JSON.generate("bleed_refusal" => reason))
      report.flush
    end
    abort "bleed: #{reason}"
  end
end

RSpec.configure do |config|
  config.files_or_directories_to_run = BleedOrder.ids
  # Registered directly, not with register_ordering, which a forced --order or --seed (from the
  # command line, .rspec or SPEC_OPTS) makes a no-op; and under every built-in name, so that a
  # group's :order metadata does not take the order either.
  %i[global random defined recently_modified].each do |name|
    config.ordering_registry.register(name, BleedOrder)
  end
end
"##;

fn long_name(option: &str) -> &str {
    match option {
        "-r" => "--require",
        "-O" => "--options",
        "-f" => "--format",
        "-o" => "--out",
        "-p" => "--profile",
        "-n" => "--next-failure",
        "-P" => "--pattern",
        "-e" => "--example",
        "-E" => "--example-matches",
        "-t" => "--tag",
        "-X" => "--drb",
        other => other,
    }
}

/// `rand`, `random`, `rand:N`, `random:N`: RSpec takes any order type containing "rand" as random.
fn is_random_order(value: &str) -> bool {
    value
        .split(':')
        .next()
        .is_some_and(|kind| kind.contains("rand"))
}

/// The formatter whose `--out` holds `<report>`: the last `--format` before it, or RSpec's
/// default `progress`. None when `<report>` is used some other way.
fn report_format(args: &[Arg]) -> Option<&str> {
    let out = args.iter().position(|arg| {
        arg.is("--out")
            && arg
                .value
                .as_deref()
                .is_some_and(|value| value.contains(Placeholder::Report.token()))
    })?;
    Some(
        args[..out]
            .iter()
            .rev()
            .find(|arg| arg.is("--format"))
            .and_then(|arg| arg.value.as_deref())
            .unwrap_or("progress"),
    )
}

fn correction() -> &'static str {
    "e.g. --cmd \"bundle exec rspec\" (bleed adds --seed <seed> --no-fail-fast --format progress --format json --out <report>), \
     or in full --cmd \"bundle exec rspec --seed <seed> --format json --out <report>\""
}

/// How the hunt varies the order, judged from the last `--seed` or `--order` (RSpec keeps the last).
fn seed_additions(user: &Template, args: &[Arg]) -> Result<Option<&'static str>> {
    let last = args
        .iter()
        .rev()
        .find(|arg| arg.is("--seed") || arg.is("--order"));
    let value = last.and_then(|arg| arg.value.as_deref()).unwrap_or("");
    let varies = value.contains(Placeholder::Seed.token());
    match last {
        Some(arg) if arg.is("--seed") && !varies => Err(Error::usage(format!(
            "the command fixes RSpec's seed ({}), so every run would test the same order: write \
             --seed <seed> so each run gets its own, or leave it out, {}",
            arg.words.join(" "),
            correction()
        ))),
        Some(arg) if arg.is("--order") && !is_random_order(value) => Err(Error::usage(format!(
            "the command runs RSpec with --order {value}, so the order would never change: drop it \
             (bleed adds --seed <seed>), {}",
            correction()
        ))),
        Some(arg) if arg.is("--order") && value.contains(':') && !varies => {
            Err(Error::usage(format!(
                "the command fixes RSpec's seed (--order {value}), so every run would test the same \
                 order: write --order rand:<seed>, or leave it out, {}",
                correction()
            )))
        }
        _ if varies || user.has(Placeholder::Seed) => Ok(None),
        _ => Ok(Some("--seed <seed>")),
    }
}

impl Adapter for Rspec {
    fn name(&self) -> &'static str {
        "rspec"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        invocation.program == "rspec"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "--seed <seed> (added when missing)",
            explicit_order: "example ids in the order listed, by a global ordering bleed loads with --require; \
                             an order that splits an example group is refused",
            results: "JSON formatter: --format json --out <report> (added when missing)",
            selector: "example id: ./spec/cart_spec.rb[1:2]",
            versions: "rspec-core ≥ 3.6, < 4; tested on 3.12.0",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let invocation = Invocation::parse(user.as_str());
        let args = invocation
            .as_ref()
            .map(|invocation| split_args(invocation.arguments(), &GRAMMAR))
            .unwrap_or_default();
        for (option, why) in REFUSED {
            if args.iter().any(|arg| arg.is(option)) {
                return Err(Error::usage(format!(
                    "bleed cannot hunt with {option}: {why}; {}",
                    correction()
                )));
            }
        }
        let seed = seed_additions(user, &args)?;
        if user.has(Placeholder::Report)
            && let Some(format) = report_format(&args)
            && !matches!(format, "j" | "json")
        {
            return Err(Error::usage(format!(
                "the command writes --format {format} to <report>, and bleed reads RSpec's JSON \
                 formatter, the only one that carries the example ids RSpec accepts back: leave \
                 <report> to bleed, which adds --format json --out <report>, {}",
                correction()
            )));
        }
        let report = (!user.has(Placeholder::Report)).then_some("--format json --out <report>");
        if seed.is_none() && report.is_none() {
            // Complete already; a compound command (whose options bleed cannot see) ends here too.
            return Ok(user.clone());
        }
        if invocation.is_none() {
            return Err(Error::usage(format!(
                "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put \
                 --seed <seed> and --format json --out <report> in it yourself, {}",
                correction()
            )));
        }
        let mut additions: Vec<&str> = seed.into_iter().collect();
        // A `--fail-fast` in .rspec would end each run at its first failure, and the examples
        // after it would never be seen to flip; one on the command line is the user's choice.
        if !args
            .iter()
            .any(|arg| arg.is("--fail-fast") || arg.is("--no-fail-fast"))
        {
            additions.push("--no-fail-fast");
        }
        // A --format on the command line replaces every formatter of .rspec (RSpec merges its
        // option sources key by key), so without one of the user's, the run's log would be
        // silent: `progress` is what rspec prints by default, failures and load errors included.
        if report.is_some() && !args.iter().any(|arg| arg.is("--format")) {
            additions.push("--format progress");
        }
        additions.extend(report);
        Ok(user.with_args(&additions.join(" ")))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let Some(invocation) = Invocation::parse(hunt.as_str()) else {
            return Err(Error::usage(
                "bleed cannot derive a replay command from a compound rspec command: give one with \
                 --replay-cmd that runs the example ids <tests> and writes --format json --out <report>, \
                 e.g. --replay-cmd \"cd app && bundle exec rspec --order defined --format json --out <report> <tests>\" \
                 (it keeps the order only where --order defined does: files in the order named, each as written)",
            ));
        };
        if !self.recognises(&invocation) {
            return Err(Error::usage(
                "the command does not run rspec: give --replay-cmd, or --runner generic",
            ));
        }
        let helper = install_helper()?;
        let mut words = vec![format!(
            "{ORDER_VARIABLE}={}",
            Placeholder::TestsFile.token()
        )];
        words.extend_from_slice(&invocation.words[..invocation.args]);
        for arg in split_args(invocation.arguments(), &GRAMMAR) {
            let replayed = arg
                .option
                .as_deref()
                .is_some_and(|option| !NOT_REPLAYED.contains(&option));
            if replayed {
                words.extend(arg.words);
            }
        }
        words.extend(replay_tail(&helper.display().to_string()));
        words.push(Placeholder::Report.token().to_string());
        Template::parse(&join_keeping_placeholders(&words))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        read_report(report)
    }

    fn report_extension(&self) -> &'static str {
        "json"
    }

    /// The replay without bleed's helper and report: `--seed` when the order comes from a seeded
    /// run (a subset of it keeps its order under the same seed), `--order defined` when that runs
    /// it, and bleed's helper only for an order neither can.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        let Some((user_words, helper)) = split_replay(replay) else {
            // A --replay-cmd written by hand is shown whole, as bleed runs it: the generic
            // adapter keeps the trait's way of doing that.
            return Generic.reproducer(replay, order, seed);
        };
        let mut words = user_words;
        match seed {
            Some(seed) => words.extend(["--seed".to_string(), seed.to_string()]),
            None if defined_order(order).as_deref() == Some(order) => {
                words.extend(["--order".to_string(), "defined".to_string()]);
            }
            None => {
                let mut helper_words = vec![format!(
                    "{ORDER_VARIABLE}={}",
                    Placeholder::TestsFile.token()
                )];
                helper_words.extend(words);
                helper_words.extend(["--order", "defined", "--require"].map(String::from));
                helper_words.push(helper);
                let template = Template::parse(&join_keeping_placeholders(&helper_words))?;
                return Generic.reproducer(&template, order, None);
            }
        }
        words.push(Placeholder::Tests.token().to_string());
        Template::parse(&join_keeping_placeholders(&words))?.render(&Values {
            seed,
            tests: Some(order),
            worker: Some(1),
            ..Values::default()
        })
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let invocation = Invocation::parse(hunt.as_str())?;
        let mut command = invocation.words[..invocation.args].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    /// `rspec --version` prints `RSpec 3.12` (rspec-core's major.minor) first since rspec-core
    /// 3.6, and rspec-core's bare version (`3.5.4`) before.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match parse_version(reported) {
            None => Ok(()),
            Some((3, minor, _)) if minor >= 6 => Ok(()),
            Some((major, ..)) if major >= 4 => Err(format!(
                "bleed supports RSpec 3 (rspec-core 3.6 and later), and rspec --version says \
                 {reported}: its ordering helper relies on rspec-core 3's internals; run the suite \
                 with RSpec 3, or use --runner generic with your own --cmd and --replay-cmd"
            )),
            Some(_) => Err(format!(
                "bleed needs rspec-core 3.6 or later, the first whose JSON report names each \
                 example by an id it accepts back, and rspec --version says {reported}: upgrade \
                 (gem \"rspec\", \"~> 3.6\"), or use --runner generic with your own --cmd and \
                 --replay-cmd"
            )),
        }
    }

    fn unrunnable_order(&self, order: &[String]) -> Option<String> {
        splits_a_group(order)
    }
}

/// What bleed appends to a replay, after the user's own options, before `<report>`: the helper's
/// ordering (with `--order defined` forced, so that a `config.order = :random` in a spec file
/// cannot take its place), every example run to the end, and the report.
fn replay_tail(helper: &str) -> [String; 10] {
    [
        "--order",
        "defined",
        "--require",
        helper,
        "--no-fail-fast",
        "--format",
        "progress",
        "--format",
        "json",
        "--out",
    ]
    .map(String::from)
}

/// A replay this adapter derived, as the user's words (wrappers, rspec and the options kept) and
/// the helper's path; None for any other command.
fn split_replay(replay: &Template) -> Option<(Vec<String>, String)> {
    let words = shell_words::split(replay.as_str()).ok()?;
    let assignment = format!("{ORDER_VARIABLE}={}", Placeholder::TestsFile.token());
    let (first, rest) = words.split_first()?;
    let (last, rest) = rest.split_last()?;
    let tail_start = rest.len().checked_sub(replay_tail("").len())?;
    let (user, tail) = rest.split_at(tail_start);
    let helper = tail[3].clone();
    let ours = *first == assignment
        && last == Placeholder::Report.token()
        && tail == replay_tail(&helper).as_slice();
    ours.then(|| (user.to_vec(), helper))
}

/// An example id, `path[1:2:3]`, as its file (without a leading `./`) and scoped numbers.
fn parse_id(id: &str) -> Option<(&str, Vec<u32>)> {
    let (path, scoped) = id.strip_suffix(']')?.rsplit_once('[')?;
    let numbers = scoped
        .split(':')
        .map(|n| n.parse().ok())
        .collect::<Option<Vec<u32>>>()?;
    Some((path.strip_prefix("./").unwrap_or(path), numbers))
}

/// The order in which `rspec --order defined <ids>` runs `ids`: files in the order first named,
/// each file as written, where a group's own examples come before those of its nested groups.
/// None when an id is not one.
fn defined_order(ids: &[String]) -> Option<Vec<String>> {
    let mut files: Vec<&str> = Vec::new();
    let mut keyed = Vec::with_capacity(ids.len());
    for id in ids {
        let (file, scoped) = parse_id(id)?;
        let rank = files.iter().position(|f| *f == file).unwrap_or_else(|| {
            files.push(file);
            files.len() - 1
        });
        // Below the top level, 0 marks the example itself (the last number) and 1 a group,
        // which sorts a group's examples before its nested groups.
        let path: Vec<(u8, u32)> = scoped
            .iter()
            .enumerate()
            .map(|(depth, &n)| (u8::from(depth + 1 < scoped.len() && depth > 0), n))
            .collect();
        keyed.push(((rank, path), id.clone()));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Some(keyed.into_iter().map(|(_, id)| id).collect())
}

/// Why bleed's helper would refuse `order`, in the helper's words: RSpec runs the examples of a
/// group together, a group's own examples before its nested groups', so it cannot run an order
/// that puts another example between two of a group's, or a nested group's example before one
/// of its parent's. None when RSpec can run it, or when an id is not an example id (the helper
/// then says what is wrong with it).
fn splits_a_group(order: &[String]) -> Option<String> {
    let parsed: Vec<(&str, Vec<u32>)> =
        order.iter().map(|id| parse_id(id)).collect::<Option<_>>()?;
    if parsed.iter().any(|(_, scoped)| scoped.len() < 2) {
        return None;
    }
    let mut run = Vec::with_capacity(order.len());
    let top_level = groups_at(&parsed, (0..parsed.len()).collect(), 0);
    for members in top_level {
        run_group(&parsed, members, 1, &mut run);
    }
    let mut latest: Option<usize> = None;
    for at in run {
        match latest {
            Some(before) if at < before => {
                return Some(format!(
                    "RSpec cannot run the examples in the order listed: {} is listed before {}, but \
                     RSpec would run {} first, because it runs all the examples of a group together, \
                     a group's own examples before those of its nested groups (the cleaner search asks \
                     for such orders: --no-cleaners skips it)",
                    order[at], order[before], order[before]
                ));
            }
            _ => latest = Some(latest.map_or(at, |before| before.max(at))),
        }
    }
    None
}

/// The groups `members` fall into at `depth` (at depth 0, the top-level groups of every file),
/// each as its members in the order listed, in the order the helper runs them: by where each
/// group's first example is listed.
fn groups_at(parsed: &[(&str, Vec<u32>)], members: Vec<usize>, depth: usize) -> Vec<Vec<usize>> {
    let mut groups: Vec<((&str, u32), Vec<usize>)> = Vec::new();
    for at in members {
        let key = (parsed[at].0, parsed[at].1[depth]);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, group)) => group.push(at),
            None => groups.push((key, vec![at])),
        }
    }
    groups.into_iter().map(|(_, group)| group).collect()
}

/// Appends the examples of one group (`members`, whose ids agree to `depth`) in the order the
/// helper has RSpec run them: its own examples as listed, then each nested group whole.
fn run_group(parsed: &[(&str, Vec<u32>)], members: Vec<usize>, depth: usize, run: &mut Vec<usize>) {
    let (own, nested): (Vec<usize>, Vec<usize>) = members
        .into_iter()
        .partition(|&at| parsed[at].1.len() == depth + 1);
    run.extend(own);
    for group in groups_at(parsed, nested, depth) {
        run_group(parsed, group, depth + 1, run);
    }
}

/// The helper, written once under the system temp dir with a hash of its content in its name,
/// so that every bleed of this version shares it, and an older or newer bleed has its own.
fn install_helper() -> Result<PathBuf> {
    let dir = std::env::temp_dir();
    let path = dir.join(format!(
        "bleed-rspec-order-{:016x}.rb",
        crate::run::fnv1a(ORDER_HELPER.bytes())
    ));
    if is_ours(&path) {
        return Ok(path);
    }
    let cannot = |e: std::io::Error| {
        Error::suite(format!(
            "cannot write bleed's rspec ordering helper in {}: {e}",
            dir.display()
        ))
    };
    let mut file = tempfile::Builder::new()
        .prefix("bleed-rspec-order-")
        .suffix(".rb")
        .tempfile_in(&dir)
        .map_err(cannot)?;
    file.write_all(ORDER_HELPER.as_bytes()).map_err(cannot)?;
    // Readable by all, like any library file; writable by its owner only (checked by is_ours).
    file.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(cannot)?;
    match file.persist_noclobber(&path) {
        Ok(_) => Ok(path),
        // Another bleed wrote it first.
        Err(_) if is_ours(&path) => Ok(path),
        // The name is taken by a file that is not ours (another user's, on a shared /tmp):
        // rspec must not load it, so this bisection keeps a helper of its own.
        Err(error) => error
            .file
            .keep()
            .map(|(_, kept)| kept)
            .map_err(|e| cannot(e.error)),
    }
}

/// Whether `path` is the helper, written by this user and writable by no one else: rspec loads
/// it as code, and the temp dir is shared.
fn is_ours(path: &Path) -> bool {
    let Ok(metadata) = fs::symlink_metadata(path) else {
        return false;
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    metadata.file_type().is_file()
        && metadata.uid() == user
        && metadata.mode() & 0o022 == 0
        && fs::read(path).is_ok_and(|content| content == ORDER_HELPER.as_bytes())
}

/// The parts of RSpec's JSON report (rspec-core ≥ 3.6, the first to write ids in it) that bleed reads.
#[derive(Deserialize)]
struct Report {
    examples: Vec<Example>,
    #[serde(default)]
    summary: Option<Summary>,
    /// What RSpec said outside of examples, such as a spec file that failed to load.
    #[serde(default)]
    messages: Vec<String>,
}

#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    errors_outside_of_examples_count: u64,
}

#[derive(Deserialize)]
struct Example {
    id: Option<String>,
    status: String,
    file_path: Option<String>,
    line_number: Option<u32>,
    run_time: Option<f64>,
    exception: Option<Exception>,
}

#[derive(Deserialize)]
struct Exception {
    class: Option<String>,
    message: Option<String>,
}

fn read_report(report: &Path) -> RunResults {
    let broken = |problem: String| RunResults {
        results: Vec::new(),
        problem: Some(problem),
    };
    let text = match fs::read_to_string(report) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => {
            return broken(format!(
                "rspec wrote no report at {}: it stopped before running any example, or the command \
                 does not pass --format json --out <report> to it",
                report.display()
            ));
        }
        Err(error) => return broken(format!("cannot read {}: {error}", report.display())),
    };
    if text.trim().is_empty() {
        return broken(
            "the report is empty: rspec writes its JSON when the run ends, and this run did not end"
                .to_string(),
        );
    }
    match results_from_json(&text) {
        Ok(results) => RunResults {
            results,
            problem: None,
        },
        Err(problem) => broken(problem),
    }
}

/// What bleed's helper writes in place of the report when it stops a run.
#[derive(Deserialize)]
struct Refusal {
    bleed_refusal: String,
}

fn results_from_json(text: &str) -> std::result::Result<Vec<TestResult>, String> {
    if let Ok(refusal) = serde_json::from_str::<Refusal>(text) {
        return Err(format!(
            "bleed's ordering helper stopped rspec before any example ran: {}",
            refusal.bleed_refusal
        ));
    }
    let report: Report = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            format!("the report is cut short ({e}): the run did not end")
        } else {
            format!("the report is not RSpec's JSON ({e}): write --format json --out <report>")
        }
    })?;
    let outside = report
        .summary
        .map_or(0, |summary| summary.errors_outside_of_examples_count);
    if report.examples.is_empty() && outside > 0 {
        let first_words = report
            .messages
            .iter()
            .flat_map(|message| message.lines())
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("see the run's log");
        return Err(format!(
            "rspec ran no example, after {outside} error(s) outside of examples: {first_words}"
        ));
    }
    report.examples.into_iter().map(result_of).collect()
}

fn result_of(example: Example) -> std::result::Result<TestResult, String> {
    let id = example.id.ok_or(
        "the report has no example ids, which rspec-core writes from version 3.6 on: bleed needs \
         them to run an example again",
    )?;
    let outcome = match example.status.as_str() {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        // RSpec reports `skip` and `xit` as pending too.
        "pending" => Outcome::Skipped,
        other => return Err(format!("{id} has the status {other:?}, unknown to bleed")),
    };
    let message = example.exception.and_then(|exception| {
        let line = exception
            .message
            .as_deref()?
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())?
            .to_string();
        // RSpec's own failures say what they are; any other error needs its class.
        Some(match exception.class {
            Some(class) if !class.starts_with("RSpec::") => format!("{class}: {line}"),
            _ => line,
        })
    });
    Ok(TestResult {
        id,
        outcome,
        duration: example.run_time,
        message,
        file: example
            .file_path
            .map(|path| path.strip_prefix("./").map(String::from).unwrap_or(path)),
        line: example.line_number,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/reports/rspec")
    }

    fn hunt(command: &str) -> Result<Template> {
        Rspec.hunt_command(&Template::parse(command).unwrap())
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    #[test]
    fn recognises_rspec_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Rspec.recognises(&i));
        for yes in [
            "rspec",
            "bundle exec rspec spec/models",
            "bin/rspec --seed <seed>",
            "env RAILS_ENV=test bundle exec rspec",
            "RAILS_ENV=test ./bin/rspec -fd",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "rake spec",
            "cucumber --order random:<seed>",
            "python3 -m pytest",
            "rspec-queue spec",
            "mytool --rspec",
        ] {
            assert!(!recognised(no), "{no}");
        }
        assert_eq!(
            super::super::select("bundle exec rspec", None)
                .unwrap()
                .name(),
            "rspec"
        );
    }

    #[test]
    fn a_bare_command_gets_a_seed_and_a_report_and_keeps_a_readable_log() {
        for (user, completed) in [
            (
                "rspec",
                "rspec --seed <seed> --no-fail-fast --format progress --format json --out <report>",
            ),
            (
                "bundle exec rspec spec/models --order random",
                "bundle exec rspec spec/models --order random --seed <seed> --no-fail-fast --format progress --format json --out <report>",
            ),
            (
                "bin/rspec -fd --fail-fast",
                "bin/rspec -fd --fail-fast --seed <seed> --format json --out <report>",
            ),
            (
                "rspec --seed <seed> --format json --out <report>",
                "rspec --seed <seed> --format json --out <report>",
            ),
            (
                "rspec --order rand:<seed> -fj -o <report> --no-fail-fast spec",
                "rspec --order rand:<seed> -fj -o <report> --no-fail-fast spec",
            ),
            (
                "cd app && rspec --seed=<seed> --format json --out=<report>",
                "cd app && rspec --seed=<seed> --format json --out=<report>",
            ),
        ] {
            assert_eq!(hunt(user).unwrap().as_str(), completed, "{user}");
        }
    }

    #[test]
    fn commands_that_cannot_vary_or_report_are_refused_with_a_corrected_example() {
        for (command, hint) in [
            ("rspec --seed 42", "fixes RSpec's seed (--seed 42)"),
            ("rspec --order defined", "--order defined"),
            (
                "rspec --seed <seed> --order recently-modified",
                "--order recently-modified",
            ),
            ("rspec --order rand:42", "--order rand:<seed>"),
            (
                "rspec --seed <seed> --format RspecJunitFormatter --out <report>",
                "--format RspecJunitFormatter to <report>",
            ),
            (
                "rspec --seed <seed> --out <report>",
                "--format progress to <report>",
            ),
            ("rspec --only-failures", "--only-failures"),
            ("rspec -n", "--next-failure"),
            ("rspec --dry-run", "--dry-run"),
            ("cd app && rspec", "compound"),
        ] {
            let error = hunt(command).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
            assert!(
                error.message.contains("--cmd \"bundle exec rspec\""),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn options_are_split_from_their_values_and_paths() {
        let words: Vec<String> = [
            "-fj",
            "--out=r.json",
            "-p",
            "5",
            "--profile",
            "spec",
            "-t",
            "~slow",
            "-Ilib",
            "--",
            "-weird_spec.rb",
        ]
        .map(String::from)
        .into();
        let args = split_args(&words, &GRAMMAR);
        let shape: Vec<(Option<&str>, Option<&str>, usize)> = args
            .iter()
            .map(|a| (a.option.as_deref(), a.value.as_deref(), a.words.len()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some("--format"), Some("j"), 1),
                (Some("--out"), Some("r.json"), 1),
                (Some("--profile"), Some("5"), 2),
                (Some("--profile"), None, 1),
                (None, None, 1),
                (Some("--tag"), Some("~slow"), 2),
                (Some("-I"), Some("lib"), 1),
                (None, None, 1),
                (None, None, 1),
            ]
        );
    }

    fn replay_of(hunt_command: &str) -> (Template, String) {
        let replay = Rspec
            .replay_command(&Template::parse(hunt_command).unwrap())
            .unwrap();
        let helper = install_helper().unwrap().display().to_string();
        (replay, helper)
    }

    #[test]
    fn replay_runs_the_listed_ids_through_the_helper_and_keeps_the_users_options() {
        let (replay, helper) = replay_of(
            "bundle exec rspec -I lib --tag ~slow --seed <seed> --fail-fast -f d --format json \
             --out <report> spec/models './spec/x_spec.rb[1:2]' -- spec/y",
        );
        assert_eq!(
            replay.as_str(),
            format!(
                "BLEED_TESTS_FILE=<tests-file> bundle exec rspec -I lib --tag '~slow' --order defined \
                 --require {helper} --no-fail-fast --format progress --format json --out <report>"
            )
        );
        assert!(
            helper.contains("bleed-rspec-order-"),
            "the helper sits in the temp dir: {helper}"
        );
    }

    #[test]
    fn replay_needs_a_simple_rspec_command() {
        let compound = Rspec
            .replay_command(&Template::parse("cd app && rspec --seed <seed>").unwrap())
            .unwrap_err();
        assert!(
            compound.message.contains("--replay-cmd"),
            "{}",
            compound.message
        );
        let other = Rspec
            .replay_command(&Template::parse("rake spec").unwrap())
            .unwrap_err();
        assert!(
            other.message.contains("does not run rspec"),
            "{}",
            other.message
        );
    }

    #[test]
    fn the_helper_is_written_once_and_trusted_only_when_it_is_ours() {
        let first = install_helper().unwrap();
        assert_eq!(install_helper().unwrap(), first);
        assert_eq!(fs::read_to_string(&first).unwrap(), ORDER_HELPER);
        assert!(is_ours(&first));

        let dir = tempfile::tempdir().unwrap();
        let changed = dir.path().join("changed.rb");
        fs::write(&changed, format!("{ORDER_HELPER}\nsystem('x')\n")).unwrap();
        assert!(!is_ours(&changed), "content not bleed's");
        let writable = dir.path().join("writable.rb");
        fs::write(&writable, ORDER_HELPER).unwrap();
        fs::set_permissions(&writable, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(
            !is_ours(&writable),
            "anyone could change it before rspec loads it"
        );
        let link = dir.path().join("link.rb");
        std::os::unix::fs::symlink(&first, &link).unwrap();
        assert!(!is_ours(&link), "a symlink can be repointed");
    }

    #[test]
    fn the_reproducer_is_plain_rspec_whenever_rspec_alone_runs_the_order() {
        let (replay, helper) = replay_of("bundle exec rspec -I lib --seed <seed> spec");
        let hostile = "./spec/it's \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]";
        let order = ids(&[hostile, "./spec/cart_spec.rb[1:1]"]);
        assert_eq!(
            Rspec.reproducer(&replay, &order, Some(19497)).unwrap(),
            "bundle exec rspec -I lib --seed 19497 './spec/it'\\''s \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]' './spec/cart_spec.rb[1:1]'"
        );
        assert_eq!(
            Rspec.reproducer(&replay, &order, None).unwrap(),
            "bundle exec rspec -I lib --order defined './spec/it'\\''s \"quoted\" $(touch bleed-pwned)_spec.rb[1:1]' './spec/cart_spec.rb[1:1]'"
        );
        // Without a seed, an order against the file's definition needs the helper.
        let against_definition = ids(&["./spec/cart_spec.rb[1:2]", "./spec/cart_spec.rb[1:1]"]);
        assert_eq!(
            Rspec
                .reproducer(&replay, &against_definition, None)
                .unwrap(),
            format!(
                "printf '%s\\n' './spec/cart_spec.rb[1:2]' './spec/cart_spec.rb[1:1]' > /tmp/bleed-order.txt && \
                 BLEED_TESTS_FILE=/tmp/bleed-order.txt bundle exec rspec -I lib --order defined --require {helper}"
            )
        );
        let by_hand =
            Template::parse("rspec --order defined --format json --out <report> <tests>").unwrap();
        assert_eq!(
            Rspec
                .reproducer(&by_hand, &against_definition, None)
                .unwrap(),
            "rspec --order defined --format json --out /tmp/bleed-report.xml './spec/cart_spec.rb[1:2]' './spec/cart_spec.rb[1:1]'"
        );
    }

    #[test]
    fn defined_order_is_files_as_named_and_each_file_as_written() {
        let named = ids(&[
            "./spec/b_spec.rb[1:2]",
            "./spec/a_spec.rb[1:3:1]",
            "spec/b_spec.rb[1:1]",
            "./spec/a_spec.rb[2:1]",
            "./spec/a_spec.rb[1:4]",
            "./spec/a_spec.rb[1:1]",
        ]);
        assert_eq!(
            defined_order(&named).unwrap(),
            ids(&[
                "spec/b_spec.rb[1:1]",
                "./spec/b_spec.rb[1:2]",
                // a group's own examples run before its nested group's, whatever their numbers
                "./spec/a_spec.rb[1:1]",
                "./spec/a_spec.rb[1:4]",
                "./spec/a_spec.rb[1:3:1]",
                "./spec/a_spec.rb[2:1]",
            ])
        );
        assert_eq!(defined_order(&ids(&["spec/a_spec.rb:12"])), None);
    }

    #[test]
    fn orders_that_split_a_group_are_refused_before_they_run() {
        for runnable in [
            // A seeded run's order: top-level groups of several files interleave, each whole.
            &[
                "./spec/b_spec.rb[2:1]",
                "./spec/a_spec.rb[1:2]",
                "./spec/a_spec.rb[1:1]",
                "./spec/a_spec.rb[1:3:2]",
                "./spec/a_spec.rb[1:3:1]",
                "./spec/b_spec.rb[1:1]",
            ][..],
            // Nested groups in any order, after their parent's own examples.
            &[
                "./spec/a_spec.rb[1:4:1:1]",
                "./spec/a_spec.rb[1:3:1]",
                "spec/b_spec.rb[1:1]",
            ],
            &["./spec/a_spec.rb[1:1]"],
            // Not example ids: the helper says what is wrong with them.
            &[
                "./spec/a_spec.rb[1:1]",
                "./spec/b_spec.rb:3",
                "./spec/a_spec.rb[1:2]",
            ],
        ] {
            assert_eq!(Rspec.unrunnable_order(&ids(runnable)), None, "{runnable:?}");
        }
        for (order, listed_early, runs_first) in [
            (
                &[
                    "./spec/grouped_spec.rb[1:1]",
                    "./spec/other_spec.rb[1:1]",
                    "./spec/grouped_spec.rb[1:2]",
                ][..],
                "./spec/other_spec.rb[1:1]",
                "./spec/grouped_spec.rb[1:2]",
            ),
            // A nested group's example before one of its parent's own.
            (
                &["./spec/a_spec.rb[1:3:1]", "./spec/a_spec.rb[1:1]"],
                "./spec/a_spec.rb[1:3:1]",
                "./spec/a_spec.rb[1:1]",
            ),
            // Two examples of one nested group with its sibling group between them.
            (
                &[
                    "./spec/a_spec.rb[1:2:1]",
                    "./spec/a_spec.rb[1:3:1]",
                    "./spec/a_spec.rb[1:2:2]",
                ],
                "./spec/a_spec.rb[1:3:1]",
                "./spec/a_spec.rb[1:2:2]",
            ),
        ] {
            let reason = Rspec.unrunnable_order(&ids(order)).expect("refused");
            assert!(
                reason.starts_with(&format!(
                    "RSpec cannot run the examples in the order listed: {listed_early} is listed \
                     before {runs_first}, but RSpec would run {runs_first} first"
                )),
                "{order:?}: {reason}"
            );
        }
    }

    #[test]
    fn the_helpers_refusal_is_the_reason_a_probe_gave_no_results() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("refused.json");
        fs::write(
            &report,
            r#"{"bleed_refusal":"no example has the id ./spec/a_spec.rb[1:9] (was the spec changed since the run?)"}"#,
        )
        .unwrap();
        assert_eq!(
            Rspec.read_results(&report).problem.as_deref(),
            Some(
                "bleed's ordering helper stopped rspec before any example ran: no example has the \
                 id ./spec/a_spec.rb[1:9] (was the spec changed since the run?)"
            )
        );
    }

    #[test]
    fn versions_from_3_6_on_are_accepted_and_others_refused_with_what_to_do() {
        // What `rspec --version` prints first: rspec-core's major.minor since 3.6, its bare
        // version before.
        for accepted in [
            "RSpec 3.12",
            "RSpec 3.6",
            "RSpec 3.13",
            "Resolving dependencies...",
        ] {
            assert_eq!(Rspec.check_version(accepted), Ok(()), "{accepted}");
        }
        for (refused, hint) in [
            ("3.5.4", "upgrade"),
            ("3.1.7", "upgrade"),
            ("2.14.8", "upgrade"),
            ("RSpec 4.0", "run the suite with RSpec 3"),
        ] {
            let error = Rspec.check_version(refused).unwrap_err();
            assert!(
                error.contains(&format!("says {refused}")) && error.contains(hint),
                "{refused}: {error}"
            );
            assert!(error.contains("--runner generic"), "{error}");
            assert!(!error.contains('\n'), "one line: {error}");
        }
    }

    #[test]
    fn version_is_asked_of_the_same_rspec() {
        assert_eq!(
            Rspec
                .version_command(&Template::parse("bundle exec rspec --seed <seed> spec").unwrap())
                .unwrap(),
            "bundle exec rspec --version"
        );
    }

    #[test]
    fn a_real_seeded_report_is_read_in_run_order() {
        let read = Rspec.read_results(&samples().join("seeded.json"));
        assert_eq!(read.problem, None);
        let summary: Vec<(&str, Outcome, Option<&str>)> = read
            .results
            .iter()
            .map(|r| (r.id.as_str(), r.outcome, r.message.as_deref()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "./spec/it's \"quoted\" $(touch pwned)_spec.rb[1:1]",
                    Outcome::Passed,
                    None
                ),
                ("./spec/cart_spec.rb[1:1]", Outcome::Passed, None),
                ("./spec/cart_spec.rb[1:4]", Outcome::Skipped, None),
                (
                    "./spec/cart_spec.rb[1:2]",
                    Outcome::Failed,
                    Some("expected: 0")
                ),
                ("./spec/cart_spec.rb[1:3:2]", Outcome::Skipped, None),
                (
                    "./spec/cart_spec.rb[1:3:1]",
                    Outcome::Failed,
                    Some("IOError: card reader offline")
                ),
            ]
        );
        let first = &read.results[0];
        assert_eq!(
            first.file.as_deref(),
            Some("spec/it's \"quoted\" $(touch pwned)_spec.rb")
        );
        assert_eq!(first.line, Some(2));
        assert_eq!(first.duration, Some(0.009461581));
    }

    #[test]
    fn unusable_reports_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.json");
        fs::write(&empty, "").unwrap();
        let without_ids = dir.path().join("old.json");
        fs::write(
            &without_ids,
            r#"{"version":"3.5.4","examples":[{"description":"x","status":"passed","file_path":"./spec/a_spec.rb","line_number":2}]}"#,
        )
        .unwrap();
        let junit = dir.path().join("junit.xml");
        fs::write(&junit, "<testsuite><testcase name=\"x\"/></testsuite>").unwrap();
        for (report, expected) in [
            (samples().join("seeded-truncated.json"), "cut short"),
            (
                samples().join("load-error.json"),
                "rspec ran no example, after 1 error(s) outside of examples: An error occurred while loading ./spec/broken_spec.rb.",
            ),
            (dir.path().join("missing.json"), "rspec wrote no report"),
            (empty, "the report is empty"),
            (without_ids, "version 3.6"),
            (junit, "not RSpec's JSON"),
        ] {
            let read = Rspec.read_results(&report);
            let problem = read.problem.unwrap_or_default();
            assert!(
                problem.contains(expected),
                "{}: {problem}",
                report.display()
            );
            assert!(read.results.is_empty());
        }
    }
}
