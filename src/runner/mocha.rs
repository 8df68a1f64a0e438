//! mocha: no seeded order of its own, so bleed shuffles the test files itself; results from the
//! xunit reporter; explicit orders through a root hook that rebuilds the loaded suite.
//!
//! mocha loads every file into one process and one suite tree, then runs it depth first: the
//! top-level tests of all files before any describe block, and in each describe block its own
//! tests before the blocks nested in it. A `--require`d root hook plugin runs before any test,
//! when the tree is complete, so it can leave out the tests a probe does not want and rebuild
//! the tree to run the rest in the order asked for. The one order it cannot give is one that
//! leaves a describe block with `before`/`after` hooks and comes back: those hooks run once
//! around all of the block's tests.

use std::collections::HashMap;
use std::path::Path;

use super::node::{
    install_script, node_script_prefix, option_name, runs_under_node, split_node_script,
};
use super::{
    Adapter, Arranged, Capabilities, Invocation, RunResults, VictimCheck, accepts_appended_args,
    inline_order, scripted_order,
};
use crate::error::{Error, Result};
use crate::junit::{self, Case};
use crate::order::Arrangement;
use crate::outcome::{Outcome, TestResult};
use crate::template::{Placeholder, Template, Values, join_keeping_placeholders};

pub struct Mocha;

/// Between the file and the full title of an id.
const SEPARATOR: &str = " › ";

/// mocha options that take a value; the value may be the next word (mocha's arrays take one
/// value per option, not every following word).
const OPTIONS_WITH_A_VALUE: &[&str] = &[
    "--config",
    "--package",
    "-R",
    "--reporter",
    "-O",
    "--reporter-option",
    "--reporter-options",
    "-u",
    "--ui",
    "-s",
    "--slow",
    "-t",
    "--timeout",
    "--timeouts",
    "-g",
    "--grep",
    "-f",
    "--fgrep",
    "--retries",
    "-j",
    "--jobs",
    "--extension",
    "--file",
    "--global",
    "--globals",
    "--ignore",
    "--exclude",
    "-n",
    "--node-option",
    "-r",
    "--require",
    "--spec",
    "--watch-files",
    "--watch-ignore",
];

/// Options a replay leaves out: they choose tests or files (the replay chooses them itself),
/// would stop a probe at a failing candidate before its victim, or run files elsewhere.
const LEFT_OUT_OF_REPLAYS: &[&str] = &[
    "-g",
    "--grep",
    "-f",
    "--fgrep",
    "-i",
    "--invert",
    "--spec",
    "-b",
    "--bail",
    "-p",
    "--parallel",
    "-j",
    "--jobs",
    "-w",
    "--watch",
    "--watch-files",
    "--watch-ignore",
];

const REPORTER_OPTIONS: &[&str] = &["-O", "--reporter-option", "--reporter-options"];

