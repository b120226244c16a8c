use super::exp::{exp_saturating, Fused, MulAdd, Separate};
#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, RnnActivation, Value};

/// Hyperbolic tangent.
///
/// Computed in plain arithmetic that vectorises (see `tanh`): within 2e-7
/// of the exact value, relative (1.3e-7 at worst on a grid of 1/4096).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tanh;

impl Activation for Tanh {
    const NAME: &'static str = "tanh";
    const INIT: Init = Init::GlorotUniform;

    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "Tanh", &input, Vec::new()))
    }

    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "Tanh", alpha: None, beta: None })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        tanh_in_place(values);
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= 1.0 - a * a;
        }
    }
}

/// `|x|` below which [`tanh`] uses its polynomial.
const SMALL: f32 = 0.625;

/// `tanh(x)` as Cephes' `tanhf` computes it, with comparisons in place of
/// branches so that loops over it vectorise: an odd polynomial for
/// `|x| < 0.625`, where `1 - 2 / (e^{2|x|} + 1)` would cancel, and that
/// expression elsewhere (its `e^{2|x|}` stops at `e^88` for large `|x|`,
/// which gives exactly ±1). NaN for NaN.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    tanh_with::<Separate>(x)
}

/// [`tanh`] with its products and sums computed as `M` says (the slice
/// loop: [`Fused`]).
#[inline(always)]
fn tanh_with<M: MulAdd>(x: f32) -> f32 {
    let a = x.abs();
    let z = a * a;
    let mut p = -5.704_988_7e-3;
    for coefficient in [2.063_909e-2, -5.373_971_6e-2, 1.333_144_2e-1, -3.333_328e-1] {
        p = M::mul_add(p, z, coefficient);
    }
    let polynomial = M::mul_add(p * z, a, a);
    let exponential = 1.0 - 2.0 / (exp_saturating::<M>(2.0 * a) + 1.0);
    let magnitude = if a < SMALL { polynomial } else { exponential };
    magnitude.copysign(x)
}

crate::cpu::with_avx2! {
    /// `v ← tanh(v)` for every value, eight at a time where the CPU allows.
    fn tanh_in_place(values: &mut [f32]) {
        for v in values {
            *v = tanh_with::<Fused>(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Tanh>(&crate::act::tests::SAMPLE, 3);
    }

    /// Relative error against `f64`'s `tanh` at every 1/4096 from -12 to 12
    /// (both sides of the switch at 0.625 included) and at tiny values.
    #[test]
    fn is_within_a_few_units_in_the_last_place() {
        let grid = (-12 * 4096..=12 * 4096).map(|i| i as f32 / 4096.0);
        let edges = [1e-30, -1e-30, 1e-7, -1e-7, SMALL, -SMALL, SMALL.next_down(), 9.0, -9.0];
        let results = grid.chain(edges).filter(|x| *x != 0.0);
        let separate = results.clone().map(|x| (x, tanh(x)));
        crate::act::tests::assert_relative_error_below("tanh", 2e-7, separate, f64::tanh);
        let fused = results.map(|x| (x, tanh_with::<Fused>(x)));
        crate::act::tests::assert_relative_error_below("tanh", 2e-7, fused, f64::tanh);
    }

    #[test]
    fn the_slice_loop_matches_the_scalar_function() {
        crate::act::tests::matches_scalar_bit_for_bit("tanh", |v| Tanh::forward(v, 1), tanh_with::<Fused>);
    }

    #[test]
    fn saturates_keeps_signs_and_nan() {
        let mut v = [0.0, -0.0, 20.0, -20.0, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];
        Tanh::forward(&mut v, 7);
        assert_eq!(v[..6], [0.0, -0.0, 1.0, -1.0, 1.0, -1.0]);
        assert!(v[1].is_sign_negative() && v[6].is_nan());
    }
}
