use super::{Loss, EPSILON};
use crate::act::Softmax;

/// Categorical cross-entropy after a softmax output, with one-hot (or any
/// probability) targets: `-sum_i y_i ln p_i` per sample, gradient `p - y`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CategoricalCrossentropy;

impl Loss<Softmax> for CategoricalCrossentropy {
    const NAME: &'static str = "categorical_crossentropy";

    fn loss_sum(&self, output: &[f32], target: &[f32], _rows: usize) -> f64 {
        output
            .iter()
            .zip(target)
            .filter(|(_, y)| **y != 0.0)
            .map(|(p, y)| -f64::from(*y) * f64::from(p.clamp(EPSILON, 1.0 - EPSILON)).ln())
            .sum()
    }

    fn delta(&self, output: &[f32], target: &[f32], rows: usize, delta: &mut [f32]) {
        let scale = rows as f32 / output.len() as f32;
        for ((d, p), y) in delta.iter_mut().zip(output).zip(target) {
            *d = scale * (p - y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_minus_log_of_the_true_class_probability() {
        let loss = CategoricalCrossentropy.loss_sum(&[0.25, 0.5, 0.25], &[0.0, 1.0, 0.0], 3);
        assert!((loss - std::f64::consts::LN_2).abs() < 1e-6);
    }

    #[test]
    fn fused_gradient_matches_finite_differences() {
        let z = [0.3, -1.2, 0.8, 1.5, -0.4, 0.1];
        let y = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        crate::loss::tests::gradient_check::<Softmax, _>(CategoricalCrossentropy, &z, &y, 3);
    }
}