/// Run by `node -e` in front of the user's mocha command: reads the order bleed wrote (one id
/// a line), writes a root hook plugin that rebuilds the loaded suite tree in that order, and
/// runs the command with the plugin `--require`d and the order's files appended. `arrange`
/// goes into the plugin by its source text, with the order (absolute file, full title) as
/// `ORDER`.
///
/// The rebuilt tree holds only the tests asked for. A test that must run after its describe
/// block's nested blocks goes into a titleless block of its own inside it. A describe block
/// left and entered again is run as a copy with its `beforeEach`/`afterEach` hooks, which
/// changes nothing mocha does, unless it has `before`/`after` hooks: those must run once around
/// all its tests, so such an order is refused.
const REPLAY_SCRIPT: &str = r#"const fs = require("fs"), path = require("path"), os = require("os");
const fail = (m) => { console.error("bleed: " + m); process.exit(2); };
// Run as a file (argv[1] is the script) or inline with node -e (it is not).
const [list, ...command] = process.argv.slice(require.main ? 2 : 1);
const sep = " \u203a ";
const ids = fs.readFileSync(list, "utf8").split("\n").filter(Boolean);
const order = ids.map((id) => id.includes(sep) ? [id.slice(0, id.indexOf(sep)), id.slice(id.indexOf(sep) + sep.length)] : fail(id + " names no test"));
const files = [...new Set(order.map(([file]) => file))].map((file) => file.startsWith("-") ? "./" + file : file);
function arrange() {
  const fail = (m) => { console.error("bleed: " + m); process.exit(2); };
  const root = this.test.parent;
  const key = (file, title) => file + "\u0000" + title;
  const wanted = new Map(ORDER.map(([file, title], at) => [key(file, title), at]));
  const tests = [];
  // Twins (same file, same full title) are told apart by their place in mocha's own order,
  // the order bleed numbered them in: the second is "<full title> #2".
  const seen = new Map();
  const find = (suite) => {
    for (const test of suite.tests) {
      const title = test.fullTitle();
      const nth = (seen.get(key(test.file, title)) || 0) + 1;
      seen.set(key(test.file, title), nth);
      const at = wanted.get(key(test.file, nth > 1 ? title + " #" + nth : title));
      if (at === undefined) continue;
      tests[at] = test;
      if (nth > 1) RENAMED.push([test, " #" + nth]);
    }
    suite.suites.forEach(find);
  };
  find(root);
  const missing = ORDER.filter((_, at) => !tests[at]).map(([file, title]) => file + " \u203a " + title);
  if (missing.length) fail("mocha loaded no test called " + missing.join(", "));
  const chains = tests.map((test) => { const chain = []; for (let s = test.parent; s !== root; s = s.parent) chain.unshift(s); return chain; });
  const like = (original, title) => {
    const suite = new original.constructor(title, original.ctx);
    suite.titlePath = () => original.titlePath();
    suite.fullTitle = () => original.fullTitle();
    suite.timeout(original.timeout()); suite.retries(original.retries()); suite.slow(original.slow()); suite.bail(original.bail());
    return suite;
  };
  // Copies, not the hooks themselves: mocha drops a hook's function once its block has run.
  const hooks = (from, block) => from.map((hook) => {
    const copy = new hook.constructor(hook.title, hook.fn);
    Object.assign(copy, { parent: block, ctx: hook.ctx, file: hook.file });
    copy.timeout(hook.timeout()); copy.retries(hook.retries()); copy.slow(hook.slow());
    return copy;
  });
  const adopt = (parent, child) => { child.parent = parent; parent.suites.push(child); return child; };
  const entered = new Set();
  root.tests = []; root.suites = [];
  let open = [];
  tests.forEach((test, at) => {
    const chain = chains[at];
    let depth = 0;
    while (depth < open.length && depth < chain.length && open[depth].original === chain[depth]) depth++;
    open = open.slice(0, depth);
    for (const original of chain.slice(depth)) {
      const parent = open.length ? open[open.length - 1].block : root;
      let block = original;
      if (entered.has(original)) {
        if (original._beforeAll.length || original._afterAll.length) fail("mocha runs the tests of " + JSON.stringify(original.fullTitle()) + " together, between its before and after hooks, and this order puts other tests among them");
        block = like(original, original.title);
        block._beforeEach = hooks(original._beforeEach, block); block._afterEach = hooks(original._afterEach, block);
      } else {
        entered.add(original);
        original.tests = []; original.suites = [];
      }
      open.push({ original, block: adopt(parent, block) });
    }
    let home = open.length ? open[open.length - 1].block : root;
    if (home.suites.length) {
      const last = home.suites[home.suites.length - 1];
      home = last.bleedTail ? last : adopt(home, Object.assign(like(home, ""), { bleedTail: true }));
    }
    test.parent = home;
    home.tests.push(test);
  });
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bleed-mocha-"));
const plugin = path.join(dir, "order.cjs");
const absolute = order.map(([file, title]) => [path.resolve(file), title]);
// A twin's number reaches the report through its title, given once every test has run, so
// that the test itself sees its own title.
const rename = function () { for (const [test, suffix] of RENAMED) test.title += suffix; };
fs.writeFileSync(plugin, "const ORDER = " + JSON.stringify(absolute) + ", RENAMED = [];\nexports.mochaHooks = { beforeAll: " + arrange + ", afterAll: " + rename + " };\n");
const run = require("child_process").spawnSync(command[0], command.slice(1).concat(["--require", plugin], files), { stdio: "inherit" });
fs.rmSync(dir, { recursive: true, force: true });
if (run.error) fail("cannot run " + command[0] + ": " + run.error.message);
process.exit(run.status === null ? 1 : run.status);"#;

impl Mocha {
    /// `path › full title`: the file relative to the working directory, then the test's full
    /// title as mocha builds it (describe titles and the test's, joined by spaces).
    pub fn test_id(file: &str, full_title: &str) -> String {
        format!("{file}{SEPARATOR}{full_title}")
    }

    fn file_of(id: &str) -> &str {
        id.split_once(SEPARATOR).map_or(id, |(file, _)| file)
    }
}

fn correct_example() -> &'static str {
    "e.g. --cmd \"npx mocha --reporter xunit --reporter-option output=<report>\""
}

fn is_mocha(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word);
    matches!(base, "mocha" | "_mocha" | "mocha.js")
}

fn has_option(words: &[String], names: &[&str]) -> bool {
    words.iter().any(|word| names.contains(&option_name(word)))
}

/// The values given to any of `names`, inline or as the next word.
fn option_values<'a>(words: &'a [String], names: &[&str]) -> Vec<&'a str> {
    let mut values = Vec::new();
    for (at, word) in words.iter().enumerate() {
        let name = option_name(word);
        if !names.contains(&name) {
            continue;
        }
        if name.len() < word.len() {
            values.push(&word[name.len() + 1..]);
        } else if let Some(next) = words.get(at + 1) {
            values.push(next.as_str());
        }
    }
    values
}

/// mocha's arguments, each option with the value it took, so that values are not mistaken
/// for spec files.
fn arguments(words: &[String]) -> Vec<&[String]> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let name = option_name(&words[at]);
        let takes_next = name.len() == words[at].len() && OPTIONS_WITH_A_VALUE.contains(&name);
        let end = (at + 1 + usize::from(takes_next)).min(words.len());
        out.push(&words[at..end]);
        at = end;
    }
    out
}

