#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Attr, Graph, RnnActivation, Value};

/// Leaky rectified linear unit: `z` for `z > 0`, `α·z` otherwise.
///
/// The slope `α` is the const parameter's `f32` bits; the default is 0.3, as in
/// Keras' `LeakyReLU` layer. It must be at least 0, so that the output's sign is the
/// input's and the derivative (1 or `α`) can be read from the output; a negative
/// slope is a compile error where the activation is used.
///
/// ```
/// use nn_core::act::{Activation, LeakyRelu};
///
/// let mut v = [-2.0, 3.0];
/// LeakyRelu::<{ 0.1f32.to_bits() }>::forward(&mut v, 2);
/// assert_eq!(v, [-0.2, 3.0]);
/// assert_eq!(<LeakyRelu>::ALPHA, 0.3);
/// ```
///
/// A negative slope does not compile:
///
/// ```compile_fail,E0080
/// use nn_core::act::{Activation, LeakyRelu};
///
/// LeakyRelu::<{ (-0.1f32).to_bits() }>::forward(&mut [1.0], 1);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeakyRelu<const ALPHA_BITS: u32 = { 0.3f32.to_bits() }>;

impl<const ALPHA_BITS: u32> LeakyRelu<ALPHA_BITS> {
    /// The slope for negative inputs.
    pub const ALPHA: f32 = {
        let alpha = f32::from_bits(ALPHA_BITS);
        assert!(alpha >= 0.0, "leaky ReLU needs a slope of at least 0");
        alpha
    };
}

impl<const ALPHA_BITS: u32> Activation for LeakyRelu<ALPHA_BITS> {
    const NAME: &'static str = "leaky_relu";
    const INIT: Init = Init::HeUniform;

    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        Ok(onnx_elementwise(graph, prefix, "LeakyRelu", &input, vec![("alpha", Attr::Float(Self::ALPHA))]))
    }

    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        Some(RnnActivation { name: "LeakyRelu", alpha: Some(Self::ALPHA), beta: None })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        leaky_relu_in_place(values, Self::ALPHA);
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        leaky_relu_backward(out, grad, Self::ALPHA);
    }
}

// Every value is multiplied, by α or by 1 (exact): a select of the factor
// rather than a conditional store, which stays scalar. Eight values at a
// time where the CPU allows.
crate::cpu::with_avx2! {
    /// `v ← α·v` for every `v <= 0`.
    fn leaky_relu_in_place(values: &mut [f32], alpha: f32) {
        for v in values {
            *v *= if *v <= 0.0 { alpha } else { 1.0 };
        }
    }
}

crate::cpu::with_avx2! {
    /// `g ← α·g` where the output `a <= 0`.
    fn leaky_relu_backward(out: &[f32], grad: &mut [f32], alpha: f32) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= if *a <= 0.0 { alpha } else { 1.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{gradient_check, SAMPLE};

    #[test]
    fn the_default_slope_is_keras_0_3() {
        let mut v = [-1.0, 0.0, 2.0];
        <LeakyRelu>::forward(&mut v, 3);
        assert_eq!(v, [-0.3, 0.0, 2.0]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        gradient_check::<LeakyRelu>(&SAMPLE, 3);
        gradient_check::<LeakyRelu<{ 0.01f32.to_bits() }>>(&SAMPLE, 3);
        gradient_check::<LeakyRelu<{ 0.0f32.to_bits() }>>(&SAMPLE, 3);
    }
}
