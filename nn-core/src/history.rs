#![cfg(feature = "std")]
//! What training records: each epoch's loss and accuracy ([`EpochLog`]), a
//! network's loss and accuracy on a dataset ([`Evaluation`]), and a run's
//! epochs ([`History`]). Below both `fit` and the callbacks that read the
//! log; [`crate::train`] re-exports them.

/// The loss and metrics of one epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochLog {
    /// The epoch, from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch (as the weights were when each batch was
    /// seen), weight penalties included.
    pub loss: f32,
    /// Training accuracy over the epoch.
    pub accuracy: f32,
    /// Loss and accuracy on the validation data at the end of the epoch, if any was given.
    pub validation: Option<Evaluation>,
}

/// Loss and accuracy of a network on a dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// Mean loss per sample (for a network that predicts on every step, the
    /// mean over the steps too, as in Keras).
    pub loss: f32,
    /// Fraction of predictions right (see
    /// [`metrics::correct`](crate::metrics::correct)): of the samples, or of
    /// every step of every sample for a network that predicts on every step.
    pub accuracy: f32,
}

/// What `fit` returns: one [`EpochLog`] per epoch trained.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The epochs in order (fewer than asked for when training stopped early).
    pub epochs: Vec<EpochLog>,
    /// With early stopping, the epoch that scored best on the monitored quantity.
    pub best_epoch: Option<usize>,
}

impl History {
    /// Training loss per epoch.
    pub fn loss(&self) -> Vec<f32> {
        self.epochs.iter().map(|e| e.loss).collect()
    }

    /// Training accuracy per epoch.
    pub fn accuracy(&self) -> Vec<f32> {
        self.epochs.iter().map(|e| e.accuracy).collect()
    }

    /// The last epoch, if any was trained.
    pub fn last(&self) -> Option<&EpochLog> {
        self.epochs.last()
    }
}
