use super::{CategoricalCrossentropy, Loss, EPSILON};
use crate::act::Softmax;
use crate::metrics::argmax;

/// Categorical cross-entropy for class labels, after a softmax output:
/// `-ln p_label` per sample, gradient `p - onehot(label)`.
///
/// Keras' `sparse_categorical_crossentropy`. Datasets with class labels
/// ([`ImageSet`](crate::data::ImageSet)) hand each label to the loss one-hot, the
/// label being the position of the 1; with one-hot targets this equals
/// [`CategoricalCrossentropy`](super::CategoricalCrossentropy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SparseCategoricalCrossentropy;

impl Loss<Softmax> for SparseCategoricalCrossentropy {
    const NAME: &'static str = "sparse_categorical_crossentropy";

    fn loss_sum(&self, output: &[f32], target: &[f32], rows: usize) -> f64 {
        output
            .chunks_exact(rows)
            .zip(target.chunks_exact(rows))
            .map(|(p, y)| -f64::from(p[argmax(y)].clamp(EPSILON, 1.0 - EPSILON)).ln())
            .sum()
    }

    /// The same gradient as the one-hot form: `p - onehot(label)`.
    fn delta(&self, output: &[f32], target: &[f32], rows: usize, delta: &mut [f32]) {
        CategoricalCrossentropy.delta(output, target, rows, delta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_categorical_crossentropy_on_one_hot_targets() {
        let p = [0.2, 0.5, 0.3, 0.7, 0.2, 0.1];
        let y = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let sparse = SparseCategoricalCrossentropy.loss_sum(&p, &y, 3);
        assert!((sparse - (-(0.3f64.ln()) - 0.7f64.ln())).abs() < 1e-6);
        assert!((sparse - CategoricalCrossentropy.loss_sum(&p, &y, 3)).abs() < 1e-6);
    }

    #[test]
    fn fused_gradient_matches_finite_differences() {
        let z = [0.3, -1.2, 0.8, 1.5, -0.4, 0.1];
        let y = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        crate::loss::tests::gradient_check::<Softmax, _>(SparseCategoricalCrossentropy, &z, &y, 3);
    }
}
