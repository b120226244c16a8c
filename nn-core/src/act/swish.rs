#[cfg(feature = "std")]
use super::onnx_elementwise;
use super::sigmoid::sigmoid;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, Value};

/// Swish (also called SiLU): `z · σ(z)`, with `σ` the logistic function.
///
/// Swish dips below zero and comes back (its minimum is near `z = -1.28`), so two
/// inputs can give one output and the derivative `σ(z)·(1 + z·(1 - σ(z)))` needs
/// the input: [`Activation::NEEDS_INPUT`] is true.
///
/// ```
/// use nn_core::act::{Activation, Swish};
///
/// let mut v = [0.0, 1000.0, -1000.0];
/// Swish::forward(&mut v, 3);
/// assert_eq!(v, [0.0, 1000.0, 0.0]);
///
/// // The gradient comes from the pre-activations: at z = 0 it is σ(0) = 1/2.
/// let mut grad = [1.0];
/// Swish::backward_from_input(&[0.0], &mut grad, 1);
/// assert_eq!(grad, [0.5]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swish;

impl Activation for Swish {
    const NAME: &'static str = "swish";
    const INIT: Init = Init::GlorotUniform;
    const NEEDS_INPUT: bool = true;

    /// `Mul(z, Sigmoid(z))`: ONNX has no swish before opset 24.
    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        let sigmoid = onnx_elementwise(graph, prefix, "Sigmoid", &input, Vec::new());
        Ok(graph.node("Mul", &format!("{prefix}swish"), &[&input.name, &sigmoid.name], Vec::new(), &input.dims))
    }

    fn forward(values: &mut [f32], _rows: usize) {
        swish_in_place(values);
    }

    /// # Panics
    ///
    /// Always: swish's derivative is not a function of its output. Layers call
    /// [`Activation::backward_from_input`] instead, as [`Activation::NEEDS_INPUT`] says.
    fn backward(_out: &[f32], _grad: &mut [f32], _rows: usize) {
        panic!("swish's derivative needs its input: call `backward_from_input`");
    }

    #[cfg(feature = "std")]
    fn backward_from_input(z: &[f32], grad: &mut [f32], _rows: usize) {
        swish_backward(z, grad);
    }
}

crate::cpu::with_avx2! {
    /// `v ← v·σ(v)` for every value, eight at a time where the CPU allows.
    fn swish_in_place(values: &mut [f32]) {
        for v in values {
            *v *= sigmoid(*v);
        }
    }
}

crate::cpu::with_avx2! {
    /// `g ← g·σ(z)·(1 + z·(1 - σ(z)))`, eight at a time where the CPU allows.
    #[cfg(feature = "std")]
    fn swish_backward(z: &[f32], grad: &mut [f32]) {
        for (g, z) in grad.iter_mut().zip(z) {
            let s = sigmoid(*z);
            *g *= s * (1.0 + z * (1.0 - s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{gradient_check, SAMPLE};

    #[test]
    fn is_z_times_its_sigmoid() {
        // σ(2) = 1 / (1 + e^-2) = 1 / 1.13533528 = 0.88079708, so swish(2) = 1.76159416;
        // σ(-1) = 0.26894142, so swish(-1) = -0.26894142.
        let mut v = [2.0, -1.0];
        Swish::forward(&mut v, 2);
        assert!((v[0] - 1.761_594_2).abs() < 1e-6 && (v[1] + 0.268_941_42).abs() < 1e-6, "{v:?}");
    }

    #[test]
    fn gradient_matches_finite_differences() {
        gradient_check::<Swish>(&SAMPLE, 3);
        // Either side of the minimum near -1.28, where one output has two inputs.
        gradient_check::<Swish>(&[-0.9, -1.8, -6.0, 6.0], 2);
    }

    #[test]
    #[should_panic(expected = "backward_from_input")]
    fn the_output_path_refuses() {
        Swish::backward(&[0.5], &mut [1.0], 1);
    }
}
