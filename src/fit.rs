//! Tables fitted to a terminal's width. A test id stays whole and last on its row, so it can be
//! copied; the columns before it go, least important first, until it has room, and what they
//! said moves to lines under the row. Without a terminal (a pipe, a file) nothing is fitted:
//! what reads it has no width to fit.

use std::io::IsTerminal;

use crate::human::visible_width;

/// The width of the terminal on stdout, if it is one.
pub fn terminal_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ only fills the winsize it is given.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let known = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if known && size.ws_col > 0 {
        return Some(size.ws_col as usize);
    }
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// The width to fit what goes to stdout to: the terminal's, or None when stdout is not one.
pub fn stdout_width() -> Option<usize> {
    std::io::stdout()
        .is_terminal()
        .then(terminal_width)
        .flatten()
}

/// Room the lines under a row get beside the columns before they start at the left instead.
const DETAIL_ROOM: usize = 72;

/// Room a row keeps for an id whose width is not measured.
pub const ID_ROOM: usize = 40;

/// Where a table's rows and the lines under them go in a width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    /// How many of the leading columns stay on the row.
    pub shown: usize,
    /// Where the lines under a row start: under the id, or at the left when that leaves them
    /// too little room.
    pub indent: usize,
    /// How wide the lines under a row may be; None for no limit.
    pub room: Option<usize>,
}

impl Fit {
    /// The fit of columns `widths` wide (each followed by two spaces, after an indent of two)
    /// before ids up to `id_width` wide. `keep` is how many leading columns to try keeping,
    /// most first; the last is kept however narrow the terminal.
    pub fn of(widths: &[usize], keep: &[usize], id_width: usize, width: Option<usize>) -> Fit {
        let shown = columns_that_fit(widths, keep, id_width, width);
        let aligned = 2 + widths[..shown].iter().map(|w| w + 2).sum::<usize>();
        let indent = match width {
            Some(width) if width < aligned + DETAIL_ROOM => 4,
            _ => aligned,
        };
        Fit {
            shown,
            indent,
            room: width.map(|w| w.saturating_sub(indent).max(20)),
        }
    }
}

fn columns_that_fit(
    widths: &[usize],
    keep: &[usize],
    id_width: usize,
    width: Option<usize>,
) -> usize {
    let fewest = keep.last().copied().unwrap_or(widths.len());
    let Some(width) = width else {
        return widths.len();
    };
    let before = |shown: usize| 2 + widths[..shown].iter().map(|w| w + 2).sum::<usize>();
    // An id too long for the room beside the fewest columns overflows however many go: it
    // asks for all the room there is.
    let id_room = id_width.min(width.saturating_sub(before(fewest)));
    keep.iter()
        .copied()
        .find(|&shown| shown <= widths.len() && before(shown) + id_room <= width)
        .unwrap_or(fewest)
}

/// The width of each column: its widest cell or its header.
pub fn column_widths<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> [usize; N] {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            widths[c] = widths[c].max(visible_width(cell));
        }
    }
    widths
}

/// Cuts a line to `room` characters, marking the cut.
pub fn cut(text: &str, room: Option<usize>) -> String {
    match room {
        Some(room) if text.chars().count() > room => {
            let kept: String = text.chars().take(room.saturating_sub(1)).collect();
            format!("{kept}…")
        }
        _ => text.to_string(),
    }
}

/// Breaks text into lines of `room` characters at most, between words where it can: nothing
/// is cut away. A word longer than `room` is broken where the room ends.
pub fn wrap(text: &str, room: usize) -> Vec<String> {
    let room = room.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= room {
            line.push(' ');
            line.extend(&word);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > room {
            lines.push(word.drain(..room).collect());
        }
        line.extend(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_with_a_mark_only_when_too_long() {
        assert_eq!(cut("abcdef", Some(4)), "abc…");
        assert_eq!(cut("abc", Some(4)), "abc");
        assert_eq!(cut("abcdef", None), "abcdef");
    }

    #[test]
    fn columns_go_from_the_last_until_the_id_has_room() {
        let widths = [6, 4, 15, 18, 18, 16, 16];
        let shown = |width| Fit::of(&widths, &[7, 5, 3], ID_ROOM, width).shown;
        assert_eq!(shown(None), 7);
        assert_eq!(shown(Some(200)), 7);
        assert_eq!(shown(Some(120)), 5);
        assert_eq!(shown(Some(100)), 3);
        assert_eq!(shown(Some(40)), 3);
    }

    #[test]
    fn an_id_too_long_for_any_fit_takes_all_the_room_there_is() {
        let widths = [6, 9, 9];
        assert_eq!(Fit::of(&widths, &[3, 1], 30, Some(80)).shown, 3);
        assert_eq!(Fit::of(&widths, &[3, 1], 50, Some(80)).shown, 1);
        assert_eq!(Fit::of(&widths, &[3, 1], 95, Some(80)).shown, 1);
    }

    #[test]
    fn lines_under_a_row_start_at_the_left_when_the_id_leaves_them_too_little_room() {
        let widths = [6, 9];
        assert_eq!(
            Fit::of(&widths, &[2, 1], ID_ROOM, None),
            Fit {
                shown: 2,
                indent: 21,
                room: None
            }
        );
        assert_eq!(Fit::of(&widths, &[2, 1], ID_ROOM, Some(200)).indent, 21);
        assert_eq!(
            Fit::of(&widths, &[2, 1], ID_ROOM, Some(80)),
            Fit {
                shown: 2,
                indent: 4,
                room: Some(76)
            }
        );
    }

    #[test]
    fn wrapping_breaks_between_words_and_keeps_every_character() {
        assert_eq!(wrap("a fine day", 20), ["a fine day"]);
        assert_eq!(wrap("a fine day", 6), ["a fine", "day"]);
        assert_eq!(
            wrap("seed 1502836065 failed", 12),
            ["seed", "1502836065", "failed"]
        );
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
