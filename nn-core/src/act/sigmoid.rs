use super::exp::{exp, exp_saturating, Fused};
#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, RnnActivation, Value};

/// The logistic function: `1 / (1 + exp(-z))`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sigmoid;

impl Activation for Sigmoid {
    const NAME: &'static str = "sigmoid";
    const INIT: Init = Init::GlorotUniform;

    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "Sigmoid", &input, Vec::new()))
    }

    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "Sigmoid", alpha: None, beta: None })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        sigmoid_in_place(values);
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= a * (1.0 - a);
        }
    }
}

/// The logistic function, evaluated without overflow for large `|z|` (the
/// exponential is of `-|z|`, at most 1), in a form loops vectorise.
#[inline(always)]
pub(crate) fn sigmoid(z: f32) -> f32 {
    let e = exp(-z.abs());
    if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    }
}

/// The logistic function as the slice loop computes it: `1 / (1 + e^{-z})`
/// with [`Fused`] multiply-adds in the exponential; the sum `1 + e^{-z}`
/// loses nothing that matters to the quotient's relative accuracy. Below
/// `z = -88`, where the true value is below 7e-39 and the exponential stops
/// at `e^88`, the result is 0.
#[inline(always)]
fn sigmoid_fused(z: f32) -> f32 {
    let s = 1.0 / (1.0 + exp_saturating::<Fused>(-z));
    if z < -88.0 {
        0.0
    } else {
        s
    }
}

crate::cpu::with_avx2! {
    /// `v ← sigmoid(v)` for every value, eight at a time where the CPU allows.
    fn sigmoid_in_place(values: &mut [f32]) {
        for v in values {
            *v = sigmoid_fused(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_one_half_at_zero_and_saturates_without_nan() {
        let mut v = [0.0, 1000.0, -1000.0];
        Sigmoid::forward(&mut v, 3);
        assert_eq!(v, [0.5, 1.0, 0.0]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Sigmoid>(&crate::act::tests::SAMPLE, 3);
    }

    /// Relative error against `f64` at every 1/1024 from -87 to 30 (below
    /// -87 the true values are below `f32`'s smallest normal number, and the
    /// results 0; above about 17 they are 1).
    #[test]
    fn is_within_a_few_units_in_the_last_place() {
        let grid = (-87 * 1024..=30 * 1024).map(|i| i as f32 / 1024.0);
        let results = grid.map(|x| (x, sigmoid_fused(x)));
        crate::act::tests::assert_relative_error_below("sigmoid", 2.5e-7, results, |x| 1.0 / (1.0 + (-x).exp()));
        let results = (-87 * 64..=30 * 64).map(|i| i as f32 / 64.0).map(|x| (x, sigmoid(x)));
        crate::act::tests::assert_relative_error_below("sigmoid", 2.5e-7, results, |x| 1.0 / (1.0 + (-x).exp()));
    }

    #[test]
    fn the_slice_loop_matches_the_scalar_function() {
        crate::act::tests::matches_scalar_bit_for_bit("sigmoid", |v| Sigmoid::forward(v, 1), sigmoid_fused);
    }
}
