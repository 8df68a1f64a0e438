//! `--format html`: one self-contained page for the morning after a nightly hunt. Everything is
//! inline (style, the SVG charts drawn here, a few lines of script for the copy buttons) and a
//! Content-Security-Policy forbids loading anything else, so the page opens the same from a CI
//! artifact, a mail attachment or a laptop without network. Every piece of text from the store
//! goes through `Esc`; no store text ever reaches the script. Nothing depends on the clock or on
//! hashing, so one store always gives the same bytes.

mod chart;
mod graph;

use std::fmt::{self, Display, Write as _};

use super::text::{short_time, verdict_name};
use super::view::{Interference, RunColumn, Source, TestStats, View};
use crate::classify::Kind;
use crate::human::{count, duration};
use crate::store::RunStatus;

const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/copy.js");

/// A failure message's first line is shown whole up to this many characters; the rest of a
/// longer or multi-line message waits behind a <details>.
const MESSAGE_SHOWN: usize = 160;

pub fn render(view: &View) -> String {
    let mut page = String::with_capacity(64 * 1024);
    head(&mut page, view);
    page.push_str("<body>\n<main>\n");
    header(&mut page, view);
    contents(&mut page, view);
    most_failing(&mut page, view);
    if !view.interference.is_empty() {
        graph::section(&mut page, view);
        reproducers(&mut page, view);
    }
    chart::durations(&mut page, view);
    timeouts(&mut page, view);
    health(&mut page, view);
    let _ = writeln!(
        page,
        "<footer>Made by bleed {} from the runs recorded in its store.</footer>\n</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>",
        Esc(&view.bleed_version)
    );
    page
}

/// Text from the store, escaped for HTML text and for attribute values in double or single
/// quotes.
struct Esc<'a>(&'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// A test id as text: escaped, with a line-break opportunity after each `/`, `::` and `_`, so
/// that a long id wraps where a reader splits it rather than mid-word.
struct Id<'a>(&'a str);

impl Display for Id<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut previous = None;
        for piece in self.0.split_inclusive(['/', ':', '_']) {
            write!(f, "{}", Esc(piece))?;
            let breaks = match piece.chars().last() {
                Some('/' | '_') => true,
                Some(':') => piece == ":" && previous.is_some_and(|p: &str| p.ends_with(':')),
                _ => false,
            };
            if breaks {
                f.write_str("<wbr>")?;
            }
            previous = Some(piece);
        }
        Ok(())
    }
}

fn head(page: &mut String, view: &View) {
    let health = &view.health;
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"bleed {}\">\n\
         <title>bleed report: {} of {} failing</title>\n<style>\n{STYLE}</style>\n</head>\n",
        Esc(&view.bleed_version),
        health.failing_tests,
        count(health.tests, "test"),
    );
}

fn header(page: &mut String, view: &View) {
    let health = &view.health;
    let span = match (&health.first_run, &health.last_run) {
        (Some(first), Some(last)) => time_span(first, last),
        _ => "no runs".to_string(),
    };
    let _ = writeln!(
        page,
        "<header class=\"top\">\n<div class=\"title\"><h1><span class=\"mark\" aria-hidden=\"true\"></span>bleed report</h1>\
         <p class=\"sub\">{} · bleed {}</p></div>",
        Esc(&span),
        Esc(&view.bleed_version)
    );
    let verdict = if health.failing_tests == 0 {
        format!(
            "<p class=\"verdict good\">No test failed in {}.</p>",
            count(health.runs, "run")
        )
    } else {
        format!(
            "<p class=\"verdict bad\">{} of the suite’s {} failed at least once in {}.</p>",
            health.failing_tests,
            count(health.tests, "test"),
            count(health.runs, "run")
        )
    };
    let _ = writeln!(page, "{verdict}\n<dl class=\"stats\">");
    let stats = [
        ("runs", health.runs, false),
        ("hunts", health.hunts.len(), false),
        ("tests", health.tests, false),
        ("failing", health.failing_tests, health.failing_tests > 0),
        ("bisected", health.bisections, false),
        ("timed out", health.timed_out, health.timed_out > 0),
        ("broken runs", health.broken, health.broken > 0),
    ];
    for (label, value, bad) in stats {
        if label == "broken runs" && value == 0 {
            continue;
        }
        let class = if bad { " class=\"bad\"" } else { "" };
        let _ = writeln!(page, "<div{class}><dt>{label}</dt><dd>{value}</dd></div>");
    }
    page.push_str("</dl>\n</header>\n");
}

