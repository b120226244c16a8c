use super::Activation;
use crate::init::Init;
use std::f32::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

/// Gaussian error linear unit: `z · Φ(z)`, with `Φ` the standard normal CDF.
///
/// `Gelu` (or `Gelu<false>`) is the exact form, `Φ(z) = erfc(-z/√2) / 2`, as Keras'
/// `gelu` and PyTorch's `nn.GELU()` compute it by default. `Gelu<true>` is the
/// tanh approximation of Keras' `approximate=True` (PyTorch's
/// `approximate='tanh'`): `z/2 · (1 + tanh(√(2/π)·(z + 0.044715·z³)))`.
///
/// GELU dips below zero and comes back (its minimum is near `z = -0.75`), so two
/// inputs can give one output and the derivative `Φ(z) + z·φ(z)` needs the input:
/// [`Activation::NEEDS_INPUT`] is true.
///
/// ```
/// use nn_core::act::{Activation, Gelu};
///
/// // Φ(1) = 0.8413447, so GELU(1) = 0.8413447; the approximation is within 1e-3.
/// let (mut exact, mut approximate) = ([1.0f32], [1.0f32]);
/// <Gelu>::forward(&mut exact, 1);
/// Gelu::<true>::forward(&mut approximate, 1);
/// assert!((exact[0] - 0.841_344_7).abs() < 1e-6);
/// assert!((approximate[0] - exact[0]).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gelu<const APPROXIMATE: bool = false>;

/// `√(2/π)`.
const SQRT_2_OVER_PI: f32 = FRAC_2_SQRT_PI * FRAC_1_SQRT_2;
/// The cubic coefficient of the tanh approximation.
const CUBIC: f32 = 0.044_715;

impl<const APPROXIMATE: bool> Activation for Gelu<APPROXIMATE> {
    const NAME: &'static str = if APPROXIMATE { "gelu_approximate" } else { "gelu" };
    const INIT: Init = Init::GlorotUniform;
    const NEEDS_INPUT: bool = true;

    fn forward(values: &mut [f32], _rows: usize) {
        for v in values {
            *v = if APPROXIMATE {
                let t = (SQRT_2_OVER_PI * (*v + CUBIC * *v * *v * *v)).tanh();
                0.5 * *v * (1.0 + t)
            } else {
                *v * normal_cdf(*v)
            };
        }
    }

    /// # Panics
    ///
    /// Always: GELU's derivative is not a function of its output. Layers call
    /// [`Activation::backward_from_input`] instead, as [`Activation::NEEDS_INPUT`] says.
    fn backward(_out: &[f32], _grad: &mut [f32], _rows: usize) {
        panic!("GELU's derivative needs its input: call `backward_from_input`");
    }

    fn backward_from_input(z: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, &z) in grad.iter_mut().zip(z) {
            *g *= if APPROXIMATE {
                // d/dz [z/2 · (1 + tanh u)] with u = √(2/π)(z + c·z³):
                // (1 + tanh u)/2 + z/2 · (1 - tanh² u) · √(2/π)(1 + 3c·z²)
                let t = (SQRT_2_OVER_PI * (z + CUBIC * z * z * z)).tanh();
                0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * z * z)
            } else {
                // Φ(z) + z·φ(z), φ(z) = exp(-z²/2) / √(2π)
                normal_cdf(z) + z * (-0.5 * z * z).exp() * (0.5 * FRAC_2_SQRT_PI * FRAC_1_SQRT_2)
            };
        }
    }
}

/// `Φ(z) = erfc(-z/√2) / 2`, accurate in the lower tail too.
fn normal_cdf(z: f32) -> f32 {
    0.5 * libm::erfcf(-z * FRAC_1_SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{gradient_check, SAMPLE};

    #[test]
    fn matches_tabulated_values_of_the_normal_cdf() {
        // Φ(-1) = 0.15865525, Φ(0.5) = 0.69146246, Φ(2) = 0.97724987, from tables:
        // GELU(-1) = -0.15865525, GELU(0.5) = 0.34573123, GELU(2) = 1.95449974.
        let mut v = [-1.0, 0.5, 2.0];
        <Gelu>::forward(&mut v, 3);
        for (got, want) in v.iter().zip([-0.158_655_25, 0.345_731_23, 1.954_499_7]) {
            assert!((got - want).abs() < 1e-6, "{v:?}");
        }
    }

    #[test]
    fn the_approximation_follows_its_formula() {
        // z = 1: u = 0.79788456 · 1.044715 = 0.83356197, tanh u = 0.68238398,
        // GELU ≈ 0.5 · 1.68238398 = 0.84119199.
        let mut v = [1.0];
        Gelu::<true>::forward(&mut v, 1);
        assert!((v[0] - 0.841_192).abs() < 1e-6, "{}", v[0]);
        assert_eq!((<Gelu>::NAME, Gelu::<true>::NAME), ("gelu", "gelu_approximate"));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // Either side of the minimum near -0.75, where one output has two inputs.
        let points = [-0.4, -1.2, -4.0, 3.0];
        gradient_check::<Gelu>(&SAMPLE, 3);
        gradient_check::<Gelu>(&points, 2);
        gradient_check::<Gelu<true>>(&SAMPLE, 3);
        gradient_check::<Gelu<true>>(&points, 2);
    }
}
