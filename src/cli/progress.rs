//! The progress bar of long simulations: one line on stderr, redrawn at most ten times a
//! second, only when stderr is a terminal (never in pipes, files or CI logs) and only once a
//! run has taken half a second, so short runs print nothing extra.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::provision::cycle::Progress;

const DELAY: Duration = Duration::from_millis(500);
const INTERVAL: Duration = Duration::from_millis(100);
const WIDTH: usize = 30;

/// A progress line for `cycles` cycles.
pub(super) struct ProgressBar {
    enabled: bool,
    cycles: u32,
    started: Instant,
    drawn: Option<Instant>,
}

impl ProgressBar {
    /// A bar that draws only when stderr is a terminal.
    pub(super) fn new(cycles: u32) -> ProgressBar {
        ProgressBar {
            enabled: std::io::stderr().is_terminal(),
            cycles,
            started: Instant::now(),
            drawn: None,
        }
    }

    /// Show `progress` of `cycle`, if it is time to.
    pub(super) fn update(&mut self, cycle: u32, progress: Progress) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.started) < DELAY
            || self.drawn.is_some_and(|t| now.duration_since(t) < INTERVAL)
        {
            return;
        }
        self.drawn = Some(now);
        let _ = write!(
            std::io::stderr(),
            "\r\x1b[2K{}",
            line(cycle, self.cycles, progress)
        );
    }

    /// Erase the line, so what follows starts on a clean one.
    pub(super) fn finish(&mut self) {
        if self.drawn.is_some() {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

/// `cycle 1/2 [#########.....................]  30% 300000/1000000 objects`.
fn line(cycle: u32, cycles: u32, p: Progress) -> String {
    let fraction = if p.total == 0 {
        1.0
    } else {
        p.done as f64 / p.total as f64
    };
    let filled = ((fraction * WIDTH as f64) as usize).min(WIDTH);
    format!(
        "cycle {cycle}/{cycles} [{}{}] {:>3}% {}/{} objects",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        (fraction * 100.0) as u32,
        p.done,
        p.total
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_cycle_bar_percentage_and_counts() {
        let p = Progress {
            done: 300_000,
            total: 1_000_000,
        };
        assert_eq!(
            line(1, 2, p),
            "cycle 1/2 [#########.....................]  30% 300000/1000000 objects"
        );
        let empty = Progress { done: 0, total: 0 };
        assert!(line(2, 2, empty).contains("100% 0/0"));
    }
}