/// `2026-12-02 06:07 – 06:08 UTC`: the day once when both ends share it.
fn time_span(first: &str, last: &str) -> String {
    let (first, last) = (short_time(Some(first)), short_time(Some(last)));
    match (first.split_once(' '), last.split_once(' ')) {
        (Some((day, _)), Some((last_day, last_time))) if day == last_day && first != last => {
            format!("{first} – {last_time} UTC")
        }
        _ if first == last => format!("{first} UTC"),
        _ => format!("{first} – {last} UTC"),
    }
}

fn contents(page: &mut String, view: &View) {
    let mut links = Vec::new();
    if view.health.failing_tests > 0 {
        links.push(("failing", "Most failing"));
    }
    if !view.interference.is_empty() {
        links.push(("graph", "Polluters → victims"));
        links.push(("reproducers", "Reproducers"));
    }
    if chart::has_durations(view) {
        links.push(("durations", "Durations"));
    }
    if !view.timeouts.is_empty() {
        links.push(("timeouts", "Timeouts"));
    }
    links.push(("health", "Suite health"));
    page.push_str("<nav class=\"toc\" aria-label=\"Sections\">");
    for (anchor, label) in links {
        let _ = write!(page, "<a href=\"#{anchor}\">{label}</a>");
    }
    page.push_str("</nav>\n");
}

fn most_failing(page: &mut String, view: &View) {
    let failing: Vec<&TestStats> = view.failing().collect();
    if failing.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section id=\"failing\" class=\"card\" style=\"--runs:{}\">\n<h2>Most failing <span class=\"count\">{}</span></h2>\n\
         <p class=\"legend\">History, one mark per run, oldest first: \
         <span><i class=\"cell f\"></i>failed</span> <span><i class=\"cell p\"></i>passed</span> \
         <span><i class=\"cell s\"></i>skipped</span> <span><i class=\"cell n\"></i>not run</span>{} \
         (hover a mark for its seed and time)</p>\n<div class=\"scroll\">\n<table class=\"failing\">\n\
         <thead><tr><th>Test</th><th>Kind</th><th class=\"num\">Failed</th>\
         <th class=\"num\">Mean pass</th><th class=\"num\">Mean fail</th><th>History</th></tr></thead>\n<tbody>",
        view.runs.len(),
        failing.len(),
        if view.runs.iter().any(|r| r.status != RunStatus::Ok) {
            " <span><i class=\"cell x\"></i>the run broke or timed out</span>"
        } else {
            ""
        }
    );
    for test in failing {
        failing_row(page, test, &view.runs);
    }
    page.push_str("</tbody>\n</table>\n</div>\n</section>\n");
}

fn failing_row(page: &mut String, test: &TestStats, runs: &[RunColumn]) {
    page.push_str("<tr>\n<td class=\"test\" data-label=\"Test\">");
    if let Some(name) = &test.name {
        let _ = write!(page, "<div class=\"name\">{}</div>", Esc(name));
    }
    let _ = write!(page, "<code class=\"id\">{}</code>", Id(&test.id));
    if let Some(file) = test.file.as_deref().filter(|f| !test.id.starts_with(f)) {
        let line = test.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = write!(page, "<div class=\"where\">{}{line}</div>", Esc(file));
    }
    if let Some(message) = &test.message {
        failure_message(page, message);
    }
    test_details(page, test);
    let rate = test.fail_rate() * 100.0;
    let _ = writeln!(
        page,
        "</td>\n<td data-label=\"Kind\">{}</td>\n\
         <td class=\"num\" data-label=\"Failed\"><b>{}</b>/{}<span class=\"rate\">\
         <span class=\"bar\"><i style=\"width:{rate:.1}%\"></i></span>{rate:.0}%</span></td>\n\
         <td class=\"num\" data-label=\"Mean pass\">{}</td>\n<td class=\"num\" data-label=\"Mean fail\">{}</td>",
        kind_badge(test.kind),
        test.failures,
        test.runs,
        duration(test.mean_pass_seconds),
        duration(test.mean_fail_seconds),
    );
    page.push_str("<td class=\"hist\" data-label=\"History\">");
    history(page, test, runs);
    page.push_str("</td>\n</tr>\n");
}

