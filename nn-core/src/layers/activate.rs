//! An activation standing as a layer of its own (`conv2d(16, 3), relu`):
//! [`activate`] is the one forward of the layer (over a whole batch) and of
//! its view.

use super::Infer;
use crate::act::Activation;
use crate::safetensors::{Error, Prefix, Weights};
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::{Activated, Backward, Layer, Mode, TakesInput},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// `output = A(input)`, the activation applied to groups of `group` values
/// (softmax normalises each group; the other activations work value by
/// value), for as many values as `output` holds: one sample's (the view) or
/// a batch's (the layer).
pub(crate) fn activate<A: Activation>(input: &[f32], output: &mut [f32], group: usize) {
    output.copy_from_slice(&input[..output.len()]);
    A::forward(output, group);
}

/// The view of [`Activate`]: the activation `A` on `N` values in groups of
/// `GROUP`, as the layer computes it.
///
/// # Shapes
///
/// Any shape of `N` values in, the same out; no parameters.
///
/// ```
/// use nn::act::Softmax;
/// use nn::view::{ActivateView, Infer};
///
/// // A sequence of two steps of three values: a softmax per step.
/// let mut out = [0.0; 6];
/// ActivateView::<6, 3, Softmax>::forward(&(), &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0], &mut out);
/// assert!(out.iter().all(|p| (p - 1.0 / 3.0).abs() < 1e-6));
/// ```
pub struct ActivateView<const N: usize, const GROUP: usize, A>(PhantomData<A>);

impl<const N: usize, const GROUP: usize, A: Activation> Infer for ActivateView<N, GROUP, A> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    type Params<'a> = ();

    fn load(_: &mut Weights<'_>, _: &Prefix) -> Result<(), Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        activate::<A>(input, &mut output[..N], GROUP);
    }
}

#[cfg(feature = "std")]
/// An activation as a layer: `output = A(input)` on `N` values, in groups of
/// `GROUP` (a softmax normalises each group: the whole vector, or each step
/// of a sequence of steps of `GROUP` values; the other activations work
/// value by value, so `GROUP` does not change them). Keras' `Activation`
/// layer, or `ReLU`, `Softmax`, ...; PyTorch's `nn.ReLU`, `nn.Softmax(-1)`, ...
///
/// Ending a network, it is fused with the loss as a layer's own activation
/// is: `dense(10), softmax` trains as `dense(10, softmax)` does.
///
/// # Shapes
///
/// Any shape of `N` values in, the same out; `GROUP` divides `N`.
///
/// ```
/// use nn_core::act::Relu;
/// use nn_core::layers::{Activate, Layer, Mode};
///
/// let mut out = [0.0; 4];
/// Activate::<4, 4, Relu>::default().forward_batch(&[-1.0, 2.0, -3.0, 4.0], &mut out, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out, [0.0, 2.0, 0.0, 4.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activate<const N: usize, const GROUP: usize, A>(PhantomData<A>);

#[cfg(feature = "std")]
impl<const N: usize, const GROUP: usize, A> Activate<N, GROUP, A> {
    /// Fails the build if `GROUP` does not divide `N`.
    const GROUPS: usize = {
        assert!(GROUP > 0 && N.is_multiple_of(GROUP), "Activate: GROUP must divide N");
        N / GROUP
    };
}

#[cfg(feature = "std")]
impl<const N: usize, const GROUP: usize, A: Activation> TakesInput<N> for Activate<N, GROUP, A> {}

#[cfg(feature = "std")]
impl<const N: usize, const GROUP: usize, A: Activation> Activated for Activate<N, GROUP, A> {
    type Activation = A;
    const GROUP: usize = GROUP;
}

