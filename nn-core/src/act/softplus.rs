use super::exp::{exp, exp_m1};
#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, RnnActivation, Value};

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

    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "Softplus", &input, Vec::new()))
    }

    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "Softplus", alpha: None, beta: None })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        softplus_in_place(values);
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        softplus_backward(out, grad);
    }
}

/// `ln(1 + u)` for `0 <= u <= 1`, accurate for small `u` too, in plain
/// arithmetic: `2·atanh(s)` with `s = u / (2 + u)`, at most 1/3, whose odd
/// series to `s^17` leaves out less than 2e-9 of the result.
#[inline(always)]
fn ln_1p_unit(u: f32) -> f32 {
    let s = u / (2.0 + u);
    let s2 = s * s;
    let mut series = 1.0 / 17.0;
    for k in (1..8).rev() {
        series = series * s2 + 1.0 / (2 * k + 1) as f32;
    }
    let series = series * s2 + 1.0;
    2.0 * s * series
}

crate::cpu::with_avx2! {
    /// `v ← max(v, 0) + ln(1 + e^{-|v|})` for every value, eight at a time
    /// where the CPU allows. NaN stays NaN (through the logarithm); below
    /// about -87.3, where the true value is under 1.2e-38, the output is 0.
    fn softplus_in_place(values: &mut [f32]) {
        for v in values {
            *v = v.max(0.0) + ln_1p_unit(exp(-v.abs()));
        }
    }
}

crate::cpu::with_avx2! {
    /// `g ← g·σ(z)`, with `σ(z) = 1 - e^{-a}` from the output `a`, without
    /// cancellation when `a` is small.
    fn softplus_backward(out: &[f32], grad: &mut [f32]) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= -exp_m1(-a);
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

    /// Relative error of the forward pass against `f64` at every 1/1024
    /// from -87 to 90 (below about -87.3 the output is 0, where the true one
    /// is under 1.2e-38), and of `ln_1p_unit` over its whole range.
    #[test]
    fn is_within_a_few_units_in_the_last_place() {
        let exact_softplus = |x: f64| x.max(0.0) + (-x.abs()).exp().ln_1p();
        let grid: Vec<f32> = (-87 * 1024..=90 * 1024).map(|i| i as f32 / 1024.0).collect();
        let mut values = grid.clone();
        Softplus::forward(&mut values, 1);
        let results = grid.into_iter().zip(values);
        crate::act::tests::assert_relative_error_below("softplus", 3e-7, results, exact_softplus);
        let units = (1..=1 << 16).map(|i| i as f32 / 65_536.0).chain([1e-30, 1e-10, f32::MIN_POSITIVE]);
        let results = units.map(|u| (u, ln_1p_unit(u)));
        crate::act::tests::assert_relative_error_below("ln_1p_unit", 2.5e-7, results, f64::ln_1p);
        assert_eq!(ln_1p_unit(0.0), 0.0);
        let mut nan = [f32::NAN];
        Softplus::forward(&mut nan, 1);
        assert!(nan[0].is_nan());
    }

    #[test]
    fn the_slice_loop_matches_the_scalar_function() {
        let scalar = |v: f32| v.max(0.0) + ln_1p_unit(exp(-v.abs()));
        crate::act::tests::matches_scalar_bit_for_bit("softplus", |v| Softplus::forward(v, 1), scalar);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        gradient_check::<Softplus>(&SAMPLE, 3);
        gradient_check::<Softplus>(&[-8.0, 8.0, 0.01, -0.01], 2);
    }
}
