//! The Jest command line: which options take values, which select tests, and the script that
//! runs a probe.

use super::super::node::option_name;

/// Jest options that take one value; the value may be the next word.
pub(super) const OPTIONS_WITH_A_VALUE: &[&str] = &[
    "--cacheDirectory",
    "--changedSince",
    "--collectCoverageFrom",
    "-c",
    "--config",
    "--coverageDirectory",
    "--coverageProvider",
    "--coverageThreshold",
    "--env",
    "--filter",
    "--globalSetup",
    "--globalTeardown",
    "--globals",
    "--haste",
    "-w",
    "--maxWorkers",
    "--maxConcurrency",
    "--moduleNameMapper",
    "--notifyMode",
    "--openHandlesTimeout",
    "--outputFile",
    "--preset",
    "--prettierPath",
    "--resolver",
    "--rootDir",
    "--runner",
    "--seed",
    "--shard",
    "--testEnvironment",
    "--testEnvironmentOptions",
    "--testFailureExitCode",
    "-t",
    "--testNamePattern",
    "--testResultsProcessor",
    "--testRunner",
    "--testSequencer",
    "--testTimeout",
    "--transform",
    "--workerGracefulExitTimeout",
];

/// Jest options that take every following word up to the next option (yargs arrays).
pub(super) const OPTIONS_WITH_VALUES: &[&str] = &[
    "--coveragePathIgnorePatterns",
    "--coverageReporters",
    "--ignoreProjects",
    "--moduleDirectories",
    "--moduleFileExtensions",
    "--modulePathIgnorePatterns",
    "--modulePaths",
    "--projects",
    "--reporters",
    "--roots",
    "--selectProjects",
    "--setupFiles",
    "--setupFilesAfterEnv",
    "--snapshotSerializers",
    "--testMatch",
    "--testPathIgnorePatterns",
    "--testPathPattern",
    "--testPathPatterns",
    "--testRegex",
    "--transformIgnorePatterns",
    "--unmockedModulePathPatterns",
    "--watchPathIgnorePatterns",
];

/// Options that choose which tests or files run; a replay chooses them itself.
pub(super) const SELECTING_OPTIONS: &[&str] = &[
    "-t",
    "--testNamePattern",
    "--testPathPattern",
    "--testPathPatterns",
    "--shard",
    "--filter",
    "-o",
    "--onlyChanged",
    "-f",
    "--onlyFailures",
    "--changedSince",
    "--lastCommit",
    "--findRelatedTests",
    "--runTestsByPath",
];

/// Options under which Jest never finishes a run.
pub(super) const WATCH_OPTIONS: &[&str] = &["--watch", "--watchAll"];

