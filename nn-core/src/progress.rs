#![cfg(feature = "std")]
//! What training shows while it runs: a bar per epoch on a terminal, one line
//! per epoch otherwise, nothing when asked to be quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// How much `fit` reports while it trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// Nothing.
    Quiet,
    /// A progress bar per epoch on a terminal; a line per epoch when standard
    /// error is not a terminal.
    #[default]
    Progress,
    /// A line per epoch, terminal or not.
    Lines,
}

/// Reporting for one epoch.
pub(crate) struct EpochProgress {
    bar: Option<ProgressBar>,
    line: bool,
    label: String,
    started: Instant,
}

impl EpochProgress {
    pub(crate) fn start(verbosity: Verbosity, epoch: usize, epochs: usize, batches: usize) -> Self {
        let label = format!("epoch {epoch}/{epochs}");
        let use_bar = verbosity == Verbosity::Progress && std::io::stderr().is_terminal();
        let bar = use_bar.then(|| {
            let bar = ProgressBar::with_draw_target(Some(batches as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(label.clone());
            bar
        });
        let line = verbosity == Verbosity::Lines || (verbosity == Verbosity::Progress && !use_bar);
        EpochProgress { bar, line, label, started: Instant::now() }
    }

    /// Called after each batch with the running loss and accuracy.
    pub(crate) fn batch(&self, done: usize, loss: f64, accuracy: f64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
            if done % 8 == 1 {
                bar.set_message(format!("loss {loss:.4} - accuracy {accuracy:.4}"));
            }
        }
    }

    /// Called once at the end of the epoch with its summary.
    pub(crate) fn finish(self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message(summary.to_owned());
        } else if self.line {
            eprintln!("{}: {summary} ({:.2} s)", self.label, self.started.elapsed().as_secs_f64());
        }
    }
}
