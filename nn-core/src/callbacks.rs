#![cfg(feature = "std")]
//! What can end training early. Stopping on a non-finite loss is built in: `fit`
//! always ends with [`Error::NonFiniteLoss`](crate::Error::NonFiniteLoss), naming the
//! epoch and batch, before that step reaches the weights (Keras' `TerminateOnNaN`).

use crate::history::EpochLog;

/// The quantity [`EarlyStopping`] watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Monitor {
    /// Training loss (lower is better).
    Loss,
    /// Training accuracy (higher is better).
    Accuracy,
    /// Validation loss (lower is better); needs validation data.
    ValLoss,
    /// Validation accuracy (higher is better); needs validation data.
    ValAccuracy,
}

impl Monitor {
    /// Keras' name for it.
    pub const fn name(self) -> &'static str {
        match self {
            Monitor::Loss => "loss",
            Monitor::Accuracy => "accuracy",
            Monitor::ValLoss => "val_loss",
            Monitor::ValAccuracy => "val_accuracy",
        }
    }

    /// Whether it needs validation data.
    pub const fn needs_validation(self) -> bool {
        matches!(self, Monitor::ValLoss | Monitor::ValAccuracy)
    }

    /// Its value in `log`, signed so that lower is always better.
    fn score(self, log: &EpochLog) -> Option<f32> {
        match self {
            Monitor::Loss => Some(log.loss),
            Monitor::Accuracy => Some(-log.accuracy),
            Monitor::ValLoss => log.validation.map(|v| v.loss),
            Monitor::ValAccuracy => log.validation.map(|v| -v.accuracy),
        }
    }
}

/// Stop when the monitored quantity has not improved for `patience` epochs, as
/// Keras' `EarlyStopping(monitor, min_delta, patience, restore_best_weights)`.
///
/// ```
/// use nn_core::callbacks::{EarlyStopping, Monitor};
///
/// let stop = EarlyStopping::new(Monitor::ValLoss).patience(3).min_delta(1e-4).restore_best_weights(true);
/// assert_eq!(stop.monitor(), Monitor::ValLoss);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStopping {
    monitor: Monitor,
    patience: usize,
    min_delta: f32,
    restore_best_weights: bool,
}

impl EarlyStopping {
    /// Watch `monitor`, with Keras' defaults: patience 0, min_delta 0, keep the last weights.
    pub fn new(monitor: Monitor) -> Self {
        EarlyStopping { monitor, patience: 0, min_delta: 0.0, restore_best_weights: false }
    }

    /// Epochs without improvement to wait before stopping.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta.abs();
        self
    }

    /// Whether to end with the weights of the best epoch rather than the last one.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }

    /// The watched quantity.
    pub fn monitor(&self) -> Monitor {
        self.monitor
    }

    pub(crate) fn restores(&self) -> bool {
        self.restore_best_weights
    }

    pub(crate) fn start(&self) -> EarlyStoppingState {
        EarlyStoppingState { best: f32::INFINITY, best_epoch: 0, wait: 0 }
    }
}

/// The progress of one run's early stopping.
pub(crate) struct EarlyStoppingState {
    best: f32,
    best_epoch: usize,
    wait: usize,
}

/// What to do after an epoch.
pub(crate) enum Verdict {
    /// The epoch is the best so far.
    Improved,
    /// Not better, but patience remains.
    Wait,
    /// Patience ran out.
    Stop,
}

impl EarlyStoppingState {
    pub(crate) fn observe(&mut self, rule: &EarlyStopping, log: &EpochLog) -> Verdict {
        let Some(score) = rule.monitor.score(log) else { return Verdict::Wait };
        if score < self.best - rule.min_delta || (self.best_epoch == 0 && score.is_finite()) {
            self.best = score;
            self.best_epoch = log.epoch;
            self.wait = 0;
            return Verdict::Improved;
        }
        self.wait += 1;
        if self.wait > rule.patience {
            Verdict::Stop
        } else {
            Verdict::Wait
        }
    }

    /// The epoch that scored best (0 before any).
    pub(crate) fn best_epoch(&self) -> usize {
        self.best_epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Evaluation;

    fn log(epoch: usize, val_loss: f32) -> EpochLog {
        EpochLog { epoch, loss: 1.0, accuracy: 0.5, validation: Some(Evaluation { loss: val_loss, accuracy: 0.5 }) }
    }

    #[test]
    fn stops_after_patience_epochs_without_improvement() {
        let rule = EarlyStopping::new(Monitor::ValLoss).patience(2);
        let mut state = rule.start();
        let verdicts: Vec<_> = [1.0, 0.8, 0.9, 0.85, 0.95]
            .iter()
            .enumerate()
            .map(|(i, v)| match state.observe(&rule, &log(i + 1, *v)) {
                Verdict::Improved => 'i',
                Verdict::Wait => 'w',
                Verdict::Stop => 's',
            })
            .collect();
        assert_eq!(verdicts, ['i', 'i', 'w', 'w', 's']);
        assert_eq!(state.best_epoch(), 2);
    }

    #[test]
    fn min_delta_ignores_tiny_improvements_and_accuracy_counts_upwards() {
        let rule = EarlyStopping::new(Monitor::ValLoss).min_delta(0.1);
        let mut state = rule.start();
        assert!(matches!(state.observe(&rule, &log(1, 1.0)), Verdict::Improved));
        assert!(matches!(state.observe(&rule, &log(2, 0.95)), Verdict::Stop));

        let rule = EarlyStopping::new(Monitor::Accuracy).patience(1);
        let mut state = rule.start();
        let acc = |epoch, accuracy| EpochLog { epoch, loss: 1.0, accuracy, validation: None };
        assert!(matches!(state.observe(&rule, &acc(1, 0.5)), Verdict::Improved));
        assert!(matches!(state.observe(&rule, &acc(2, 0.7)), Verdict::Improved));
        assert!(matches!(state.observe(&rule, &acc(3, 0.6)), Verdict::Wait));
    }
}
