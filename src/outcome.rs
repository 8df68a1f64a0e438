use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// What happened to one test in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    /// An error outside the assertion (setup, teardown, exception); mocha reports all failures so.
    Errored,
    Skipped,
    /// Failed, then passed when the runner retried it (Surefire/nextest `flakyFailure`).
    /// It counts as a failure: the failure happened at this position in this order, and the
    /// retry ran in a different state.
    Flaky,
}

impl Outcome {
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Errored | Outcome::Flaky)
    }

    pub fn is_pass(self) -> bool {
        self == Outcome::Passed
    }
}

/// One test's result in one run, in execution order within the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// The adapter's identifier, also the selector used to replay the test.
    pub id: String,
    pub outcome: Outcome,
    /// Seconds, as the runner reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// The failure message as the runner gave it, without its backtrace where the runner keeps
    /// that apart, trimmed by [`trim_message`]. One-line summaries show its [`first_line`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The test's human title as the runner reports it, when it differs from the id: a
    /// cucumber scenario's name, an RSpec example's full description, Jest's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Most lines of a failure message kept: an assertion's expected and got, and a diff of a few
/// dozen lines, but not a whole log.
pub const MESSAGE_LINES: usize = 40;

/// Most bytes of a failure message kept: one line can be a minified stack or a megabyte of
/// output.
pub const MESSAGE_BYTES: usize = 4096;

/// A failure message as bleed keeps it: trailing whitespace and the blank lines around it gone,
/// runs of blank lines made one, and cut after [`MESSAGE_LINES`] lines or [`MESSAGE_BYTES`]
/// bytes with a line saying how many more there were. None when nothing is left.
pub fn trim_message(text: &str) -> Option<String> {
    trim_message_with(text, 0)
}

/// [`trim_message`] of the beginning of a message, `more` lines of which were not kept.
pub fn trim_message_with(text: &str, more: usize) -> Option<String> {
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        let blank = line.is_empty();
        if blank && lines.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    // The first line is the summary: its indentation carries nothing.
    if let Some(first) = lines.first_mut() {
        *first = first.trim_start();
    }
    let mut kept = String::new();
    let mut shown = 0;
    for line in &lines {
        if shown == MESSAGE_LINES {
            break;
        }
        let room = MESSAGE_BYTES.saturating_sub(kept.len() + 1);
        if line.len() > room {
            if shown == 0 || room > 80 {
                kept.push_str(&line[..line.floor_char_boundary(room)]);
                kept.push('…');
                shown += 1;
            }
            break;
        }
        if shown > 0 {
            kept.push('\n');
        }
        kept.push_str(line);
        shown += 1;
    }
    if kept.is_empty() {
        return None;
    }
    let more = lines.len() - shown + more;
    if more > 0 {
        kept.push_str(&format!("\n… ({more} more {})", lines_word(more)));
    }
    Some(kept)
}

fn lines_word(n: usize) -> &'static str {
    if n == 1 { "line" } else { "lines" }
}

/// A message that runs on into its stack trace, without the trace: everything before the first
/// line that is a frame, `at f (file.js:1:2)` in JavaScript and Java, `file.rb:12:in `f'` in
/// Ruby, or before a JavaScript stack's own first line, which says the message again after the
/// error's name (`AssertionError [ERR_ASSERTION]: …`). The first line is the message whatever it
/// looks like.
pub fn without_stack(text: &str) -> String {
    let mut lines = text.lines();
    let Some(first) = lines.next() else {
        return String::new();
    };
    let restated = |line: &str| {
        line.strip_suffix(first.trim())
            .and_then(|head| head.strip_suffix(": "))
            .is_some_and(is_error_name)
    };
    let mut kept = vec![first];
    kept.extend(lines.take_while(|line| !is_frame(line) && !restated(line)));
    kept.join("\n")
}

/// `TypeError`, `AssertionError [ERR_ASSERTION]`: a JavaScript error's name, with Node's code.
fn is_error_name(text: &str) -> bool {
    let (name, code) = text.split_once(' ').unwrap_or((text, ""));
    let code_ok = code.is_empty() || code.starts_with('[') && code.ends_with(']');
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && code_ok
}

