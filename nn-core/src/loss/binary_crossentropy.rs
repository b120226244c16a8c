use super::{Loss, EPSILON};
use crate::act::Sigmoid;

/// Binary cross-entropy after a sigmoid output:
/// `mean_i -(y_i ln p_i + (1 - y_i) ln(1 - p_i))` per sample, gradient `p - y`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BinaryCrossentropy;

impl Loss<Sigmoid> for BinaryCrossentropy {
    const NAME: &'static str = "binary_crossentropy";

    fn loss_sum(&self, output: &[f32], target: &[f32], rows: usize) -> f64 {
        let sum: f64 = output
            .iter()
            .zip(target)
            .map(|(p, y)| {
                let p = f64::from(p.clamp(EPSILON, 1.0 - EPSILON));
                let y = f64::from(*y);
                -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
            })
            .sum();
        sum / rows as f64
    }

    fn delta(&self, output: &[f32], target: &[f32], _rows: usize, delta: &mut [f32]) {
        let scale = 1.0 / output.len() as f32;
        for ((d, p), y) in delta.iter_mut().zip(output).zip(target) {
            *d = scale * (p - y);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_ln_two_for_an_even_guess() {
        let loss = BinaryCrossentropy.loss_sum(&[0.5, 0.5], &[1.0, 0.0], 1);
        assert!((loss - 2.0 * std::f64::consts::LN_2).abs() < 1e-6);
    }

    #[test]
    fn stays_finite_for_confident_mistakes() {
        assert!(BinaryCrossentropy.loss_sum(&[1.0, 0.0], &[0.0, 1.0], 2).is_finite());
    }

    #[test]
    fn fused_gradient_matches_finite_differences() {
        let z = [0.3, -1.2, 0.8, 1.5, -0.4, 0.1];
        let y = [0.0, 1.0, 1.0, 1.0, 0.0, 0.0];
        crate::loss::tests::gradient_check::<Sigmoid, _>(BinaryCrossentropy, &z, &y, 2);
    }
}
