//! A CI console log as the lines a terminal would have shown: colour codes, timestamp prefixes
//! and GitLab's section markers taken off, so the runners' own lines can be matched exactly.

/// The log's lines, cleaned: a CI timestamp prefix (GitHub Actions' and GitLab's
/// `2026-12-02T06:08:10.1234567Z `, GitLab's stream marker `00O ` or `01E+` after it, a
/// bracketed one as Jenkins' timestamper writes), ANSI escape sequences, and what a carriage return overwrote
/// (GitLab puts `section_start:…\r` before the text a section opens with).
pub fn clean(text: &str) -> Vec<String> {
    // Sized up front: a log of blank lines costs a slot per byte, and a doubling vector would
    // hold up to twice the slots it needs.
    let mut lines = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
    lines.extend(text.split('\n').map(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = without_escapes(without_timestamp(line));
        let shown = match line.rfind('\r') {
            Some(at) => &line[at + 1..],
            None => line.as_str(),
        };
        without_section_marker(shown).to_string()
    }));
    lines
}

/// The command a CI system echoed before running it: GitHub Actions' `##[group]Run <command>`,
/// the `$ <command>` of GitLab, and the `+ <command>` of `sh -x` (Jenkins).
pub fn echoed_command(line: &str) -> Option<&str> {
    let command = line
        .strip_prefix("##[group]Run ")
        .or_else(|| line.strip_prefix("$ "))
        .or_else(|| line.strip_prefix("+ "))?;
    let command = command.trim();
    (!command.is_empty()).then_some(command)
}

fn without_timestamp(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('[')
        && let Some(end) = timestamp_length(rest)
        && let Some(after) = rest[end..].strip_prefix("] ")
    {
        return after;
    }
    let Some(end) = timestamp_length(line) else {
        return line;
    };
    let Some(rest) = line[end..].strip_prefix(' ') else {
        return line;
    };
    without_stream_marker(rest)
}

/// GitLab's timestamped logs mark each line with its stream after the time: two hex digits,
/// `O` or `E`, then `+` when the line continues a partial one, else a space.
fn without_stream_marker(line: &str) -> &str {
    let bytes = line.as_bytes();
    let marker = bytes.len() >= 4
        && bytes[0].is_ascii_hexdigit()
        && bytes[1].is_ascii_hexdigit()
        && matches!(bytes[2], b'O' | b'E')
        && matches!(bytes[3], b'+' | b' ');
    if marker { &line[4..] } else { line }
}

/// The length of an RFC 3339 time at the start of `text` (`2026-12-02T06:08:10`, optional
/// fraction, `Z` or an offset), None when it does not start with one.
fn timestamp_length(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:dd";
    if bytes.len() < shape.len() {
        return None;
    }
    let fits = shape.iter().zip(bytes).all(|(want, got)| match want {
        b'd' => got.is_ascii_digit(),
        _ => want == got,
    });
    if !fits {
        return None;
    }
    let mut at = shape.len();
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    match bytes.get(at) {
        Some(b'Z') => Some(at + 1),
        Some(b'+' | b'-') => {
            let offset = bytes[at + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b':')
                .count();
            Some(at + 1 + offset)
        }
        _ => Some(at),
    }
}

/// The text without ANSI escape sequences: CSI (`\e[31m`, `\e[0K`), OSC (`\e]…\a` or `\e]…\e\\`,
/// hyperlinks) and the two-byte ones.
fn without_escapes(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' || (c == '\u{1b}' && chars.next_if_eq(&'\\').is_some()) {
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// GitLab's `section_start:1764655690:step_script` or `section_end:…`, when no carriage return
/// followed it (the marker alone on its line).
fn without_section_marker(line: &str) -> &str {
    for prefix in ["section_start:", "section_end:"] {
        if let Some(rest) = line.strip_prefix(prefix) {
            return rest.find(' ').map_or("", |at| &rest[at + 1..]);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_colours_and_sections_are_taken_off() {
        let text = "2026-12-02T06:08:10.1234567Z \u{1b}[31mFAILED\u{1b}[0m tests/a.py::\u{1b}[1mtest_x\u{1b}[0m\n\
                    2024-06-10T11:43:07.614812Z 01O+Randomized with seed 7\r\n\
                    2024-06-10T11:43:07.614812Z 00E no seed here\n\
                    [2026-12-02T06:08:10.123Z] rspec ./spec/a_spec.rb:3 # a\n\
                    \u{1b}[0Ksection_start:1764655690:step_script\r\u{1b}[0K\u{1b}[36;1mExecuting\u{1b}[0;m\n\
                    section_end:1764655691:step_script\r\u{1b}[0K\n\
                    \u{1b}]8;;https://example.com\u{7}link\u{1b}]8;;\u{1b}\\ text\n\
                    2026-12-02 not a timestamp";
        assert_eq!(
            clean(text),
            [
                "FAILED tests/a.py::test_x",
                "Randomized with seed 7",
                "no seed here",
                "rspec ./spec/a_spec.rb:3 # a",
                "Executing",
                "",
                "link text",
                "2026-12-02 not a timestamp",
            ]
        );
    }

    #[test]
    fn echoed_commands_are_found() {
        assert_eq!(
            echoed_command("##[group]Run bundle exec rspec"),
            Some("bundle exec rspec")
        );
        assert_eq!(echoed_command("$ go test ./..."), Some("go test ./..."));
        assert_eq!(echoed_command("+ cucumber"), Some("cucumber"));
        assert_eq!(echoed_command("Randomized with seed 7"), None);
        assert_eq!(echoed_command("$ "), None);
    }
}