fn failure_message(page: &mut String, message: &str) {
    let first = message.lines().next().unwrap_or_default();
    let whole = message.trim_end();
    if whole == first && first.chars().count() <= MESSAGE_SHOWN {
        let _ = write!(page, "<div class=\"msg\">{}</div>", Esc(first));
        return;
    }
    let mut shown: String = first.chars().take(MESSAGE_SHOWN).collect();
    shown.push('…');
    let _ = write!(
        page,
        "<details class=\"msg\"><summary>{}</summary><pre>{}</pre></details>",
        Esc(&shown),
        Esc(whole)
    );
}

/// The seeds it failed with and why it is of its kind, folded away: a reader wants them for
/// one test at a time.
fn test_details(page: &mut String, test: &TestStats) {
    page.push_str("<details class=\"more\"><summary>seeds and evidence</summary><dl>");
    if let Some(why) = &test.why {
        let _ = write!(page, "<dt>why</dt><dd>{}</dd>", Esc(why));
    }
    let _ = write!(
        page,
        "<dt>first failed</dt><dd>{} UTC</dd><dt>last failed</dt><dd>{} UTC</dd>",
        Esc(&short_time(test.first_failed.as_deref())),
        Esc(&short_time(test.last_failed.as_deref())),
    );
    let seeds: Vec<String> = test.failed_seeds.iter().map(u64::to_string).collect();
    let _ = write!(
        page,
        "<dt>{}</dt><dd class=\"seeds\">{}</dd></dl></details>",
        if seeds.len() == 1 {
            "failed with seed"
        } else {
            "failed with seeds"
        },
        if seeds.is_empty() {
            "none recorded (imported runs)".to_string()
        } else {
            seeds.join(", ")
        }
    );
}

fn kind_badge(kind: Option<Kind>) -> String {
    match kind {
        Some(kind) => format!(
            "<span class=\"kind k-{0}\" title=\"{1}\">{0}</span>",
            kind.name(),
            Esc(kind.meaning())
        ),
        None => "<span class=\"kind\">-</span>".to_string(),
    }
}

/// One mark per hunt run, so that failures that bunch up in time (a bad deploy, a full disk)
/// show as a block.
fn history(page: &mut String, test: &TestStats, runs: &[RunColumn]) {
    let Some(history) = &test.history else {
        return;
    };
    let _ = write!(
        page,
        "<div class=\"history\" role=\"img\" aria-label=\"failed in {} of {}\">",
        test.failures,
        count(runs.len(), "run")
    );
    for (index, (letter, run)) in history.chars().zip(runs).enumerate() {
        let (class, said) = match letter {
            'F' => ("f", "failed"),
            'P' => ("p", "passed"),
            'S' => ("s", "skipped"),
            _ if run.status != RunStatus::Ok => ("x", not_run(run.status)),
            _ => ("n", not_run(run.status)),
        };
        let seed = run.seed.map(|s| format!(" · seed {s}")).unwrap_or_default();
        let _ = write!(
            page,
            "<i class=\"{class}\" title=\"run {}{seed} · {} · {said}\"></i>",
            index + 1,
            Esc(&full_time(&run.started_at)),
        );
    }
    page.push_str("</div>");
}

fn not_run(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Ok => "not run",
        RunStatus::Broken => "not run: the run broke",
        RunStatus::Timeout => "not run: the run timed out",
    }
}

/// `tests/a.py::test_b` → (`tests/a.py`, `test_b`): the name is what a reader looks for; ids
/// without a `::` stay whole, and a `::` inside a parameter (`test_b[x::y]`) is not a split.
fn split_id(id: &str) -> (Option<&str>, &str) {
    let params = id.find('[').unwrap_or(id.len());
    match id[..params].rfind("::") {
        Some(at) if at > 0 && at + 2 < id.len() => (Some(&id[..at]), &id[at + 2..]),
        _ => (None, id),
    }
}

/// `2026-12-02 06:07:59` from an RFC 3339 time.
fn full_time(time: &str) -> String {
    time.get(..19).unwrap_or(time).replace('T', " ")
}

