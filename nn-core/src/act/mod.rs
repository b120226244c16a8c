//! Activation functions, one file each.
//!
//! An activation works in place on a column-major batch: `rows` values per sample,
//! one sample per column. Where it can be, a derivative is written in terms of the
//! activation's *output*, so a layer keeps only its output between forward and
//! backward passes. GELU and swish are not one-to-one (two inputs share an output),
//! so their derivatives need the pre-activations: they set
//! [`Activation::NEEDS_INPUT`] and a layer keeps those values for them too.
//!
//! Parameterised activations carry their parameter as the bits of an `f32` in a
//! const generic, so that [`Activation`] stays a set of static functions:
//! `LeakyRelu<{ 0.1f32.to_bits() }>` is leaky ReLU with slope 0.1, and plain
//! `LeakyRelu` takes Keras' default.

mod elu;
mod exp;
pub(crate) mod gate;
mod gelu;
mod leaky_relu;
mod linear;
mod relu;
mod sigmoid;
mod softmax;
mod softplus;
mod swish;
mod tanh;

pub use elu::Elu;
pub use gelu::Gelu;
pub use leaky_relu::LeakyRelu;
pub use linear::Linear;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax::Softmax;
pub use softplus::Softplus;
pub use swish::Swish;
pub use tanh::Tanh;

#[cfg(feature = "std")]
use crate::error::{Error, Result};
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, RnnActivation, Value};

/// An activation function applied after a layer's affine map.
pub trait Activation: Copy + Default + Send + Sync + 'static {
    /// The name used in `network!` and in `summary()`.
    const NAME: &'static str;
    /// The weight initialisation that suits this activation (He for ReLU, Glorot otherwise).
    const INIT: Init;
    /// Whether the derivative needs the pre-activations `z` rather than the outputs
    /// (true for GELU and swish, which are not one-to-one). A layer with such an
    /// activation keeps `z` from its forward pass and calls
    /// [`Activation::backward_from_input`]; otherwise it calls [`Activation::backward`].
    const NEEDS_INPUT: bool = false;
    /// Whether each output depends on its own pre-activation alone (every
    /// activation but softmax, which normalises over its `rows`), so that
    /// [`Activation::backward`] may be called on any values of a layer's
    /// output, one at a time.
    const ELEMENTWISE: bool = true;
    /// Replace each pre-activation `z` in `values` by the activation's output.
    fn forward(values: &mut [f32], rows: usize);
    /// Given the outputs `out` and the loss gradient with respect to them in `grad`,
    /// overwrite `grad` with the gradient with respect to the pre-activations.
    ///
    /// Activations with [`Activation::NEEDS_INPUT`] cannot do this and panic; their
    /// callers use [`Activation::backward_from_input`].
    fn backward(out: &[f32], grad: &mut [f32], rows: usize);
    /// Given the pre-activations `z` and the loss gradient with respect to the
    /// outputs in `grad`, overwrite `grad` with the gradient with respect to `z`.
    ///
    /// The path for activations with [`Activation::NEEDS_INPUT`], which override it.
    /// The default recomputes the outputs and calls [`Activation::backward`]; it
    /// allocates, and layers do not call it for the other activations (nor
    /// does it exist without std).
    #[cfg(feature = "std")]
    fn backward_from_input(z: &[f32], grad: &mut [f32], rows: usize) {
        let mut out = z.to_vec();
        Self::forward(&mut out, rows);
        Self::backward(&out, grad, rows);
    }

    /// Write the activation as ONNX operators into `graph`, applied to
    /// `input` (softmax along its last axis), naming them after `prefix`.
    /// The default is an [`Error::Export`] naming it.
    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        let _ = (graph, prefix, input);
        Err(Error::export(format!("the activation `{}` has no ONNX form", Self::NAME)))
    }

    /// The activation as ONNX's `RNN`, `LSTM` and `GRU` operators take it,
    /// if they know it (a simple RNN's activation is one of theirs).
    #[cfg(feature = "std")]
    fn onnx_rnn() -> Option<RnnActivation> {
        None
    }
}

/// `op` applied to `input` value by value, named after `prefix`.
#[cfg(feature = "std")]
pub(crate) fn onnx_elementwise(
    graph: &mut Graph,
    prefix: &str,
    op: &str,
    input: &Value,
    attributes: Vec<(&str, crate::onnx::Attr)>,
) -> Value {
    graph.node(op, &format!("{prefix}{}", op.to_lowercase()), &[&input.name], attributes, &input.dims)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Activation;

    /// Finite-difference check of `A::backward` (or `A::backward_from_input` when
    /// `A::NEEDS_INPUT`) against `A::forward` on one batch, for the scalar loss
    /// `sum(weights * A(z))`. Differences in f64-accurate terms are taken in f32
    /// with a central step, so the tolerance is loose but real.
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
        if A::NEEDS_INPUT {
            A::backward_from_input(z, &mut grad, rows);
        } else {
            A::backward(&out, &mut grad, rows);
            // The allocating default path agrees with the output-based one.
            let mut from_input = weights.clone();
            A::backward_from_input(z, &mut from_input, rows);
            assert_eq!(grad, from_input, "{}", A::NAME);
        }
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

    /// Assert that every `(x, got)` of `results` is within `bound` of
    /// `exact(x)`, relative, naming the worst point if one is not.
    pub fn assert_relative_error_below(
        name: &str,
        bound: f64,
        results: impl IntoIterator<Item = (f32, f32)>,
        exact: impl Fn(f64) -> f64,
    ) {
        let mut worst = (0.0f64, 0.0f32);
        for (x, got) in results {
            let want = exact(f64::from(x));
            let error = ((f64::from(got) - want) / want).abs();
            if error > worst.0 {
                worst = (error, x);
            }
        }
        assert!(worst.0 < bound, "{name}: relative error {:e} at x = {}", worst.0, worst.1);
    }

    /// Check that a vectorised slice loop (`forward`, which runs the AVX2
    /// copy on CPUs that have it) gives, bit for bit, what `scalar` gives
    /// value by value in code compiled without AVX2, on values from -40 to
    /// 40 and a length that leaves a remainder after eight lanes.
    pub fn matches_scalar_bit_for_bit(name: &str, forward: impl Fn(&mut [f32]), scalar: impl Fn(f32) -> f32) {
        let values: Vec<f32> = (0..4003).map(|i| (i as f32 * 0.731).sin() * 40.0 * (i as f32 / 4003.0)).collect();
        let mut out = values.clone();
        forward(&mut out);
        for (x, y) in values.iter().zip(&out) {
            assert_eq!(y.to_bits(), scalar(*x).to_bits(), "{name} at {x}");
        }
    }

    /// Pre-activations that avoid ReLU's kink at 0, two samples of three rows.
    pub const SAMPLE: [f32; 6] = [-1.3, 0.4, 2.1, 0.7, -0.2, -2.5];
}
