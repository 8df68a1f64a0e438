//! The rspec command line read as OptionParser reads it, the commands bleed builds from it, and
//! the Ruby helper that runs an explicit order.

use std::path::PathBuf;

use super::super::ruby::{Arg, Grammar};
use crate::error::{Error, Result};
use crate::order::Arrangement;
use crate::template::{Placeholder, Template};

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

pub(super) const GRAMMAR: Grammar = Grammar {
    with_values: OPTIONS_WITH_VALUES,
    with_optional_values: OPTIONS_WITH_OPTIONAL_COUNTS,
    is_optional_value: |next| !next.is_empty() && next.chars().all(|c| c.is_ascii_digit()),
    long_name,
};

/// Options a replay must not carry: the hunt's order, its formatters (bleed adds its own),
/// `--fail-fast` (a candidate that fails would stop the probe before the victim), and the ones
/// that choose examples by other means than ids.
pub(super) const NOT_REPLAYED: &[&str] = &[
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
pub(super) const REFUSED: &[(&str, &str)] = &[
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
pub(super) const ORDER_VARIABLE: &str = "BLEED_TESTS_FILE";

/// The helper loaded with `--require` by every probe. See the comment at its top.
pub(super) const ORDER_HELPER: &str = r##"# Written by bleed's rspec adapter, and loaded with `rspec --order defined --require <this file>`:
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
pub(super) fn report_format(args: &[Arg]) -> Option<&str> {
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

pub(super) fn correction() -> &'static str {
    "e.g. --cmd \"bundle exec rspec\" (bleed adds --seed <seed> --no-fail-fast --format progress --format json --out <report>), \
     or in full --cmd \"bundle exec rspec --seed <seed> --format json --out <report>\""
}

/// How the hunt varies the order, judged from the last `--seed` or `--order` (RSpec keeps the last).
pub(super) fn seed_additions(user: &Template, args: &[Arg]) -> Result<Option<&'static str>> {
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

/// What bleed appends to a replay, after the user's own options, before `<report>`: the helper's
/// ordering (with `--order defined` forced, so that a `config.order = :random` in a spec file
/// cannot take its place), every example run to the end, and the report.
pub(super) fn replay_tail(helper: &str) -> [String; 10] {
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
pub(super) fn split_replay(replay: &Template) -> Option<(Vec<String>, String)> {
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
pub(super) fn defined_order(ids: &[String]) -> Option<Vec<String>> {
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
pub(super) fn splits_a_group(order: &[String]) -> Option<String> {
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

/// The examples as the ordering helper lets bleed arrange them: the top-level groups of every
/// file in any order, each group whole, its own examples (in any order) before its nested
/// groups (in any order). Listed in the order of `ids`. None when an id is not an example's.
pub(super) fn arrangement(ids: &[String]) -> Option<Arrangement> {
    let parsed: Vec<(&str, Vec<u32>)> = ids.iter().map(|id| parse_id(id)).collect::<Option<_>>()?;
    if parsed.iter().any(|(_, scoped)| scoped.len() < 2) {
        return None;
    }
    let top_level = groups_at(&parsed, (0..parsed.len()).collect(), 0);
    Some(Arrangement::Free(
        top_level
            .into_iter()
            .map(|members| group_arrangement(ids, &parsed, members, 1))
            .collect(),
    ))
}

fn group_arrangement(
    ids: &[String],
    parsed: &[(&str, Vec<u32>)],
    members: Vec<usize>,
    depth: usize,
) -> Arrangement {
    let (own, nested): (Vec<usize>, Vec<usize>) = members
        .into_iter()
        .partition(|&at| parsed[at].1.len() == depth + 1);
    let own = own.into_iter().map(|at| Arrangement::Test(ids[at].clone()));
    let nested = groups_at(parsed, nested, depth)
        .into_iter()
        .map(|group| group_arrangement(ids, parsed, group, depth + 1));
    Arrangement::Fixed(vec![
        Arrangement::Free(own.collect()),
        Arrangement::Free(nested.collect()),
    ])
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

/// The ordering helper, as `bleed-rspec-order-<hash>.rb` in the temp dir.
pub(super) fn install_helper() -> Result<PathBuf> {
    super::super::scripts::install("rspec-order", "rb", ORDER_HELPER, "rspec ordering helper")
}