impl Adapter for Mocha {
    fn name(&self) -> &'static str {
        "mocha"
    }

    fn recognises(&self, invocation: &Invocation) -> bool {
        runs_under_node(invocation, is_mocha)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "none of its own: bleed shuffles the test files, each keeping mocha's order inside it",
            explicit_order: "any order (a describe block with before/after hooks keeps its tests together), arranged by a --require'd root hook",
            results: "--reporter xunit --reporter-option output=<report> (added when missing), in run order",
            selector: "path/to/file.spec.js › full title, twins … #2",
            versions: "≥ 10.4.0 (its xunit report names each test's file); tested on 10.4.0 and 12.0.3",
        }
    }

    fn warm_support(&self) -> &'static str {
        "no: Node cannot fork a running process, and reusing one process for several probes \
         would carry state from one probe into the next, the very thing bleed hunts; every probe \
         is a fresh run of the replay command"
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let text = user.as_str();
        let words = shell_words::split(text).unwrap_or_default();
        if has_option(&words, &["-w", "--watch"]) {
            return Err(Error::usage(format!(
                "the command watches for changes (--watch), so a run never ends: drop it, {}",
                correct_example()
            )));
        }
        if has_option(&words, &["-p", "--parallel"]) {
            return Err(Error::usage(format!(
                "the command runs files in parallel worker processes (--parallel), in no order bleed \
                 can set or read: drop it, {}",
                correct_example()
            )));
        }
        if user.has(Placeholder::Seed) {
            return Err(Error::usage(format!(
                "mocha has no seeded order (it ignores options it does not know), so <seed> would \
                 change nothing: drop it, bleed shuffles the test files itself, {}",
                correct_example()
            )));
        }
        let reporters = option_values(&words, &["-R", "--reporter"]);
        if let Some(other) = reporters.iter().find(|reporter| **reporter != "xunit") {
            return Err(Error::usage(format!(
                "bleed reads mocha's xunit report, and the command asks for the {other} reporter \
                 (mocha writes one report): {}",
                correct_example()
            )));
        }
        let mut additions = Vec::new();
        let mut needed = false;
        if reporters.is_empty() {
            additions.push("--reporter xunit");
            needed = true;
        }
        if !user.has(Placeholder::Report) && !text.contains("BLEED_REPORT") {
            let fixed = option_values(&words, REPORTER_OPTIONS)
                .iter()
                .any(|value| value.split(',').any(|pair| pair.starts_with("output=")));
            if fixed {
                return Err(Error::usage(format!(
                    "the command writes mocha's report to a fixed path: write --reporter-option output=<report> \
                     so each run gets its own, {}",
                    correct_example()
                )));
            }
            additions.push("--reporter-option output=<report>");
            needed = true;
        }
        // mocha 12 then reports each test a failing before/beforeEach hook kept from running,
        // under its own name; older versions ignore options they do not know.
        if !has_option(&words, &["--fail-hook-affected-tests"]) {
            additions.push("--fail-hook-affected-tests");
        }
        if !accepts_appended_args(text) {
            if needed {
                return Err(Error::usage(format!(
                    "bleed cannot add its options to a compound command (pipe, &&, ;, redirection): put them in it yourself, {}",
                    correct_example()
                )));
            }
            return Ok(user.clone());
        }
        if additions.is_empty() {
            return Ok(user.clone());
        }
        Ok(user.with_args(&additions.join(" ")))
    }

    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        let words = shell_words::split(hunt.as_str())
            .ok()
            .filter(|_| accepts_appended_args(hunt.as_str()));
        let Some(words) = words else {
            return Err(Error::usage(format!(
                "bleed cannot derive a replay command from a compound mocha command: give --cmd as one \
                 simple mocha command, {}",
                correct_example()
            )));
        };
        let Some(start) = words.iter().position(|word| is_mocha(word)) else {
            return Err(Error::usage(
                "the command does not run mocha: give --runner to name the right one",
            ));
        };
        let script = install_script("mocha-order", REPLAY_SCRIPT)?;
        let mut command = node_script_prefix(&words, start, &script);
        for argument in arguments(&words[start + 1..]) {
            let spec_file = !argument[0].starts_with('-');
            if !spec_file && !LEFT_OUT_OF_REPLAYS.contains(&option_name(&argument[0])) {
                command.extend(argument.iter().cloned());
            }
        }
        Template::parse(&join_keeping_placeholders(&command))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        let parsed = junit::read_path(report);
        let cwd = std::env::current_dir().unwrap_or_default();
        RunResults {
            results: results_from_cases(&parsed.cases, &cwd),
            problem: parsed.problem,
        }
    }

    /// The plain mocha command of `order` when there is one; otherwise the replay command
    /// without bleed's report options, the order going through a scratch file.
    fn reproducer(&self, replay: &Template, order: &[String], seed: Option<u64>) -> Result<String> {
        if let Some(plain) = plain(replay, order, false)? {
            return plain.render(&Values {
                seed,
                ..Values::default()
            });
        }
        let report = Path::new("/tmp/bleed-report.xml");
        match standalone(replay, false)? {
            Some(command) => inline_order(&command, order, seed, report),
            None => inline_order(replay, order, seed, report),
        }
    }

    /// The same command with its xunit report kept, which repro.sh reads.
    fn scripted(
        &self,
        replay: &Template,
        order: &[String],
        seed: Option<u64>,
    ) -> Result<Option<String>> {
        match plain(replay, order, true)? {
            Some(command) => scripted_order(&command, order, seed),
            None => match standalone(replay, true)? {
                Some(command) => scripted_order(&command, order, seed),
                None => scripted_order(replay, order, seed),
            },
        }
    }

    fn plain_replay(&self, replay: &Template, order: &[String]) -> Result<Option<Template>> {
        plain(replay, order, true)
    }

    fn victim_check(&self, victim: &str, _name: Option<&str>) -> Option<VictimCheck> {
        Some(VictimCheck::program(
            "node",
            include_str!("mocha_outcome.js"),
            vec![("VICTIM", victim.to_string())],
        ))
    }

    /// mocha names each test's file in its xunit report since 10.4.0; without it bleed can
    /// neither tell twin titles of two files apart nor replay a file.
    fn check_version(&self, reported: &str) -> std::result::Result<(), String> {
        match super::parse_version(reported) {
            Some(version) if version < (10, 4, 0) => Err(format!(
                "mocha {} writes its xunit report without each test's file, which bleed needs to \
                 run a file's tests (mocha 10.4.0 added it): upgrade mocha to 10.4 or later, \
                 e.g. npm install --save-dev mocha@12",
                reported.trim()
            )),
            _ => Ok(()),
        }
    }

    fn version_command(&self, hunt: &Template) -> Option<String> {
        let words = shell_words::split(hunt.as_str()).ok()?;
        let start = words.iter().position(|word| is_mocha(word))?;
        let mut command = words[..=start].to_vec();
        command.push("--version".to_string());
        Some(join_keeping_placeholders(&command))
    }

    /// Each file's tests, in the order mocha ran them, as one unit: mocha never varies the
    /// order within a file, and a describe block's hooks hold its tests together, so bleed
    /// varies the order of the files.
    fn arrangement(&self, natural: &[TestResult]) -> std::result::Result<Arranged, String> {
        let mut files: Vec<Vec<Arrangement>> = Vec::new();
        for result in natural {
            let test = Arrangement::Test(result.id.clone());
            let file = Mocha::file_of(&result.id);
            match files.iter_mut().find(|tests| match &tests[0] {
                Arrangement::Test(first) => Mocha::file_of(first) == file,
                _ => false,
            }) {
                Some(tests) => tests.push(test),
                None => files.push(vec![test]),
            }
        }
        Ok(Arranged {
            arrangement: Arrangement::Free(files.into_iter().map(Arrangement::Fixed).collect()),
            kept_together: Some("each file's tests, in the order they are written"),
        })
    }
}

