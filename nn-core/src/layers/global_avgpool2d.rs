//! `global_avgpool2d`: each channel's mean. [`channel_means`] is the one
//! forward of the layer (over a whole batch's channels) and of its view.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{Backward, Layer, Mode},
    crate::onnx::{Graph, Value},
    crate::parallel::{for_each_rows, min_rows},
    rand::Rng,
};

/// The mean of each channel of `H x W` values in `input` into `output`, one
/// a channel, for as many channels as `output` holds: of one sample (the
/// view) or of a batch's samples one after the other (the layer).
pub(crate) fn channel_means<const H: usize, const W: usize>(input: &[f32], output: &mut [f32]) {
    let (count, channels) = ((H * W) as f32, output.len());
    for (out, channel) in output.iter_mut().zip(input[..channels * H * W].chunks_exact(H * W)) {
        *out = channel.iter().sum::<f32>() / count;
    }
}

/// The view of [`GlobalAvgPool2d`]: the mean of each of `C` channels of
/// `H x W` values, as the layer computes it.
///
/// # Shapes
///
/// `[C, H, W]` in, `[C]` out; no parameters.
///
/// ```
/// use nn::layers::{GlobalAvgPool2d, Layer, Mode};
/// use nn::view::{GlobalAvgPool2dView, Infer};
///
/// let image = [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0];
/// let mut out = [0.0; 2];
/// GlobalAvgPool2dView::<2, 2, 2>::forward(&(), &image, &mut out);
/// assert_eq!(out, [2.5, 25.0]);
/// let mut owned = [0.0; 2];
/// GlobalAvgPool2d::<2, 2, 2>.forward_batch(&image, &mut owned, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out.map(f32::to_bits), owned.map(f32::to_bits));
/// ```
pub struct GlobalAvgPool2dView<const C: usize, const H: usize, const W: usize>;

impl<const C: usize, const H: usize, const W: usize> Infer for GlobalAvgPool2dView<C, H, W> {
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C;
    type Params<'a> = ();

    fn load(_: &mut Weights<'_>, _: &Prefix) -> Result<(), Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        channel_means::<H, W>(input, &mut output[..C]);
    }
}

#[cfg(feature = "std")]
/// Global average pooling: each channel's mean over all its `H x W` values
/// (Keras' `GlobalAveragePooling2D`; PyTorch's `AdaptiveAvgPool2d(1)`
/// followed by `Flatten`).
///
/// # Shapes
///
/// `[C, H, W]` in, `[C]` out.
///
/// ```
/// use nn_core::layers::{GlobalAvgPool2d, Layer, Mode};
///
/// let image = [1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0];
/// let mut out = [0.0; 2];
/// GlobalAvgPool2d::<2, 2, 2>.forward_batch(&image, &mut out, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out, [2.5, 25.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GlobalAvgPool2d<const C: usize, const H: usize, const W: usize>;

#[cfg(feature = "std")]
impl<const C: usize, const H: usize, const W: usize> Layer for GlobalAvgPool2d<C, H, W> {
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    type Buffers = ();

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        GlobalAvgPool2d
    }

    fn zeroed() -> Self {
        GlobalAvgPool2d
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        channel_means::<H, W>(input, &mut output[..C * batch]);
    }

    fn backward_batch(&self, pass: Backward<'_, ()>, _grads: &mut Self) {
        let Backward { grad, grad_input, batch, .. } = pass;
        let Some(grad_input) = grad_input else { return };
        let grad = &grad[..C * batch];
        let count = (H * W) as f32;
        for_each_rows(batch * C, min_rows(H * W), 4, [(grad_input, H * W)], |channels, [dx]| {
            for (g, dx) in grad[channels].iter().zip(dx.chunks_exact_mut(H * W)) {
                dx.fill(g / count);
            }
        });
    }

    crate::no_parts!();

    /// `GlobalAveragePool` (`[C, 1, 1]`), then `Flatten` (`[C]`).
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let pooled = graph.node("GlobalAveragePool", &format!("{prefix}pool"), &[&input.name], Vec::new(), &[C, 1, 1]);
        graph.shaped(pooled, &[C])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

    /// `len` values drawn uniformly from -1..1.
    fn random(len: usize, seed: u64) -> Vec<f32> {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// A batch of one through the layer against its view on random input:
    /// the same bits; and each sample of a batch the same again.
    #[test]
    fn a_batch_of_one_gives_the_bits_of_the_view() {
        let input = random(3 * 4 * 5, 1);
        let (owned, _) = testing::forward(&GlobalAvgPool2d::<3, 4, 5>, &input, 1, false);
        let mut viewed = [f32::NAN; 3];
        GlobalAvgPool2dView::<3, 4, 5>::forward(&(), &input, &mut viewed);
        assert_eq!(owned.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), viewed.map(f32::to_bits));
        let (batched, _) =
            testing::forward(&GlobalAvgPool2d::<3, 4, 5>, &[&input[..], &random(60, 2)].concat(), 2, false);
        assert_eq!(batched[..3].iter().map(|v| v.to_bits()).collect::<Vec<_>>(), viewed.map(f32::to_bits));
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = testing::values(3 * 4 * 5 * 2, 0.4);
        testing::gradient_check(&GlobalAvgPool2d::<3, 4, 5>, &x, 2, false, 1e-2, 1e-3);
    }
}
