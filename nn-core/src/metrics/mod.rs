#![cfg(feature = "std")]
//! Metrics computed beside the loss ([`correct`]) and after training: the
//! [`ConfusionMatrix`], precision, recall and F1 per class and their
//! averages in a [`ClassificationReport`] that prints as scikit-learn's,
//! and the [`roc_auc`] of a binary task.

mod confusion;
mod report;
mod roc;

pub use confusion::ConfusionMatrix;
pub use report::{ClassScores, ClassificationReport};
pub use roc::roc_auc;

/// The number of samples whose prediction matches the target.
///
/// With one output per sample this is binary accuracy (output and target on the
/// same side of 0.5); with several it is categorical accuracy (the largest
/// output is at the target's largest value).
pub fn correct(output: &[f32], target: &[f32], rows: usize) -> usize {
    if rows == 1 {
        output.iter().zip(target).filter(|(p, y)| (**p >= 0.5) == (**y >= 0.5)).count()
    } else {
        output.chunks_exact(rows).zip(target.chunks_exact(rows)).filter(|(p, y)| argmax(p) == argmax(y)).count()
    }
}

/// The class a network's output for one sample predicts: with one output,
/// class 1 when it is at least 0.5 and class 0 otherwise (a sigmoid's
/// binary decision); with several, the position of the largest
/// ([`argmax`]).
///
/// ```
/// use nn_core::metrics::class_of;
///
/// assert_eq!((class_of(&[0.7]), class_of(&[0.2])), (1, 0));
/// assert_eq!(class_of(&[0.1, 0.6, 0.3]), 1);
/// ```
pub fn class_of(output: &[f32]) -> usize {
    match output {
        [p] => usize::from(*p >= 0.5),
        _ => argmax(output),
    }
}

/// The index of the largest value (the first, among equals).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_accuracy_thresholds_at_one_half() {
        assert_eq!(correct(&[0.9, 0.4, 0.6, 0.1], &[1.0, 0.0, 0.0, 1.0], 1), 2);
    }

    #[test]
    fn categorical_accuracy_compares_argmaxes() {
        let output = [0.1, 0.7, 0.2, 0.5, 0.3, 0.2];
        let target = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(correct(&output, &target, 3), 1);
    }
}