#[cfg(feature = "std")]
impl<const N: usize, const GROUP: usize, A: Activation> Layer for Activate<N, GROUP, A> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    /// None: the derivative reads the input (GELU, swish) or the output.
    type Buffers = ();

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        let _ = Self::GROUPS;
        Activate(PhantomData)
    }

    fn zeroed() -> Self {
        let _ = Self::GROUPS;
        Activate(PhantomData)
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        activate::<A>(input, &mut output[..N * batch], GROUP);
    }

    /// The gradient to the input: the activation's derivative at the input
    /// (or the output) times `grad`, or `grad` itself when it is already with
    /// respect to the values before the activation (a loss fused with it).
    fn backward_batch(&self, pass: Backward<'_, ()>, _grads: &mut Self) {
        let Backward { input, output, grad, preactivation, grad_input, batch, .. } = pass;
        let Some(grad_input) = grad_input else { return };
        let grad_input = &mut grad_input[..N * batch];
        grad_input.copy_from_slice(&grad[..N * batch]);
        if preactivation {
            return;
        }
        if A::NEEDS_INPUT {
            A::backward_from_input(&input[..N * batch], grad_input, GROUP);
        } else {
            A::backward(&output[..N * batch], grad_input, GROUP);
        }
    }

    crate::no_parts!();

    /// The activation's operator (`Relu`, `Softmax` along the last axis, ...).
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        A::onnx(graph, prefix, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Elu, Gelu, LeakyRelu, Linear, Relu, Sigmoid, Softmax, Softplus, Swish, Tanh};
    use crate::layers::testing::{self, gradient_check};

    /// Gradients against finite differences on a batch of three vectors of
    /// six values, and on a batch of two sequences of three steps of four
    /// values (a softmax per step).
    fn check<A: Activation>() {
        gradient_check(&Activate::<6, 6, A>::default(), &testing::values(6 * 3, 0.5), 3, false, 1e-2, 3e-3);
        gradient_check(&Activate::<12, 4, A>::default(), &testing::values(12 * 2, 0.7), 2, false, 1e-2, 3e-3);
    }

    #[test]
    fn gradients_match_finite_differences_for_every_activation() {
        check::<Linear>();
        check::<Sigmoid>();
        check::<Tanh>();
        check::<Softmax>();
        check::<Relu>();
        check::<LeakyRelu>();
        check::<Elu>();
        check::<Softplus>();
        check::<Swish>();
        check::<Gelu>();
        check::<Gelu<true>>();
    }

    /// On a sequence, a softmax normalises each step's values on their own.
    #[test]
    fn a_softmax_on_a_sequence_normalises_each_step() {
        let input = testing::values(12, 0.3);
        let (out, _) = testing::forward(&Activate::<12, 4, Softmax>::default(), &input, 1, false);
        for step in out.chunks(4) {
            assert!((step.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{step:?}");
        }
    }

    /// When the loss is fused with the activation, the gradient flowing in is
    /// already with respect to the input, and passes through unchanged.
    #[test]
    fn a_fused_gradient_passes_through() {
        let layer = Activate::<3, 3, Softmax>::default();
        let input = [0.1, -0.4, 2.0];
        let (output, _) = testing::forward(&layer, &input, 1, false);
        let mut grad = vec![0.5, -0.25, 1.5];
        let mut grad_input = vec![f32::NAN; 3];
        let pass = Backward {
            input: &input,
            output: &output,
            grad: &mut grad,
            preactivation: true,
            grad_input: Some(&mut grad_input),
            batch: 1,
            buffers: &mut (),
        };
        layer.backward_batch(pass, &mut Activate::zeroed());
        assert_eq!(grad_input, [0.5, -0.25, 1.5]);
    }

    /// In ONNX, the activation's operator on the value as it comes, and
    /// nothing for `linear`.
    #[test]
    fn onnx_is_the_activations_operator() {
        let input = Value { name: "x".into(), dims: vec![3, 4] };
        let mut graph = Graph::new();
        let out = Activate::<12, 4, Softmax>::default().onnx(&mut graph, "1.", input.clone()).unwrap();
        assert_eq!(graph.operators(), [("Softmax", vec!["x"])]);
        assert_eq!(out.dims, [3, 4]);
        let mut graph = Graph::new();
        let out = Activate::<12, 12, Linear>::default().onnx(&mut graph, "1.", input.clone()).unwrap();
        assert!(graph.operators().is_empty());
        assert_eq!(out, input);
    }

    /// A batch of one through the layer against its view: the same bits;
    /// and the first sample of a larger batch the same again.
    #[test]
    fn a_batch_of_one_gives_the_bits_of_the_view() {
        fn agree<A: Activation>() {
            let input = testing::values(12, 1.3).iter().map(|v| 4.0 * v).collect::<Vec<_>>();
            let (owned, _) = testing::forward(&Activate::<12, 4, A>::default(), &input, 1, false);
            let mut viewed = [f32::NAN; 12];
            ActivateView::<12, 4, A>::forward(&(), &input, &mut viewed);
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&owned), bits(&viewed), "{}", A::NAME);
            let batch = [&input[..], &testing::values(12, 2.0)].concat();
            let (batched, _) = testing::forward(&Activate::<12, 4, A>::default(), &batch, 2, false);
            assert_eq!(bits(&batched[..12]), bits(&viewed), "{}", A::NAME);
        }
        agree::<Relu>();
        agree::<Softmax>();
        agree::<Gelu>();
        agree::<Tanh>();
    }
}
