//! `avgpool2d`: the mean of each window, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use crate::kernels::window::Axis;

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

    /// The layer's own pooling of one sample (`kernels::pool`), the same bits.
    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        crate::kernels::pool::avg_pool::<C, H, W, PH, PW, SH, SW, SAME>(input, output);
    }
}