fn reproducers(page: &mut String, view: &View) {
    let _ = writeln!(
        page,
        "<section id=\"reproducers\" class=\"card\">\n<h2>Reproducers <span class=\"count\">{}</span></h2>\n\
         <p class=\"note\">Each victim with the tests that make it fail or pass, and the commands \
         to see it for yourself, run from the project’s directory.</p>",
        view.interference.len()
    );
    for (index, pair) in view.interference.iter().enumerate() {
        victim_card(page, view, index, pair);
    }
    page.push_str("</section>\n");
}

/// The anchor of a victim's card, which its node in the graph links to.
fn victim_anchor(index: usize) -> String {
    format!("victim-{}", index + 1)
}

fn victim_card(page: &mut String, view: &View, index: usize, pair: &Interference) {
    let status = match (pair.source, pair.verdict) {
        (Source::Bisected, Some(verdict)) => format!(
            "<span class=\"tag done\">bisected: {}</span>",
            Esc(&verdict_name(verdict))
        ),
        (Source::Bisected, None) => "<span class=\"tag done\">bisected</span>".to_string(),
        (Source::Suspected, _) => {
            "<span class=\"tag lead\">suspected, not bisected yet</span>".to_string()
        }
    };
    let kind = view
        .test(&pair.victim)
        .and_then(|t| t.kind)
        .map(|kind| kind_badge(Some(kind)))
        .unwrap_or_default();
    let _ = writeln!(
        page,
        "<article class=\"victim\" id=\"{}\">\n<div class=\"victim-head\"><code class=\"id\">{}</code>\
         <span class=\"tags\">{}{status}</span></div>",
        victim_anchor(index),
        Id(&pair.victim),
        kind,
    );
    culprits(page, view, pair);
    let mut facts = Vec::new();
    if let Some(confirmed) = &pair.confirmed {
        facts.push(format!("Confirmed: {}", Esc(confirmed)));
    }
    if let Some(probes) = pair.probes {
        facts.push(count(probes, "probe"));
    }
    if let Some(at) = &pair.bisected_at {
        facts.push(format!("bisected {} UTC", Esc(&short_time(Some(at)))));
    }
    if !facts.is_empty() {
        let _ = writeln!(page, "<p class=\"facts\">{}</p>", facts.join(" · "));
    }
    for (label, command) in [
        ("Reproduce: the culprits, then the victim", &pair.reproduce),
        ("The victim alone", &pair.alone),
        ("Bisect it", &pair.bisect),
    ] {
        if let Some(command) = command {
            command_block(page, label, command);
        }
    }
    page.push_str("</article>\n");
}

fn culprits(page: &mut String, view: &View, pair: &Interference) {
    let suspected = pair.source == Source::Suspected;
    let groups = [
        (
            if suspected { "suspects" } else { "fails after" },
            "polluter",
            &pair.polluters,
        ),
        ("the failure is hidden by", "cleaner", &pair.cleaners),
        (
            if suspected {
                "suspects"
            } else {
                "passes only after"
            },
            "setter",
            &pair.state_setters,
        ),
    ];
    let listed: Vec<_> = groups.iter().filter(|(_, _, t)| !t.is_empty()).collect();
    if listed.is_empty() {
        if suspected {
            let (first, rest) = super::no_suspects(view, &pair.victim).split_at(1);
            let _ = writeln!(
                page,
                "<p class=\"facts\">{}{rest}.</p>",
                first.to_uppercase()
            );
        }
        return;
    }
    page.push_str("<dl class=\"roles\">");
    for (label, role, tests) in listed {
        let _ = write!(page, "<dt class=\"{role}\">{label}</dt><dd><ul>");
        for test in tests.iter() {
            let _ = write!(page, "<li><code>{}</code></li>", Id(test));
        }
        page.push_str("</ul></dd>");
    }
    page.push_str("</dl>\n");
    if suspected {
        let (before, not_before) = if pair.state_setters.is_empty() {
            ("failed", "passed")
        } else {
            ("passed", "failed")
        };
        let _ = writeln!(
            page,
            "<p class=\"facts\">Suspects ran before it in every run where it {before} and in none \
             where it {not_before}: a lead for the bisection, not a verdict.</p>"
        );
    }
}

/// A command to paste, with a copy button that the script shows (without it, the command can
/// still be selected by hand).
fn command_block(page: &mut String, label: &str, command: &str) {
    let _ = writeln!(
        page,
        "<div class=\"cmd\"><div class=\"cmd-head\"><span>{label}</span>\
         <button type=\"button\" class=\"copy\" hidden>Copy</button></div>\
         <pre><code>{}</code></pre></div>",
        Esc(command)
    );
}

