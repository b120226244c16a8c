//! A vector layer on every step of a sequence, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use core::marker::PhantomData;

/// The view of [`layers::PerStep`](crate::layers::PerStep): the layer `L`
/// on each of `T` steps, with the same parameters (Keras' `DenseView` on a
/// sequence; its softmax is each step's).
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
