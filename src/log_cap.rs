//! A run's log with a cap: the first `HEAD` bytes of its output and the last `TAIL`, with a line
//! in between that says how much was cut. A suite that prints 200 MB would otherwise leave
//! 200 MB in the store per run; the start says how a run began, the end how it failed.
//!
//! The head goes to the file as it arrives and the tail waits in a ring of `TAIL` bytes, so
//! memory stays bounded whatever the suite prints. A bleed killed mid-run leaves the head only.

use std::io::{self, Write};

/// Bytes of a run's output kept from its start (docs/reliability.md).
pub const HEAD: usize = 1 << 20;

/// Bytes of a run's output kept from its end.
pub const TAIL: usize = 1 << 20;

/// How far into the tail the cut looks for a line's end, so the kept end starts with a whole
/// line.
const LINE_SEARCH: usize = 4096;

pub struct CappedLog<W: Write> {
    out: W,
    head: usize,
    tail: usize,
    /// Bytes written straight to `out`.
    written: usize,
    last_written: Option<u8>,
    /// What came after the head, the newest `tail` bytes of it: a ring whose oldest byte is at
    /// `start` once it is full.
    ring: Vec<u8>,
    start: usize,
    /// Everything the run printed.
    total: u64,
}

impl<W: Write> CappedLog<W> {
    pub fn new(out: W) -> CappedLog<W> {
        CappedLog::with_limits(out, HEAD, TAIL)
    }

    fn with_limits(out: W, head: usize, tail: usize) -> CappedLog<W> {
        CappedLog {
            out,
            head,
            tail,
            written: 0,
            last_written: None,
            ring: Vec::new(),
            start: 0,
            total: 0,
        }
    }

    pub fn write(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        self.total += bytes.len() as u64;
        let room = self.head - self.written;
        if room > 0 {
            let now = &bytes[..bytes.len().min(room)];
            self.out.write_all(now)?;
            self.written += now.len();
            self.last_written = now.last().copied().or(self.last_written);
            bytes = &bytes[now.len()..];
        }
        self.keep_end(bytes);
        Ok(())
    }

    fn keep_end(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(self.tail)..];
        let room = self.tail - self.ring.len();
        let (fill, wrap) = bytes.split_at(bytes.len().min(room));
        self.ring.extend_from_slice(fill);
        for chunk in wrap.chunks(self.tail) {
            // The ring is full: overwrite the oldest bytes, in at most two pieces.
            let first = chunk.len().min(self.tail - self.start);
            self.ring[self.start..self.start + first].copy_from_slice(&chunk[..first]);
            self.ring[..chunk.len() - first].copy_from_slice(&chunk[first..]);
            self.start = (self.start + chunk.len()) % self.tail;
        }
    }

    /// Writes the kept end, after the line that says what was cut, and flushes.
    pub fn finish(mut self) -> io::Result<W> {
        let mut end = Vec::with_capacity(self.ring.len());
        end.extend_from_slice(&self.ring[self.start..]);
        end.extend_from_slice(&self.ring[..self.start]);
        let dropped = self.total - (self.written + self.ring.len()) as u64;
        if dropped > 0 {
            // Start the kept end at a line's start when one is near.
            let skip = end[..end.len().min(LINE_SEARCH)]
                .iter()
                .position(|&byte| byte == b'\n')
                .map_or(0, |newline| newline + 1);
            let cut = dropped + skip as u64;
            let newline = if self.last_written == Some(b'\n') {
                ""
            } else {
                "\n"
            };
            writeln!(
                self.out,
                "{newline}[bleed: {cut} bytes of output cut here; the log keeps the first {} \
                 and the last {} of the {} the run printed]",
                size(self.head as u64),
                size(self.tail as u64),
                size(self.total),
            )?;
            end.drain(..skip);
        }
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Bytes in MiB or KiB when that is shorter to read.
fn size(bytes: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= MIB => format!("{:.1} MiB", b as f64 / MIB as f64),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn capped(head: usize, tail: usize, writes: &[&[u8]]) -> String {
        let mut log = CappedLog::with_limits(Vec::new(), head, tail);
        for bytes in writes {
            log.write(bytes).expect("a Vec takes anything");
        }
        String::from_utf8(log.finish().expect("finish")).expect("UTF-8")
    }

    #[test]
    fn output_within_the_cap_is_kept_whole() {
        assert_eq!(capped(4, 4, &[b"abc", b"defgh"]), "abcdefgh");
        assert_eq!(capped(4, 4, &[]), "");
    }

    #[test]
    fn the_middle_is_cut_at_lines_and_said_so() {
        let text = "one\ntwo\nthree\nfour\nfive\nsix\n";
        let log = capped(8, 10, &[text.as_bytes()]);
        assert_eq!(
            log,
            "one\ntwo\n[bleed: 11 bytes of output cut here; the log keeps the first 8 bytes \
             and the last 10 bytes of the 28 bytes the run printed]\nfive\nsix\n"
        );
    }

    #[test]
    fn a_head_that_ends_mid_line_is_closed_before_the_cut() {
        let log = capped(3, 3, &[b"abcdefghij"]);
        assert_eq!(
            log,
            "abc\n[bleed: 4 bytes of output cut here; the log keeps the first 3 bytes and \
             the last 3 bytes of the 10 bytes the run printed]\nhij"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(100_000_000), "95.4 MiB");
        assert_eq!(size(4096), "4 KiB");
        assert_eq!(size(4097), "4097 bytes");
    }

    proptest! {
        /// However the output arrives, the log is its head, the line about the cut, and its
        /// tail from the first line start, and the cut line counts what is missing.
        #[test]
        fn the_log_is_the_head_and_the_tail(
            text in proptest::collection::vec(prop_oneof![Just(b'\n'), b'a'..b'e'], 0..300),
            splits in proptest::collection::vec(0usize..300, 0..8),
            head in 1usize..40,
            tail in 1usize..40,
        ) {
            let mut cuts: Vec<usize> = splits.into_iter().map(|s| s.min(text.len())).collect();
            cuts.push(0);
            cuts.push(text.len());
            cuts.sort_unstable();
            let writes: Vec<&[u8]> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
            let log = capped(head, tail, &writes);
            let text = String::from_utf8(text.clone()).expect("ASCII");
            if text.len() <= head + tail {
                prop_assert_eq!(log, text);
            } else {
                let (kept_head, rest) = log.split_at(head);
                prop_assert_eq!(kept_head, &text[..head]);
                let (line, kept_tail) = rest
                    .split_once("]\n")
                    .expect("a line about the cut");
                let cut: usize = line
                    .trim_start_matches('\n')
                    .strip_prefix("[bleed: ")
                    .and_then(|line| line.split_once(' '))
                    .and_then(|(cut, _)| cut.parse().ok())
                    .expect("the cut is counted");
                prop_assert!(text.ends_with(kept_tail));
                prop_assert_eq!(head + cut + kept_tail.len(), text.len());
                prop_assert!(kept_tail.len() <= tail);
            }
        }
    }
}