/// Runs Jest inside its own node process, as `node <this> [--order <tests-file>] <bleed's
/// options> -- <the user's command from its runner on>`. Jest gets the user's arguments and
/// bleed's, but `process.argv`, which a test run in band sees, holds only the user's: what the
/// user's own command would give it. Jest is found from the command's program, as the shell
/// would find it (a path, `node_modules/.bin` up from the working directory, then `PATH`).
///
/// With `--order`, it runs the tests of one file listed in `<tests-file>` (one id a line), with a
/// test runner of bleed's that wraps Jest's own (jest-circus) and skips every test not asked
/// for. `-t` cannot do that: Jest matches it without regard to case, and every test of a name
/// matches it. The wrapper sees the tests in the order they were defined, before Jest shuffles
/// them, so it knows each twin (same titles) by its place among them: `… #2` is the second.
/// Once the file has run, it names the twins so in the report, since Jest's report alone cannot
/// tell them apart. The ids stay data from the file to the wrapper: no shell sees them.
pub(super) const LAUNCH_SCRIPT: &str = r#"const fs = require("fs"), path = require("path"), os = require("os");
const fail = (m) => { console.error("bleed: " + m); process.exit(2); };
const args = process.argv.slice(2);
const split = args.indexOf("--");
if (split < 0) fail("no -- between bleed's options and the Jest command");
let options = args.slice(0, split);
const command = args.slice(split + 1);
const at = command.findIndex((word) => ["jest", "jest.js"].includes(path.basename(word)));
if (at < 0) fail("the command runs no jest: " + command.join(" "));
const [program, ...user] = command.slice(at);
function find(word) {
  if (word.includes("/")) return path.resolve(word);
  const dirs = [];
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    dirs.push(path.join(dir, "node_modules", ".bin"));
    if (dir === path.dirname(dir)) break;
  }
  for (const dir of dirs.concat((process.env.PATH || "").split(path.delimiter).filter(Boolean))) {
    if (fs.existsSync(path.join(dir, word))) return path.join(dir, word);
  }
  fail("cannot find " + word + " in node_modules/.bin or PATH from " + process.cwd());
}
const bin = find(program);
let jest = path.dirname(fs.realpathSync(bin));
const named = (dir) => { try { return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).name; } catch (e) { return ""; } };
while (!["jest", "jest-cli"].includes(named(jest))) {
  if (jest === path.dirname(jest)) fail(bin + " is not in a jest or jest-cli package");
  jest = path.dirname(jest);
}
if (options[0] === "--order") {
  const sep = " \u203a ";
  const ids = fs.readFileSync(options[1], "utf8").split("\n").filter(Boolean);
  options = options.slice(2);
  const files = [...new Set(ids.map((id) => id.split(sep)[0]))];
  if (files.length !== 1) fail("a Jest replay runs the tests of one file, and this order has " + files.length + ": " + files.join(", "));
  // Each id names titles and a place among namesakes; an id ending in " #k" may also be a
  // title that ends so, and both readings are wanted.
  const wanted = [];
  for (const id of ids) {
    if (!id.includes(sep)) fail(id + " names a file, not a test");
    const titles = id.split(sep).slice(1);
    wanted.push(JSON.stringify([titles, 1]));
    const twin = / #(\d+)$/.exec(titles[titles.length - 1]);
    if (twin && Number(twin[1]) > 1) wanted.push(JSON.stringify([titles.slice(0, -1).concat(titles[titles.length - 1].slice(0, twin.index)), Number(twin[1])]));
  }
  const from = (names, dir) => names.reduce((at, name) => path.dirname(require.resolve(name + "/package.json", { paths: [at] })), dir);
  let circus;
  for (const [via, dir] of [[[], process.cwd()], [["jest-config"], jest], [["@jest/core", "jest-config"], jest], [["jest-cli", "jest-config"], jest]]) {
    try { circus = require.resolve("jest-circus/runner", { paths: [from(via, dir)] }); break; } catch (e) {}
  }
  if (!circus) fail("cannot find jest-circus, Jest's test runner, from " + jest);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bleed-jest-"));
  process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  const wrapper = path.join(dir, "runner.cjs");
  fs.writeFileSync(wrapper, "const CIRCUS = " + JSON.stringify(circus) + ", WANTED = " + JSON.stringify(wanted) + ";\nmodule.exports = (" + runner + ")();\n");
  options.push("--testRunner", wrapper, "--runTestsByPath", files[0].startsWith("-") ? "./" + files[0] : files[0]);
}
function runner() {
  const loaded = require(CIRCUS);
  const own = typeof loaded === "function" ? loaded : loaded.default;
  const chosen = new Set(WANTED);
  const places = new Map();
  let ran = [];
  const choose = (block, titles, count) => {
    for (const child of block.children) {
      const named = titles.concat(child.name);
      if (child.type === "describeBlock") { choose(child, named, count); continue; }
      const key = JSON.stringify(named);
      const nth = (count.get(key) || 0) + 1;
      count.set(key, nth);
      places.set(child, nth);
      if (!chosen.has(JSON.stringify([named, nth]))) child.mode = "skip";
    }
  };
  const walk = (block) => block.children.flatMap((child) => child.type === "describeBlock" ? walk(child) : [child]);
  return async (globalConfig, config, environment, runtime, testPath, send) => {
    const handle = environment.handleTestEvent;
    environment.handleTestEvent = function (event, state) {
      if (event.name === "run_start") choose(state.rootDescribeBlock, [], new Map());
      if (event.name === "run_finish") ran = walk(state.rootDescribeBlock);
      return handle ? handle.call(this, event, state) : undefined;
    };
    const result = await own(globalConfig, config, environment, runtime, testPath, send);
    result.testResults.forEach((assertion, at) => {
      const nth = ran[at] && places.get(ran[at]);
      if (nth > 1) { assertion.title += " #" + nth; assertion.fullName += " #" + nth; }
    });
    return result;
  };
}
process.argv = [process.argv[0], bin, ...user];
require(jest).run([...user, ...options]);"#;

pub(super) fn correct_example() -> &'static str {
    "e.g. --cmd \"npx jest --ci --randomize --seed=<seed> --json --outputFile=<report>\""
}

/// Whether a word is the Jest program: `jest`, a path to it, or `jest.js` run by node.
pub(super) fn is_jest(word: &str) -> bool {
    let base = word.rsplit('/').next().unwrap_or(word);
    matches!(base, "jest" | "jest.js")
}

pub(super) fn jest_position(words: &[String]) -> Option<usize> {
    words.iter().position(|word| is_jest(word))
}

pub(super) fn has_option(words: &[String], names: &[&str]) -> bool {
    words.iter().any(|word| names.contains(&option_name(word)))
}

/// A Jest argument: an option with the values it took, or a positional word.
pub(super) struct Argument<'a> {
    pub(super) words: &'a [String],
    pub(super) positional: bool,
}

/// Splits Jest's arguments the way its yargs parser does, so that option values are not
/// mistaken for path patterns.
pub(super) fn arguments(words: &[String]) -> Vec<Argument<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let word = &words[at];
        let name = option_name(word);
        let inline_value = name.len() < word.len();
        let looks_like_option = |w: &String| w.starts_with('-') && w.parse::<f64>().is_err();
        let mut end = at + 1;
        if !inline_value && OPTIONS_WITH_A_VALUE.contains(&name) {
            if words.get(end).is_some_and(|next| !looks_like_option(next)) {
                end += 1;
            }
        } else if OPTIONS_WITH_VALUES.contains(&name) {
            while words.get(end).is_some_and(|next| !looks_like_option(next)) {
                end += 1;
            }
        }
        out.push(Argument {
            words: &words[at..end],
            positional: !word.starts_with('-'),
        });
        at = end;
    }
    out
}