/// The replay with bleed's ordering script inline (`node -e`), so that it runs without bleed,
/// and with bleed's xunit report or without it; None for a replay command the user gave.
fn standalone(replay: &Template, keep_report: bool) -> Result<Option<Template>> {
    let Some((mut words, mocha)) = replay_parts(replay)? else {
        return Ok(None);
    };
    words.extend(["node", "-e", REPLAY_SCRIPT, "<tests-file>"].map(String::from));
    words.extend(mocha_options(&mocha, keep_report));
    Template::parse(&join_keeping_placeholders(&words)).map(Some)
}

/// The variable assignments in front of a replay bleed derived, and the mocha command its
/// script runs; None for a replay command the user gave.
fn replay_parts(replay: &Template) -> Result<Option<(Vec<String>, Vec<String>)>> {
    Ok(split_node_script(
        replay,
        &install_script("mocha-order", REPLAY_SCRIPT)?,
    ))
}

/// The mocha command's words, without bleed's xunit report options unless `keep_report`.
fn mocha_options(mocha: &[String], keep_report: bool) -> Vec<String> {
    let mut words = Vec::new();
    for argument in arguments(mocha) {
        let value = argument.get(1).map(String::as_str);
        let name = option_name(&argument[0]);
        let inline = argument[0].get(name.len() + 1..);
        let bleeds = match name {
            "-R" | "--reporter" => inline.or(value) == Some("xunit"),
            _ if REPORTER_OPTIONS.contains(&name) => inline.or(value) == Some("output=<report>"),
            _ => false,
        };
        if keep_report || !bleeds {
            words.extend(argument.iter().cloned());
        }
    }
    words
}

/// `order` as mocha runs it unaided: its files in order on the command line (which replace
/// the config's `spec`), `--grep` matching exactly its full titles. mocha keeps each file's
/// tests in its own order, so this is the order whenever the order is files one after the
/// other, each file's tests as mocha ran them. None where the ids show it cannot be: a file
/// left and come back to, a twin (`… #2`; `--grep` matches every test of a full title),
/// `--sort`, or a title that would read as a placeholder. What the ids cannot show (a twin's
/// first alone, which `--grep` runs with its twins; a top-level test after another file's
/// describe block, which mocha runs before every block) a cold probe of this command shows.
fn plain(replay: &Template, order: &[String], keep_report: bool) -> Result<Option<Template>> {
    let Some((mut words, mocha)) = replay_parts(replay)? else {
        return Ok(None);
    };
    let Some(split) = order
        .iter()
        .map(|id| id.split_once(SEPARATOR))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(None);
    };
    let mut files: Vec<&str> = Vec::new();
    for (file, _) in &split {
        if files.last() != Some(file) {
            if files.contains(file) {
                return Ok(None);
            }
            files.push(file);
        }
    }
    let twin = |title: &str| {
        title
            .rsplit_once(" #")
            .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let placeholder = |text: &str| Placeholder::ALL.iter().any(|p| text.contains(p.token()));
    let sorted = has_option(&mocha, &["-S", "--sort"]);
    if sorted
        || split
            .iter()
            .any(|(file, title)| twin(title) || placeholder(file) || placeholder(title))
    {
        return Ok(None);
    }
    // The files right after mocha itself: yargs takes the word after an option it does not
    // know for that option's value, so mocha 10 would read a file after
    // `--fail-hook-affected-tests` (added by bleed, known only from mocha 12) as its value.
    let program = mocha.iter().position(|word| is_mocha(word)).unwrap_or(0) + 1;
    words.extend(mocha[..program].iter().cloned());
    words.extend(files.iter().map(|file| {
        if file.starts_with('-') {
            format!("./{file}")
        } else {
            file.to_string()
        }
    }));
    words.extend(mocha_options(&mocha[program..], keep_report));
    let titles: Vec<&str> = split.iter().map(|(_, title)| *title).collect();
    words.extend(["--grep".to_string(), exact_titles(&titles)]);
    Ok(Template::parse(&join_keeping_placeholders(&words)).ok())
}

