use super::exp::exp_m1;
#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Attr, Graph, RnnActivation, Value};

/// Exponential linear unit: `z` for `z > 0`, `α·(exp(z) - 1)` otherwise.
///
/// The scale `α` is the const parameter's `f32` bits; the default is 1.0, as in
/// Keras. For `z ≤ 0` the derivative `α·exp(z)` equals `output + α`, so it is read
/// from the output; `α` must be at least 0 for that (a negative `α` is a compile
/// error where the activation is used).
///
/// ```
/// use nn_core::act::{Activation, Elu};
///
/// let mut v = [0.0, 2.0, -1000.0];
/// <Elu>::forward(&mut v, 3);
/// assert_eq!(v, [0.0, 2.0, -1.0]);
/// assert_eq!(Elu::<{ 0.5f32.to_bits() }>::ALPHA, 0.5);
/// ```
///
/// A negative alpha does not compile:
///
/// ```compile_fail,E0080
/// use nn_core::act::{Activation, Elu};
///
/// Elu::<{ (-0.1f32).to_bits() }>::forward(&mut [1.0], 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Elu<const ALPHA_BITS: u32 = { 1.0f32.to_bits() }>;

impl<const ALPHA_BITS: u32> Elu<ALPHA_BITS> {
    /// The value that the output approaches for very negative inputs is `-α`.
    pub const ALPHA: f32 = {
        let alpha = f32::from_bits(ALPHA_BITS);
        assert!(alpha >= 0.0, "ELU needs an alpha of at least 0");
        alpha
    };
}

impl<const ALPHA_BITS: u32> Activation for Elu<ALPHA_BITS> {
    const NAME: &'static str = "elu";
    const INIT: Init = Init::HeUniform;

    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "Elu", &input, vec![("alpha", Attr::Float(Self::ALPHA))]))
    }

    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "Elu", alpha: Some(Self::ALPHA), beta: None })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        elu_in_place(values, Self::ALPHA);
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        elu_backward(out, grad, Self::ALPHA);
    }
}

// Both loops choose with a select rather than a conditional store, and
// `exp_m1` is plain arithmetic: they run eight values at a time where the
// CPU allows.
crate::cpu::with_avx2! {
    /// `v ← α·(e^v - 1)` for every `v <= 0`.
    fn elu_in_place(values: &mut [f32], alpha: f32) {
        for v in values {
            *v = if *v <= 0.0 { alpha * exp_m1(*v) } else { *v };
        }
    }
}

crate::cpu::with_avx2! {
    /// `g ← g·(a + α)` where the output `a <= 0`.
    fn elu_backward(out: &[f32], grad: &mut [f32], alpha: f32) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= if *a <= 0.0 { a + alpha } else { 1.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{gradient_check, SAMPLE};

    #[test]
    fn the_default_alpha_is_one() {
        // exp(-1) - 1 = 0.36787944 - 1 = -0.63212056
        let mut v = [-1.0, 1.5];
        <Elu>::forward(&mut v, 2);
        assert!((v[0] + 0.632_120_56).abs() < 1e-7 && v[1] == 1.5);
    }

    #[test]
    fn the_slice_loop_matches_the_scalar_function() {
        let scalar = |v: f32| if v <= 0.0 { 0.5 * exp_m1(v) } else { v };
        crate::act::tests::matches_scalar_bit_for_bit("elu", |v| Elu::<{ 0.5f32.to_bits() }>::forward(v, 1), scalar);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        gradient_check::<Elu>(&SAMPLE, 3);
        gradient_check::<Elu<{ 0.5f32.to_bits() }>>(&SAMPLE, 3);
        gradient_check::<Elu<{ 2.0f32.to_bits() }>>(&SAMPLE, 2);
    }
}
