//! A vector layer on every step of a sequence (`dense` on `[T, F]`). A
//! sequence of one runs the inner layer's one-sample pass on each step, as
//! the view does.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::{Activated, Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// The view of [`PerStep`]: the layer `L` on each of `T` steps, with the
/// same parameters (Keras' `Dense` on a sequence; its softmax is each
/// step's).
///
/// # Shapes
///
/// `[T, L::INPUT]` in, `[T, L::OUTPUT]` out; the tensors are `L`'s.
///
/// ```
/// use nn::act::Softmax;
/// use nn::view::{DenseView, Infer, PerStepView};
///
/// assert_eq!(<PerStepView<DenseView<16, 4, Softmax>, 20> as Infer>::OUTPUT, 20 * 4);
/// ```
pub struct PerStepView<L, const T: usize>(PhantomData<L>);

impl<L: Infer, const T: usize> Infer for PerStepView<L, T> {
    const INPUT: usize = T * L::INPUT;
    const OUTPUT: usize = T * L::OUTPUT;
    type Params<'a> = L::Params<'a>;

    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<L::Params<'a>, Error> {
        L::load(weights, prefix)
    }

    fn forward(params: &L::Params<'_>, input: &[f32], output: &mut [f32]) {
        let steps = input[..Self::INPUT].chunks_exact(L::INPUT).zip(output[..Self::OUTPUT].chunks_exact_mut(L::OUTPUT));
        for (x, y) in steps {
            L::forward(params, x, y);
        }
    }
}

#[cfg(feature = "std")]
/// A vector layer applied to each of `T` steps of a sequence, with the same
/// parameters at every step: Keras' `Dense` on a sequence (and its
/// `TimeDistributed`); PyTorch's `nn.Linear` on a `[N, T, F]` input does the
/// same, with the same tensors.
///
/// # Shapes
///
/// `[T, L::INPUT]` in, `[T, L::OUTPUT]` out.
///
/// ```
/// use nn_core::act::Relu;
/// use nn_core::layers::{Dense, Layer, Mode, PerStep};
///
/// let layer = PerStep::<Dense<2, 3, Relu>, 4>(Dense::seeded(1));
/// assert_eq!((<PerStep<Dense<2, 3, Relu>, 4> as Layer>::INPUT, <PerStep<Dense<2, 3, Relu>, 4> as Layer>::OUTPUT), (8, 12));
/// let mut out = [0.0; 12];
/// layer.forward_batch(&[1.0, 2.0, 1.0, 2.0, 0.0, 0.0, 1.0, 2.0], &mut out, 1, &mut Vec::new(), &mut Mode::Inference);
/// assert_eq!(out[..3], out[3..6]); // the same step gives the same output
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PerStep<L, const T: usize>(pub L);

#[cfg(feature = "std")]
impl<L, const T: usize> PerStep<L, T> {
    /// The same layer with `f` applied to the inner one (to set its options).
    pub fn map(self, f: impl FnOnce(L) -> L) -> Self {
        PerStep(f(self.0))
    }
}

#[cfg(feature = "std")]
/// Each step is a prediction of its own: [`Activated::GROUP`] is the inner
/// layer's.
impl<L: Activated, const T: usize> Activated for PerStep<L, T> {
    type Activation = L::Activation;
    const GROUP: usize = L::GROUP;
}

#[cfg(feature = "std")]
/// A batch of `batch` sequences is `batch · T` samples of the inner layer.
impl<L: Layer, const T: usize> Layer for PerStep<L, T> {
    const INPUT: usize = T * L::INPUT;
    const OUTPUT: usize = T * L::OUTPUT;
    const PARAMS: usize = L::PARAMS;
    const STATE: usize = L::STATE;
    const WIDEST: usize = T * L::WIDEST;
    type Buffers = L::Buffers;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        PerStep(L::init(rng))
    }

    fn zeroed() -> Self {
        PerStep(L::zeroed())
    }

    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut L::Buffers,
        mode: &mut Mode<'_>,
    ) {
        if batch == 1 && !mode.is_training() {
            // Step by step, each a batch of one: the inner layer's one-sample
            // pass, as the view runs it (a training pass keeps the batch's
            // values for the backward one).
            let steps =
                input[..Self::INPUT].chunks_exact(L::INPUT).zip(output[..Self::OUTPUT].chunks_exact_mut(L::OUTPUT));
            for (x, y) in steps {
                self.0.forward_batch(x, y, 1, buffers, mode);
            }
            return;
        }
        self.0.forward_batch(input, output, batch * T, buffers, mode);
    }

    fn update_state(&mut self, buffers: &L::Buffers) {
        self.0.update_state(buffers);
    }

    fn backward_batch(&self, pass: Backward<'_, L::Buffers>, grads: &mut Self) {
        self.0.backward_batch(Backward { batch: pass.batch * T, ..pass }, &mut grads.0);
    }

    fn backward_sgd(&mut self, pass: Backward<'_, L::Buffers>, grads: &mut Self, rate: f32) {
        self.0.backward_sgd(Backward { batch: pass.batch * T, ..pass }, &mut grads.0, rate);
    }

    /// The inner layer's operators on the whole sequence `[T, L::INPUT]`
    /// (a dense layer's `MatMul` applies to every step).
    /// The inner layer's tensors: the same weights serve every step.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        self.0.parts(path, visit);
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        self.0.parts_mut(path, visit);
    }

    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[T, L::INPUT])?;
        self.0.onnx(graph, prefix, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::Tanh;
    use crate::layers::{testing, Dense};

    #[test]
    fn gradients_match_finite_differences() {
        let layer = PerStep::<Dense<3, 2, Tanh>, 4>(Dense::seeded(3));
        testing::gradient_check(&layer, &testing::values(2 * 4 * 3, 0.1), 2, false, 1e-2, 3e-3);
    }
}
