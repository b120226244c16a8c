#![cfg(feature = "std")]
//! Metrics computed beside the loss.

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
