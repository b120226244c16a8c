//! The area under the ROC curve of a binary task, from the scores a network
//! gives and the true classes.

use crate::error::{Error, Result};

/// The area under the ROC curve (scikit-learn's `roc_auc_score` for a
/// binary task): the chance that a positive sample, drawn at random, scores
/// higher than a negative one, a tie counting one half.
///
/// Computed by the rank formula: with the samples ranked by score from 1
/// (equal scores sharing the mean of their ranks), `(R - P(P + 1)/2) / (P N)`
/// where `R` is the sum of the positives' ranks, `P` the number of
/// positives and `N` of negatives.
///
/// Fails when the two slices have different lengths, a score is NaN, or
/// the samples are all of one class (the area is then undefined).
///
/// ```
/// use nn_core::metrics::roc_auc;
///
/// // scikit-learn's example: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75.
/// assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true])?, 0.75);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn roc_auc(scores: &[f32], positive: &[bool]) -> Result<f64> {
    if scores.len() != positive.len() {
        return Err(Error::InvalidArgument(format!("{} scores but {} classes", scores.len(), positive.len())));
    }
    if let Some(at) = scores.iter().position(|s| s.is_nan()) {
        return Err(Error::InvalidArgument(format!("score {at} is NaN")));
    }
    let positives = positive.iter().filter(|p| **p).count();
    let negatives = positive.len() - positives;
    if positives == 0 || negatives == 0 {
        return Err(Error::InvalidArgument(format!(
            "the ROC AUC needs both classes; the {} samples are all {}",
            positive.len(),
            if positives == 0 { "negative" } else { "positive" }
        )));
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the positives' ranks, each run of equal scores at its mean rank.
    let mut rank_sum = 0.0f64;
    let mut start = 0;
    while start < order.len() {
        let score = scores[order[start]];
        let end = start + order[start..].iter().take_while(|&&i| scores[i] == score).count();
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        rank_sum += mean_rank * order[start..end].iter().filter(|&&i| positive[i]).count() as f64;
        start = end;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_count_one_half() {
        // Pairs (positive, negative): 0.5 against 0.5 twice (1/2 each), 0.9
        // against 0.5 twice (1 each): 3 of 4.
        assert_eq!(roc_auc(&[0.5, 0.5, 0.5, 0.9], &[false, true, false, true]).unwrap(), 0.75);
        // All scores equal: 1/2.
        assert_eq!(roc_auc(&[0.3; 5], &[true, false, false, true, false]).unwrap(), 0.5);
    }

    #[test]
    fn perfect_and_reversed_rankings() {
        let positive = [false, false, true, true, true];
        assert_eq!(roc_auc(&[0.1, 0.2, 0.7, 0.8, 0.9], &positive).unwrap(), 1.0);
        assert_eq!(roc_auc(&[0.9, 0.8, 0.3, 0.2, 0.1], &positive).unwrap(), 0.0);
    }

    #[test]
    fn a_hand_computed_case() {
        // Positives scored 0.8, 0.6, 0.3; negatives 0.7, 0.3, 0.2. Pairs won:
        // 0.8: 3; 0.6: 2 (0.3, 0.2); 0.3: 1 (0.2) and a tie with 0.3 (1/2).
        // 6.5 of 9.
        let scores = [0.8, 0.7, 0.6, 0.3, 0.3, 0.2];
        let positive = [true, false, true, true, false, false];
        assert!((roc_auc(&scores, &positive).unwrap() - 6.5 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn one_class_nan_or_other_lengths_are_errors() {
        let message = roc_auc(&[0.2, 0.4], &[true, true]).unwrap_err().to_string();
        assert_eq!(message, "the ROC AUC needs both classes; the 2 samples are all positive");
        assert!(roc_auc(&[f32::NAN, 0.4], &[true, false]).is_err());
        assert!(roc_auc(&[0.4], &[true, false]).is_err());
    }
}
