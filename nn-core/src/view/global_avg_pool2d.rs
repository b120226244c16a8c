//! `global_avgpool2d`: each channel's mean, as a view runs it.

use super::{Error, Infer, Prefix, Weights};

/// The view of [`layers::GlobalAvgPool2d`](crate::layers::GlobalAvgPool2d):
/// the mean of each of `C` channels of `H x W` values.
///
/// # Shapes
///
/// `[C, H, W]` in, `[C]` out; no parameters.
///
/// ```
/// use nn::view::{GlobalAvgPool2dView, Infer};
///
/// let mut out = [0.0; 2];
/// GlobalAvgPool2dView::<2, 2, 2>::forward(&(), &[1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0], &mut out);
/// assert_eq!(out, [2.5, 25.0]);
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
        let count = (H * W) as f32;
        for (out, channel) in output[..C].iter_mut().zip(input[..C * H * W].chunks_exact(H * W)) {
            *out = channel.iter().sum::<f32>() / count;
        }
    }
}
