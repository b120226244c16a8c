use super::Activation;
use crate::init::Init;

/// Softplus: `ln(1 + exp(z))`, a smooth ReLU.
///
/// Computed as `max(z, 0) + ln(1 + exp(-|z|))`, which neither overflows nor loses
/// the small outputs of very negative inputs. Its derivative, the logistic
/// `σ(z)`, equals `1 - exp(-output)`, so it is read from the output.
///
/// ```
/// use nn_core::act::{Activation, Softplus};
///
/// let mut v = [0.0, 1000.0];
/// Softplus::forward(&mut v, 2);
/// assert!((v[0] - std::f32::consts::LN_2).abs() < 1e-7 && v[1] == 1000.0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Softplus;

impl Activation for Softplus {
    const NAME: &'static str = "softplus";
    const INIT: Init = Init::GlorotUniform;

    fn forward(values: &mut [f32], _rows: usize) {
        for v in values {
            *v = v.max(0.0) + (-v.abs()).exp().ln_1p();
        }
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            // σ(z) = 1 - exp(-a), without cancellation when a is small.
            *g *= -(-a).exp_m1();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{gradient_check, SAMPLE};

    #[test]
    fn keeps_the_small_outputs_of_very_negative_inputs() {
        // ln(1 + e^-30) = e^-30 - ... ≈ 9.3576e-14; the derivative σ(-30) is the same.
        let mut v = [-30.0f32];
        Softplus::forward(&mut v, 1);
        assert!((v[0] / 9.357_623e-14 - 1.0).abs() < 1e-5, "{}", v[0]);
        let mut g = [1.0];
        Softplus::backward(&v, &mut g, 1);
        assert!((g[0] / 9.357_623e-14 - 1.0).abs() < 1e-5, "{}", g[0]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        gradient_check::<Softplus>(&SAMPLE, 3);
        gradient_check::<Softplus>(&[-8.0, 8.0, 0.01, -0.01], 2);
    }
}
