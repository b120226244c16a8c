//! `avgpool2d`: the mean of each window, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use crate::kernels::window::{for_each_window, Axis};

/// The view of [`layers::AvgPool2d`](crate::layers::AvgPool2d), with its
/// const parameters: the mean of each `PH x PW` window of each of `C`
/// channels of `H x W`, moved by `SH x SW`, with Keras' `same` padding when
/// `SAME` (a window that reaches into the padding averages the image values
/// it covers).
///
/// # Shapes
///
/// `[C, H, W]` in, `[C, OH, OW]` out; no parameters.
///
/// ```
/// use nn::view::{AvgPool2dView, Infer};
///
/// type Pool = AvgPool2dView<1, 2, 4, 2, 2, 2, 2, false>;
/// let mut out = [0.0; 2];
/// Pool::forward(&(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], &mut out);
/// assert_eq!(out, [3.5, 5.5]);
/// ```
pub struct AvgPool2dView<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>;

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    > AvgPool2dView<C, H, W, PH, PW, SH, SW, SAME>
{
    const ROWS: Axis = Axis::new(H, PH, SH, SAME);
    const COLS: Axis = Axis::new(W, PW, SW, SAME);
}

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    > Infer for AvgPool2dView<C, H, W, PH, PW, SH, SW, SAME>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C * Self::ROWS.out * Self::COLS.out;
    type Params<'a> = ();

    fn load(_: &mut Weights<'_>, _: &Prefix) -> Result<(), Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        let (rows, cols) = (Self::ROWS, Self::COLS);
        let positions = rows.out * cols.out;
        for (channel, out) in input[..C * H * W].chunks_exact(H * W).zip(output.chunks_exact_mut(positions)) {
            for_each_window(rows, cols, |p, ys, xs| {
                let count = (ys.len() * xs.len()) as f32;
                let sum: f32 = ys.map(|y| channel[y * W + xs.start..y * W + xs.end].iter().sum::<f32>()).sum();
                out[p] = sum / count;
            });
        }
    }
}
