//! `maxpool2d`: the largest value of each window, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use crate::kernels::window::{for_each_window, Axis};

/// The view of [`layers::MaxPool2d`](crate::layers::MaxPool2d), with its
/// const parameters: the largest value of each `PH x PW` window of each of
/// `C` channels of `H x W`, moved by `SH x SW`, with Keras' `same` padding
/// when `SAME` (padded places never win). A NaN in a window is its maximum,
/// as in the layer.
///
/// # Shapes
///
/// `[C, H, W]` in, `[C, OH, OW]` out; no parameters.
///
/// ```
/// use nn::view::{Infer, MaxPool2dView};
///
/// type Pool = MaxPool2dView<1, 4, 4, 2, 2, 2, 2, false>;
/// let image: Vec<f32> = (0..16).map(|v| v as f32).collect();
/// let mut out = [0.0; 4];
/// Pool::forward(&(), &image, &mut out);
/// assert_eq!(out, [5.0, 7.0, 13.0, 15.0]);
/// ```
pub struct MaxPool2dView<
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
    > MaxPool2dView<C, H, W, PH, PW, SH, SW, SAME>
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
    > Infer for MaxPool2dView<C, H, W, PH, PW, SH, SW, SAME>
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
                let mut best = f32::NEG_INFINITY;
                'rows: for y in ys {
                    for &v in &channel[y * W + xs.start..y * W + xs.end] {
                        if v.is_nan() {
                            best = v;
                            break 'rows;
                        }
                        if v > best {
                            best = v;
                        }
                    }
                }
                out[p] = best;
            });
        }
    }
}