/// A pattern for `--grep` that matches these full titles and no other: mocha tests it against
/// each test's full title (its describe titles and its own, joined by spaces), and reads a
/// pattern written `/…/flags` as a literal, which one starting `^(?:` is not.
fn exact_titles(titles: &[&str]) -> String {
    let escaped: Vec<String> = titles
        .iter()
        .map(|title| {
            let mut out = String::new();
            for c in title.chars() {
                if ".*+?^${}()|[]\\/".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        })
        .collect();
    format!("^(?:{})$", escaped.join("|"))
}

/// How mocha names a hook that failed: `"before each" hook for "test"`,
/// `"before all" hook: name for "test"`, `"after all" hook in "suite"`.
#[derive(Debug, PartialEq)]
enum Hook<'a> {
    /// A before/beforeEach hook, which kept the tests of its block from running; `test` is the
    /// one it was for, when it names one.
    Before { test: Option<&'a str> },
    /// An after/afterEach hook, which failed once the tests before it had run.
    After,
}

fn hook(name: &str) -> Option<Hook<'_>> {
    let kinds = [
        ("\"before each\" hook", true),
        ("\"before all\" hook", true),
        ("\"after each\" hook", false),
        ("\"after all\" hook", false),
    ];
    let (rest, before) = kinds
        .iter()
        .find_map(|(prefix, before)| Some((name.strip_prefix(prefix)?, *before)))?;
    if !before {
        return Some(Hook::After);
    }
    let test = rest
        .split_once(" for \"")
        .and_then(|(_, test)| test.strip_suffix('"'));
    Some(Hook::Before { test })
}

fn full_title(classname: &str, title: &str) -> String {
    if classname.is_empty() {
        title.to_string()
    } else {
        format!("{classname} {title}")
    }
}

/// Whether `case` is a test of the block `classname` names, or of a block nested in it.
fn within(case: &Case, classname: &str) -> bool {
    let inner = case.classname.as_deref().unwrap_or_default();
    classname.is_empty()
        || inner == classname
        || inner
            .strip_prefix(classname)
            .is_some_and(|rest| rest.starts_with(' '))
}

/// Results from the xunit report's cases, files named relative to `cwd`. A failed hook is
/// charged to a test, so that a test polluted through its `beforeEach` keeps its own id. mocha
/// 12 with `--fail-hook-affected-tests` reports the tests a failed before hook kept from
/// running as failed, right after the hook: they carry the failure, and the hook's own entry
/// is dropped. Without it, a before hook is charged to the test it names, taken to be of the
/// hook's own block (a `beforeEach` of an outer block that failed for a test of an inner one
/// gets a name no test has). An after hook is charged to the test that ran just before it.
fn results_from_cases(cases: &[Case], cwd: &Path) -> Vec<TestResult> {
    let mut results: Vec<TestResult> = Vec::new();
    for (at, case) in cases.iter().enumerate() {
        let absolute = case.file.as_deref().unwrap_or_default();
        let file = Path::new(absolute)
            .strip_prefix(cwd)
            .map_or(absolute.to_string(), |relative| {
                relative.display().to_string()
            });
        let classname = case.classname.as_deref().unwrap_or_default();
        let hook_message = || {
            Some(match &case.message {
                Some(message) => format!("{}: {message}", case.name),
                None => case.name.clone(),
            })
        };
        let title = full_title(classname, &case.name);
        let mut result = TestResult {
            id: Mocha::test_id(&file, &title),
            outcome: case.outcome,
            duration: case.time,
            message: case.message.clone(),
            file: (!file.is_empty()).then(|| file.clone()),
            line: case.line,
            name: Some(title),
        };
        match hook(&case.name) {
            None => {}
            Some(Hook::Before { test }) => {
                let affected_reported = cases.get(at + 1).is_some_and(|next| {
                    next.file == case.file
                        && next.outcome.is_failure()
                        && hook(&next.name).is_none()
                        && within(next, classname)
                });
                if affected_reported {
                    continue;
                }
                if let Some(test) = test {
                    let title = full_title(classname, test);
                    result.id = Mocha::test_id(&file, &title);
                    result.name = Some(title);
                }
                result.outcome = Outcome::Errored;
                result.message = hook_message();
            }
            Some(Hook::After) => {
                if let Some(last) = results
                    .last_mut()
                    .filter(|last| last.file.as_deref() == Some(file.as_str()))
                {
                    if !last.outcome.is_failure() {
                        last.outcome = Outcome::Errored;
                        last.message = hook_message();
                    }
                    continue;
                }
                result.outcome = Outcome::Errored;
            }
        }
        results.push(result);
    }
    number_twins(&mut results);
    results
}