fn is_frame(line: &str) -> bool {
    let line = line.trim();
    if let Some(place) = line.strip_prefix("at ") {
        let numbered = |text: &str| {
            text.rsplit_once(':')
                .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        return place.ends_with(')') || numbered(place);
    }
    let Some((place, _)) = line.split_once(":in ") else {
        return false;
    };
    place
        .rsplit_once(':')
        .is_some_and(|(path, number)| !path.is_empty() && number.parse::<u32>().is_ok())
}

/// The first line of a failure message, for the places that show one line: the hunt's table,
/// the bisection's `failure` line.
pub fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

/// Text a report wrote (a package, an id, a runner's own words) made fit for a problem, which
/// is one line: control characters, line breaks first, are written as escapes.
pub fn in_one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
impl TestResult {
    /// A result with nothing but its id and outcome, as the unit tests build them.
    pub fn bare(id: &str, outcome: Outcome) -> TestResult {
        TestResult {
            id: id.to_string(),
            outcome,
            duration: None,
            message: None,
            file: None,
            line: None,
            name: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_a_report_is_shown_in_one_line() {
        assert_eq!(in_one_line("example.com/shop"), "example.com/shop");
        assert_eq!(in_one_line("a\r\nb\u{1b}[0m ✓"), "a\\r\\nb\\u{1b}[0m ✓");
    }

    #[test]
    fn a_message_keeps_every_line_of_an_expectation() {
        let rspec = "\nexpected: \"$4.00\"\n     got: \"€4.00\"\n\n\n(compared using ==)\n\n";
        assert_eq!(
            trim_message(rspec).as_deref(),
            Some("expected: \"$4.00\"\n     got: \"€4.00\"\n\n(compared using ==)")
        );
        assert_eq!(
            first_line(&trim_message(rspec).unwrap()),
            "expected: \"$4.00\""
        );
        assert_eq!(trim_message("  \n \t\n"), None);
        assert_eq!(
            trim_message("  indented first  \r\n  second").as_deref(),
            Some("indented first\n  second")
        );
    }

    #[test]
    fn a_stack_trace_is_left_out_in_any_of_the_common_shapes() {
        let ruby = "expected: \"$4.00\"\n     got: \"€4.00\" (RSpec::Expectations::ExpectationNotMetError)\n\
                    ./features/step_definitions/shop_steps.rb:23:in `/^the total$/'\n\
                    features/checkout.feature:13:in `Then the total'";
        assert_eq!(
            without_stack(ruby),
            "expected: \"$4.00\"\n     got: \"€4.00\" (RSpec::Expectations::ExpectationNotMetError)"
        );
        let javascript = "Expected values to be strictly equal:\n\n-8 !== 0\n    at World.<anonymous> (steps.js:9:11)\n    at new Promise (<anonymous>)";
        assert_eq!(
            without_stack(javascript),
            "Expected values to be strictly equal:\n\n-8 !== 0"
        );
        let java = "expected: <3> but was: <4>\n\tat org.junit.Assert.fail(Assert.java:89)";
        assert_eq!(without_stack(java), "expected: <3> but was: <4>");
        let mocha = "cart leaked\n+ actual - expected\n\nAssertionError [ERR_ASSERTION]: cart leaked\n+ actual";
        assert_eq!(without_stack(mocha), "cart leaked\n+ actual - expected\n");
        let prose =
            "at least 3 items expected\nat index 2: none\nin the list: at least 3 items expected";
        assert_eq!(without_stack(prose), prose);
    }

    #[test]
    fn a_long_message_is_cut_with_the_count_of_what_was_left_out() {
        let many: Vec<String> = (1..=50).map(|n| format!("line {n}")).collect();
        let kept = trim_message(&many.join("\n")).unwrap();
        assert_eq!(kept.lines().count(), MESSAGE_LINES + 1);
        assert!(kept.ends_with("line 40\n… (10 more lines)"), "{kept}");

        let wide = format!("{}\nsecond", "é".repeat(MESSAGE_BYTES));
        let kept = trim_message(&wide).unwrap();
        assert!(kept.len() <= MESSAGE_BYTES + 40, "{}", kept.len());
        assert!(
            kept.ends_with("é…\n… (1 more line)"),
            "{}",
            &kept[kept.len() - 30..]
        );
    }
}
