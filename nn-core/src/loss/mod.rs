#![cfg(feature = "std")]
//! Losses, one file each. A loss knows the output layer's activation, so that
//! pairs with a simple joint gradient are fused: softmax with categorical
//! cross-entropy and sigmoid with binary cross-entropy both give `p - y`.

mod binary_crossentropy;
mod categorical_crossentropy;
mod mse;
mod sparse_categorical_crossentropy;

pub use binary_crossentropy::BinaryCrossentropy;
pub use categorical_crossentropy::CategoricalCrossentropy;
pub use mse::Mse;
pub use sparse_categorical_crossentropy::SparseCategoricalCrossentropy;

use crate::act::Activation;

/// Probabilities are clipped to `[EPSILON, 1 - EPSILON]` inside logarithms (Keras' epsilon).
pub const EPSILON: f32 = 1e-7;

/// A loss after an output layer whose final activation is `A`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot follow an output layer with activation `{A}`",
    label = "this loss does not fit the network's last activation",
    note = "categorical cross-entropy needs a softmax output, binary cross-entropy a sigmoid output; mean squared error follows any activation"
)]
pub trait Loss<A: Activation>: Copy + Send + Sync {
    /// The name used in progress lines and histories.
    const NAME: &'static str;

    /// The sum over the batch of each sample's loss; `rows` values per sample.
    fn loss_sum(&self, output: &[f32], target: &[f32], rows: usize) -> f64;

    /// Write into `delta` the gradient of the batch's mean loss with respect to
    /// the output layer's pre-activations; or, when the activation's derivative
    /// needs its input ([`Activation::NEEDS_INPUT`]), with respect to the outputs,
    /// and the output layer takes it through the activation from there.
    fn delta(&self, output: &[f32], target: &[f32], rows: usize, delta: &mut [f32]);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Loss;
    use crate::act::Activation;

    /// Finite-difference check of `L::delta` against `L::loss_sum` of `A(z)` for a
    /// batch, differentiating through the activation from pre-activations `z`
    /// (applying `A::backward_from_input` after `delta` when `A::NEEDS_INPUT`).
    pub fn gradient_check<A: Activation, L: Loss<A>>(loss: L, z: &[f32], target: &[f32], rows: usize) {
        let batch = z.len() / rows;
        let mean_loss = |z: &[f32]| {
            let mut out = z.to_vec();
            A::forward(&mut out, rows);
            loss.loss_sum(&out, target, rows) / batch as f64
        };
        let mut out = z.to_vec();
        A::forward(&mut out, rows);
        let mut delta = vec![0.0; z.len()];
        loss.delta(&out, target, rows, &mut delta);
        if A::NEEDS_INPUT {
            // The loss stopped at the outputs; the layer would take it from there.
            A::backward_from_input(z, &mut delta, rows);
        }
        let h = 1e-3f32;
        for i in 0..z.len() {
            let (mut plus, mut minus) = (z.to_vec(), z.to_vec());
            plus[i] += h;
            minus[i] -= h;
            let numeric = (mean_loss(&plus) - mean_loss(&minus)) / (2.0 * f64::from(h));
            assert!(
                (numeric - f64::from(delta[i])).abs() <= 2e-3 * (1.0 + numeric.abs()),
                "{} after {}: dz[{i}] numeric {numeric} vs analytic {}",
                L::NAME,
                A::NAME,
                delta[i]
            );
        }
    }
}