fn timeouts(page: &mut String, view: &View) {
    if view.timeouts.is_empty() {
        return;
    }
    let _ = writeln!(
        page,
        "<section id=\"timeouts\" class=\"card\">\n<h2>Timed out <span class=\"count bad\">{}</span></h2>\n\
         <p class=\"note\">Runs killed by <code>--timeout</code>, with the test that was running \
         (or else the last one that finished). A hang is a finding: replay its seed.</p>\n\
         <div class=\"scroll\"><table class=\"plain\"><thead><tr><th class=\"num\">Seed</th>\
         <th>Started</th><th>While running</th></tr></thead><tbody>",
        view.timeouts.len()
    );
    for timeout in &view.timeouts {
        let running = match &timeout.while_running {
            Some(test) => format!("<code>{}</code>", Id(test)),
            None => "before any test reported".to_string(),
        };
        let _ = writeln!(
            page,
            "<tr><td class=\"num\">{}</td><td class=\"nowrap\">{} UTC</td><td>{running}</td></tr>",
            timeout.seed,
            Esc(&full_time(&timeout.started_at)),
        );
    }
    page.push_str("</tbody></table></div>\n</section>\n");
}

fn health(page: &mut String, view: &View) {
    let health = &view.health;
    page.push_str(
        "<section id=\"health\" class=\"card\">\n<h2>Suite health</h2>\n<dl class=\"facts-table\">",
    );
    for (label, value) in super::health_facts(health) {
        let mut label = label.to_string();
        label[..1].make_ascii_uppercase();
        let _ = write!(page, "<dt>{}</dt><dd>{}</dd>", Esc(&label), Esc(&value));
    }
    page.push_str("</dl>\n");
    chart::run_walls(page, &view.runs);
    let _ = writeln!(
        page,
        "<h3>{}</h3>",
        if health.hunts.len() == 1 {
            "The hunt"
        } else {
            "Hunts"
        }
    );
    for hunt in &health.hunts {
        let _ = writeln!(
            page,
            "<div class=\"hunt\"><pre><code>{}</code></pre><p class=\"facts\">{} · {} · {}, {}</p></div>",
            Esc(&hunt.command),
            Esc(&hunt.runner),
            hunt.origin(),
            count(hunt.runs, "run"),
            Esc(&time_span(&hunt.first_run, &hunt.last_run)),
        );
    }
    page.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{Outcome, TestResult};
    use crate::report::view::Recorded;
    use crate::store::RunRecord;

    const HOSTILE: &str =
        "tests/t.py::test_x[it's \"quoted\" $(touch x) <script>alert(1)</script> & more]";

    fn run(index: u64, results: Vec<TestResult>) -> RunRecord {
        RunRecord {
            schema: 1,
            id: format!("h-{index}"),
            template: "pytest --randomly-seed=<seed> '<blink>'".to_string(),
            runner: "pytest<marquee>".to_string(),
            master_seed: Some(7),
            index: Some(index),
            seed: Some(100 + index),
            command: String::new(),
            worker: 1,
            started_at: format!("2026-12-02T06:0{index}:00.000Z"),
            wall_seconds: 1.0 + index as f64,
            exit_code: Some(1),
            status: RunStatus::Ok,
            problem: None,
            log: String::new(),
            results,
            running: None,
            warm: false,
            imported: None,
            host: None,
            order: None,
            strays: 0,
        }
    }

    fn result(id: &str, outcome: Outcome) -> TestResult {
        TestResult {
            duration: Some(0.01),
            message: (outcome == Outcome::Failed)
                .then(|| format!("AssertionError: <blink>{id}</blink>\nsecond line & more")),
            ..TestResult::bare(id, outcome)
        }
    }

    /// A store where the hostile test pollutes a victim in two of three runs.
    fn hostile_view() -> View {
        let order = |polluted: bool| {
            let victim = if polluted {
                Outcome::Failed
            } else {
                Outcome::Passed
            };
            vec![
                result(HOSTILE, Outcome::Passed),
                result("tests/t.py::test_victim", victim),
            ]
        };
        let mut view = View::build(Recorded {
            runs: vec![
                run(1, order(true)),
                run(2, order(false)),
                run(3, order(true)),
            ],
            ..Recorded::default()
        });
        view.interference = vec![Interference {
            victim: "tests/t.py::test_victim".to_string(),
            source: Source::Bisected,
            verdict: Some(crate::bisect::Verdict::Polluted),
            polluters: vec![HOSTILE.to_string()],
            cleaners: vec![],
            state_setters: vec![],
            reproduce: Some(format!(
                "pytest {} tests/t.py::test_victim",
                crate::template::quote(HOSTILE)
            )),
            alone: Some("pytest tests/t.py::test_victim".to_string()),
            confirmed: Some("confirmed <twice>".to_string()),
            probes: Some(3),
            bisected_at: Some("2026-12-02T06:09:00.000Z".to_string()),
            bisect: None,
        }];
        view
    }

    #[test]
    fn text_from_the_store_shows_as_text() {
        let page = render(&hostile_view());
        assert_eq!(
            page.matches("<script").count(),
            1,
            "only the page's own script"
        );
        for raw in [
            "<script>alert",
            "<blink>",
            "<marquee>",
            "<twice>",
            "$(touch x) <",
        ] {
            assert!(!page.contains(raw), "{raw} is escaped");
        }
        let escaped = "it&#39;s &quot;quoted&quot; $(touch x) &lt;script&gt;alert(1)&lt;/script&gt; &amp; more";
        assert!(
            page.matches(escaped).count() >= 3,
            "in the graph's node and title, the card and the command"
        );
        assert!(page.contains("data-test=\"tests/t.py::test_x[it&#39;s &quot;quoted&quot;"));
        assert!(
            page.contains("AssertionError: &lt;blink&gt;tests/t.py::test_victim&lt;/blink&gt;")
        );
    }

    #[test]
    fn every_failing_test_has_one_history_mark_per_run() {
        let view = hostile_view();
        let page = render(&view);
        let marks = page.matches("<i class=\"f\" title=\"run ").count()
            + page.matches("<i class=\"p\" title=\"run ").count();
        assert_eq!(marks, view.runs.len());
        assert!(page.contains("title=\"run 2 · seed 102 · 2026-12-02 06:02:00 · passed\""));
    }

    #[test]
    fn escaping_covers_every_special_character() {
        assert_eq!(
            Esc("a&b<c>d\"e'f").to_string(),
            "a&amp;b&lt;c&gt;d&quot;e&#39;f"
        );
        assert_eq!(Esc("plain").to_string(), "plain");
    }

    #[test]
    fn ids_may_wrap_where_a_reader_splits_them() {
        assert_eq!(
            Id("tests/a_b.py::T::c<d>").to_string(),
            "tests/<wbr>a_<wbr>b.py::<wbr>T::<wbr>c&lt;d&gt;"
        );
        assert_eq!(Id("a:b").to_string(), "a:b");
    }

    #[test]
    fn long_and_multi_line_messages_fold_away() {
        let mut page = String::new();
        failure_message(&mut page, "short");
        assert_eq!(page, "<div class=\"msg\">short</div>");
        page.clear();
        failure_message(&mut page, "first\nsecond");
        assert!(page.starts_with(
            "<details class=\"msg\"><summary>first…</summary><pre>first\nsecond</pre>"
        ));
    }

    #[test]
    fn ids_split_into_file_and_name() {
        assert_eq!(
            split_id("tests/a.py::C::test_b"),
            (Some("tests/a.py::C"), "test_b")
        );
        assert_eq!(
            split_id("./spec/a_spec.rb[1:2]"),
            (None, "./spec/a_spec.rb[1:2]")
        );
        assert_eq!(
            split_id("t.py::test_b[x::y]"),
            (Some("t.py"), "test_b[x::y]")
        );
    }

    #[test]
    fn time_spans_name_the_day_once() {
        assert_eq!(
            time_span("2026-12-02T06:07:57.3Z", "2026-12-02T06:08:09.8Z"),
            "2026-12-02 06:07 – 06:08 UTC"
        );
        assert_eq!(
            time_span("2026-12-02T06:07:57.3Z", "2026-12-03T01:00:00Z"),
            "2026-12-02 06:07 – 2026-12-03 01:00 UTC"
        );
        assert_eq!(
            time_span("2026-12-02T06:07:57.3Z", "2026-12-02T06:07:59Z"),
            "2026-12-02 06:07 UTC"
        );
    }
}
