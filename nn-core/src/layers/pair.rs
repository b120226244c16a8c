//! Two layers that run as one, sample by sample, so that the values between
//! them stay in the cache: [`Pair`]. `network!` writes a pair's calls when
//! the first layer's macro module says it leads a pair and the next layer's
//! says it follows one; the compiler then checks that the two types pair.

use super::{Backward, Layer, Mode};

/// `Self` followed by `Next`, in one pass each way, with the results of the
/// two layers' own passes (a convolution and the max pooling after it:
/// [`Conv2d`](super::Conv2d) with [`MaxPool2d`](super::MaxPool2d)).
pub trait Pair<Next: Layer>: Layer {
    /// Both forward passes: `input` holds `Self::INPUT` values per sample,
    /// `output` receives `Next::OUTPUT`; the values between the two need not
    /// be stored.
    #[allow(clippy::too_many_arguments)]
    fn forward_pair(
        &self,
        next: &Next,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut Self::Buffers,
        next_buffers: &mut Next::Buffers,
        mode: &mut Mode<'_>,
    );

    /// Both backward passes, from the gradient of `Next`'s output (`pass`
    /// holds `Self`'s input and `Next`'s output); `Next` has no parameters.
    fn backward_pair(
        &self,
        next: &Next,
        pass: Backward<'_, Self::Buffers>,
        next_buffers: &mut Next::Buffers,
        grads: &mut Self,
    );

    /// [`Pair::backward_pair`] fused with the plain SGD step, as
    /// [`Layer::backward_sgd`].
    fn backward_pair_sgd(
        &mut self,
        next: &Next,
        pass: Backward<'_, Self::Buffers>,
        next_buffers: &mut Next::Buffers,
        grads: &mut Self,
        rate: f32,
    );
}
