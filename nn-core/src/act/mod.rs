//! Activation functions, one file each.
//!
//! An activation works in place on a column-major batch: `rows` values per sample,
//! one sample per column. Every derivative here is written in terms of the
//! activation's *output*, so a layer keeps only its output between forward and
//! backward passes.

mod linear;
mod relu;
mod sigmoid;
mod softmax;
mod tanh;

pub use linear::Linear;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax::Softmax;
pub use tanh::Tanh;

use crate::init::Init;

/// An activation function applied after a layer's affine map.
pub trait Activation: Copy + Default + Send + Sync + 'static {
    /// The name used in `network!` and in `summary()`.
    const NAME: &'static str;
    /// The weight initialisation that suits this activation (He for ReLU, Glorot otherwise).
    const INIT: Init;
    /// Replace each pre-activation `z` in `values` by the activation's output.
    fn forward(values: &mut [f32], rows: usize);
    /// Given the outputs `out` and the loss gradient with respect to them in `grad`,
    /// overwrite `grad` with the gradient with respect to the pre-activations.
    fn backward(out: &[f32], grad: &mut [f32], rows: usize);
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Activation;

    /// Finite-difference check of `A::backward` against `A::forward` on one batch,
    /// for the scalar loss `sum(weights * A(z))`. Differences in f64-accurate terms
    /// are taken in f32 with a central step, so the tolerance is loose but real.
    pub fn gradient_check<A: Activation>(z: &[f32], rows: usize) {
        let weights: Vec<f32> = (0..z.len()).map(|i| ((i * 7 % 5) as f32 - 2.0) * 0.3 + 0.1).collect();
        let loss = |z: &[f32]| -> f64 {
            let mut out = z.to_vec();
            A::forward(&mut out, rows);
            out.iter().zip(&weights).map(|(a, w)| f64::from(*a) * f64::from(*w)).sum()
        };
        let mut out = z.to_vec();
        A::forward(&mut out, rows);
        let mut grad = weights.clone();
        A::backward(&out, &mut grad, rows);
        let h = 1e-3f32;
        for i in 0..z.len() {
            let (mut plus, mut minus) = (z.to_vec(), z.to_vec());
            plus[i] += h;
            minus[i] -= h;
            let numeric = (loss(&plus) - loss(&minus)) / (2.0 * f64::from(h));
            let analytic = f64::from(grad[i]);
            assert!(
                (numeric - analytic).abs() <= 2e-3 * (1.0 + numeric.abs()),
                "{}: d/dz[{i}] numeric {numeric} vs analytic {analytic}",
                A::NAME
            );
        }
    }

    /// Pre-activations that avoid ReLU's kink at 0, two samples of three rows.
    pub const SAMPLE: [f32; 6] = [-1.3, 0.4, 2.1, 0.7, -0.2, -2.5];
}
