//! A recurrent layer in both directions, as a view runs it.

use super::recurrent::{RecurrentParams, RecurrentView, Step};
use super::{Error, Infer, Prefix, Weights};
use core::marker::PhantomData;

/// The view of [`layers::Bidirectional`](crate::layers::Bidirectional): the
/// recurrent layer over the steps in order and in reverse, the two outputs
/// side by side. With `SEQ`, step `t` of the output is the forward
/// direction's output at `t`, then the backward one's at `t`; without, the
/// forward direction's last output and the backward one's (at step 0).
///
/// # Shapes
///
/// `[T, F]` in, `2U` out (`[T, 2U]` with `SEQ`); the backward direction's
/// tensors end in `_reverse`.
///
/// ```
/// use nn::view::{BidirectionalView, GruStep, Infer};
///
/// assert_eq!(<BidirectionalView<GruStep, 20, 16, 32, true> as Infer>::OUTPUT, 20 * 64);
/// ```
pub struct BidirectionalView<C, const T: usize, const F: usize, const U: usize, const SEQ: bool>(PhantomData<C>);

/// Where the two directions keep their parameters.
#[derive(Debug, Clone, Copy)]
pub struct BidirectionalParams<'a> {
    /// The direction that reads the steps in order.
    pub forward: RecurrentParams<'a>,
    /// The direction that reads them in reverse (tensors ending in `_reverse`).
    pub backward: RecurrentParams<'a>,
}

impl<C: Step, const T: usize, const F: usize, const U: usize, const SEQ: bool> Infer
    for BidirectionalView<C, T, F, U, SEQ>
{
    const INPUT: usize = T * F;
    const OUTPUT: usize = if SEQ { T * 2 * U } else { 2 * U };
    type Params<'a> = BidirectionalParams<'a>;

    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<BidirectionalParams<'a>, Error> {
        Ok(BidirectionalParams {
            forward: RecurrentView::<C, T, F, U, SEQ>::load_suffixed(weights, prefix, false)?,
            backward: RecurrentView::<C, T, F, U, SEQ>::load_suffixed(weights, prefix, true)?,
        })
    }

    fn forward(params: &BidirectionalParams<'_>, input: &[f32], output: &mut [f32]) {
        for (direction, reverse) in [(&params.forward, false), (&params.backward, true)] {
            let side = if reverse { U } else { 0 };
            RecurrentView::<C, T, F, U, SEQ>::run(direction, input, reverse, |t, last, h| {
                if SEQ {
                    output[t * 2 * U + side..t * 2 * U + side + U].copy_from_slice(h);
                } else if last {
                    output[side..side + U].copy_from_slice(h);
                }
            });
        }
    }
}