/// Gives the second and later tests of one file with the same full title (a table of cases
/// under one title, `it` in a loop) the ids `… #2`, `… #3`, in the order they ran. Only a run
/// in mocha's own order has twins to number: a replay's plugin has already named them so.
fn number_twins(results: &mut [TestResult]) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for result in results {
        let count = seen.entry(result.id.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            result.id = format!("{} #{count}", result.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::quote;

    const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/reports/mocha");

    const HOSTILE: &str = "it's \"quoted\" $(touch bleed-pwned)";

    fn template(text: &str) -> Template {
        Template::parse(text).unwrap()
    }

    /// A sample read as if bleed ran in `cwd`, the directory it was written in.
    fn sample(name: &str, cwd: &str) -> Vec<(String, Outcome)> {
        let report = junit::read_path(&Path::new(SAMPLES).join(name));
        assert_eq!(report.problem, None, "{name}");
        results_from_cases(&report.cases, Path::new(cwd))
            .into_iter()
            .map(|result| (result.id, result.outcome))
            .collect()
    }

    fn owned(expected: &[(&str, Outcome)]) -> Vec<(String, Outcome)> {
        expected
            .iter()
            .map(|(id, outcome)| (id.to_string(), *outcome))
            .collect()
    }

    #[test]
    fn recognises_mocha_behind_its_usual_wrappers() {
        let recognised =
            |command: &str| Invocation::parse(command).is_some_and(|i| Mocha.recognises(&i));
        for yes in [
            "mocha",
            "npx mocha test",
            "node_modules/.bin/mocha --recursive",
            "node_modules/.bin/_mocha",
            "yarn mocha",
            "pnpm exec mocha",
            "NODE_ENV=test npx mocha",
            "node node_modules/mocha/bin/mocha.js",
        ] {
            assert!(recognised(yes), "{yes}");
        }
        for no in [
            "npx jest",
            "npm test",
            "node app.js mocha",
            "npx mocha-junit-reporter",
        ] {
            assert!(!recognised(no), "{no}");
        }
    }

    #[test]
    fn a_bare_command_gets_the_xunit_report() {
        assert_eq!(
            Mocha.hunt_command(&template("npx mocha")).unwrap().as_str(),
            "npx mocha --reporter xunit --reporter-option output=<report> --fail-hook-affected-tests"
        );
        assert_eq!(
            Mocha
                .hunt_command(&template("npx mocha -R xunit -O output=<report>"))
                .unwrap()
                .as_str(),
            "npx mocha -R xunit -O output=<report> --fail-hook-affected-tests"
        );
        let compound = "cd web && npx mocha --reporter=xunit --reporter-option output=<report>";
        assert_eq!(
            Mocha.hunt_command(&template(compound)).unwrap().as_str(),
            compound
        );
    }

    #[test]
    fn commands_bleed_cannot_read_or_order_are_refused_with_an_example() {
        for (command, hint) in [
            ("npx mocha --reporter spec", "spec reporter"),
            ("npx mocha -R=dot", "dot reporter"),
            ("npx mocha -O output=out.xml", "output=<report>"),
            ("npx mocha --parallel", "parallel"),
            ("npx mocha --watch", "never ends"),
            ("npx mocha --seed <seed>", "no seeded order"),
            ("cd web && npx mocha", "compound"),
        ] {
            let error = Mocha.hunt_command(&template(command)).unwrap_err();
            assert!(error.message.contains(hint), "{command}: {}", error.message);
            assert!(
                error.message.contains(
                    "--cmd \"npx mocha --reporter xunit --reporter-option output=<report>\""
                ),
                "{command}: {}",
                error.message
            );
        }
    }

    #[test]
    fn replay_runs_the_hunt_command_through_the_script_without_its_own_selection() {
        let hunt = Mocha
            .hunt_command(&template(
                "NODE_ENV=test exec npx mocha --config .mocharc.yml -g slow --bail test/unit \
                 --require ts-node/register --spec 'test/**/*.js' -t 5000 -i",
            ))
            .unwrap();
        assert_eq!(
            Mocha.replay_command(&hunt).unwrap().as_str(),
            format!(
                "NODE_ENV=test node {} <tests-file> npx mocha --config .mocharc.yml --require ts-node/register \
                 -t 5000 --reporter xunit --reporter-option output=<report> --fail-hook-affected-tests",
                install_script("mocha-order", REPLAY_SCRIPT)
                    .unwrap()
                    .display()
            )
        );
        assert!(
            Mocha
                .replay_command(&template("cd x && npx mocha"))
                .is_err()
        );
    }

    fn planted_replay(command: &str) -> Template {
        Mocha
            .replay_command(&Mocha.hunt_command(&template(command)).unwrap())
            .unwrap()
    }

    #[test]
    fn the_reproducer_is_mocha_with_the_files_and_a_grep_of_exactly_the_titles() {
        let replay = planted_replay("npx mocha");
        let order = [
            format!("test/labels.spec.js › {HOSTILE}"),
            "-odd.spec.js › a.b*c+d?e^f$g{h}i(j)k|l[m]n\\o/p".to_string(),
            "test/settings.spec.js › Settings banner defaults to \"Welcome\"".to_string(),
            "test/settings.spec.js › Settings switches the currency to EUR".to_string(),
        ];
        let grep = "^(?:it's \"quoted\" \\$\\(touch bleed-pwned\\)|a\\.b\\*c\\+d\\?e\\^f\\$g\\{h\\}i\\(j\\)k\\|l\\[m\\]n\\\\o\\/p\
                    |Settings banner defaults to \"Welcome\"|Settings switches the currency to EUR)$";
        let files = "test/labels.spec.js ./-odd.spec.js test/settings.spec.js";
        assert_eq!(
            Mocha.reproducer(&replay, &order, None).unwrap(),
            format!(
                "npx mocha {files} --fail-hook-affected-tests --grep {}",
                quote(grep)
            )
        );
        assert_eq!(
            Mocha.scripted(&replay, &order, None).unwrap().unwrap(),
            format!(
                "npx mocha {files} --reporter xunit --reporter-option output=\"$report\" \
                 --fail-hook-affected-tests --grep {}",
                quote(grep)
            )
        );
        assert_eq!(
            Mocha
                .plain_replay(&replay, &order)
                .unwrap()
                .unwrap()
                .as_str(),
            format!(
                "npx mocha {files} --reporter xunit --reporter-option output=<report> \
                 --fail-hook-affected-tests --grep {}",
                quote(grep)
            )
        );
        assert_eq!(
            Mocha
                .version_command(&template("npx mocha -R xunit"))
                .unwrap(),
            "npx mocha --version"
        );
    }

    #[test]
    fn orders_a_grep_cannot_say_go_through_the_replay_script() {
        let replay = planted_replay("npx mocha");
        let ids = |ids: &[&str]| ids.iter().map(|id| id.to_string()).collect::<Vec<_>>();
        let revisited = ids(&["a.js › A one", "b.js › B one", "a.js › A two"]);
        let twin = ids(&["a.js › T adds #2", "b.js › B one"]);
        let placeholder = ids(&["a.js › prints <seed>", "b.js › B one"]);
        for order in [&revisited, &twin, &placeholder] {
            assert_eq!(Mocha.plain_replay(&replay, order).unwrap(), None);
            assert_eq!(
                Mocha.reproducer(&replay, order, None).unwrap(),
                format!(
                    "printf '%s\\n' {} > /tmp/bleed-order.txt && node -e {} /tmp/bleed-order.txt \
                     npx mocha --fail-hook-affected-tests",
                    order
                        .iter()
                        .map(|id| quote(id))
                        .collect::<Vec<_>>()
                        .join(" "),
                    quote(REPLAY_SCRIPT)
                )
            );
        }
        let sorted = planted_replay("npx mocha --sort");
        assert_eq!(Mocha.plain_replay(&sorted, &twin[1..]).unwrap(), None);
        let given = template("run-mocha <tests-file> --out <report>");
        assert_eq!(Mocha.plain_replay(&given, &twin[1..]).unwrap(), None);
        assert_eq!(
            Mocha.reproducer(&given, &twin[1..], None).unwrap(),
            "printf '%s\\n' 'b.js › B one' > /tmp/bleed-order.txt && run-mocha \
             /tmp/bleed-order.txt --out /tmp/bleed-report.xml"
        );
    }

    #[test]
    fn each_file_is_a_unit_of_shuffling_in_the_order_mocha_ran_it() {
        let result = |id: &str| TestResult::bare(id, Outcome::Passed);
        let natural = [
            result("test/b.spec.js › root b"),
            result("test/a.spec.js › root a"),
            result("test/b.spec.js › B one"),
            result("test/a.spec.js › A one"),
            result("test/a.spec.js › A two"),
        ];
        let test = |id: &str| Arrangement::Test(id.to_string());
        assert_eq!(
            Mocha.arrangement(&natural).unwrap().arrangement,
            Arrangement::Free(vec![
                Arrangement::Fixed(vec![
                    test("test/b.spec.js › root b"),
                    test("test/b.spec.js › B one")
                ]),
                Arrangement::Fixed(vec![
                    test("test/a.spec.js › root a"),
                    test("test/a.spec.js › A one"),
                    test("test/a.spec.js › A two")
                ]),
            ])
        );
    }

    #[test]
    fn hooks_are_recognised_by_their_titles() {
        assert_eq!(
            hook("\"before each\" hook for \"lists orders\""),
            Some(Hook::Before {
                test: Some("lists orders")
            })
        );
        assert_eq!(
            hook("\"before all\" hook: connect for \"a \"quoted\" test\""),
            Some(Hook::Before {
                test: Some("a \"quoted\" test")
            })
        );
        assert_eq!(
            hook("\"before all\" hook in \"Exports\""),
            Some(Hook::Before { test: None })
        );
        assert_eq!(
            hook("\"after each\" hook: cleanUp for \"prints\""),
            Some(Hook::After)
        );
        assert_eq!(hook("before each hook"), None);
    }

    #[test]
    fn a_natural_run_lists_the_tests_in_the_order_they_ran() {
        use Outcome::{Failed, Passed};
        assert_eq!(
            sample("planted-natural.xml", "/tmp/samples/mocha"),
            owned(&[
                (&format!("test/labels.spec.js › {HOSTILE}"), Passed),
                ("test/cart.spec.js › Cart total is in dollars", Passed),
                ("test/cart.spec.js › Cart counts its items", Passed),
                (
                    "test/cart.spec.js › Cart checkout gets a connection",
                    Passed
                ),
                (
                    "test/inventory.spec.js › Inventory stock check opens a connection",
                    Passed
                ),
                ("test/inventory.spec.js › Inventory exports as csv", Failed),
                ("test/labels.spec.js › Labels shouts a label", Passed),
                (
                    "test/plugins.spec.js › Plugins reload clears the price cache",
                    Passed
                ),
                (
                    "test/plugins.spec.js › Plugins register the csv exporter",
                    Passed
                ),
                (
                    "test/pricing.spec.js › Pricing price lookup opens a connection",
                    Passed
                ),
                (
                    "test/pricing.spec.js › Pricing an apple costs three",
                    Passed
                ),
                ("test/pricing.spec.js › Pricing a pear costs two", Passed),
                (
                    "test/settings.spec.js › Settings switches the currency to EUR",
                    Passed
                ),
                (
                    "test/settings.spec.js › Settings warms the price cache",
                    Passed
                ),
                (
                    "test/settings.spec.js › Settings banner defaults to \"Welcome\"",
                    Failed
                ),
            ])
        );
    }

    #[test]
    fn a_replay_lists_the_tests_in_the_order_asked_for() {
        use Outcome::{Failed, Passed};
        assert_eq!(
            sample("planted-replay.xml", "/tmp/samples/mocha"),
            owned(&[
                (
                    "test/settings.spec.js › Settings banner defaults to \"Welcome\"",
                    Passed
                ),
                (&format!("test/labels.spec.js › {HOSTILE}"), Passed),
                (
                    "test/cart.spec.js › Cart checkout gets a connection",
                    Passed
                ),
                (
                    "test/settings.spec.js › Settings warms the price cache",
                    Passed
                ),
                (
                    "test/settings.spec.js › Settings switches the currency to EUR",
                    Passed
                ),
                ("test/cart.spec.js › Cart total is in dollars", Failed),
            ])
        );
    }

    #[test]
    fn failed_hooks_are_charged_to_tests() {
        use Outcome::{Errored, Failed, Passed};
        let file = "test/hooks.spec.js";
        let id = |title: &str| Mocha::test_id(file, title);
        assert_eq!(
            sample("hooks.xml", "/tmp/samples/mocha-hooks"),
            owned(&[
                (&id("connects"), Passed),
                (&id("Orders lists orders"), Failed),
                (&id("Orders when empty says so"), Failed),
                (&id("Reports prints"), Errored),
                (&id("Exports as csv writes a header"), Failed),
            ])
        );
        assert_eq!(
            sample("hooks-without-flag.xml", "/tmp/samples/mocha-hooks"),
            owned(&[
                (&id("connects"), Passed),
                (&id("Orders lists orders"), Errored),
                (&id("Reports prints"), Errored),
                (&id("Exports \"before all\" hook in \"Exports\""), Errored),
            ])
        );
        let report = junit::read_path(&Path::new(SAMPLES).join("hooks-without-flag.xml"));
        let results = results_from_cases(&report.cases, Path::new("/tmp/samples/mocha-hooks"));
        assert_eq!(
            results[1].message.as_deref(),
            Some(
                "\"before each\" hook for \"lists orders\": a connection was left open\n\n      \
                 + expected - actual\n\n      -false\n      +true"
            )
        );
        assert_eq!(results[1].name.as_deref(), Some("Orders lists orders"));
        assert_eq!(
            results[2].message.as_deref(),
            Some("\"after each\" hook: cleanUp for \"prints\": could not clean up")
        );
    }

    #[test]
    fn twins_of_one_file_are_numbered_and_other_files_keep_theirs() {
        let result = |id: &str| TestResult::bare(id, Outcome::Passed);
        let mut results = [
            result("a.js › T adds"),
            result("b.js › T adds"),
            result("a.js › T adds"),
            result("a.js › T Adds"),
            result("a.js › T adds"),
        ];
        number_twins(&mut results);
        let ids: Vec<&str> = results.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "a.js › T adds",
                "b.js › T adds",
                "a.js › T adds #2",
                "a.js › T Adds",
                "a.js › T adds #3",
            ]
        );
    }

    #[test]
    fn versions_without_files_in_the_report_are_refused_with_what_to_do() {
        for old in ["9.2.2", "10.3.0", "8.4.0"] {
            let refusal = Mocha.check_version(old).unwrap_err();
            assert!(refusal.contains(old), "{refusal}");
            assert!(
                refusal.contains("upgrade mocha to 10.4 or later"),
                "{refusal}"
            );
        }
        for supported in ["10.4.0", "11.7.5", "12.0.3"] {
            assert_eq!(Mocha.check_version(supported), Ok(()));
        }
    }

    #[test]
    fn a_missing_report_is_a_problem_and_foreign_paths_stay_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let missing = Mocha.read_results(&dir.path().join("report.xml"));
        assert!(missing.problem.is_some());
        let read = sample("xunit.xml", "/elsewhere");
        assert_eq!(
            read[0].0,
            "/tmp/samples/js/test/cart.spec.js › Cart adds an item"
        );
    }
}
