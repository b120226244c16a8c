//! `conv2d`: a 2-D convolution, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use crate::act::Activation;
use crate::kernels::window::Axis;
use core::marker::PhantomData;

/// The view of [`layers::Conv2d`](crate::layers::Conv2d), with its const
/// parameters: `F` filters of `KH x KW` over `C` channels of `H x W`,
/// stride `SH x SW`, Keras' `same` padding when `SAME`, then the activation.
///
/// Each weight is read once and multiplies the rows of input it meets
/// (a direct convolution, with no window matrix to hold).
///
/// # Shapes
///
/// `[C, H, W]` in, `[F, OH, OW]` out; the weight is `[F, C, KH, KW]`
/// (PyTorch's `Conv2dView.weight`), the bias `[F]`.
///
/// ```
/// use nn::act::Relu;
/// use nn::view::{Conv2dView, Infer};
///
/// // conv2d(32, 3, relu) on [1, 28, 28]: [32, 26, 26].
/// type First = Conv2dView<1, 28, 28, 32, 3, 3, 1, 1, false, Relu>;
/// assert_eq!(<First as Infer>::OUTPUT, 32 * 26 * 26);
/// ```
pub struct Conv2dView<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    A,
>(PhantomData<A>);

/// Where a convolution's parameters lie.
#[derive(Debug, Clone, Copy)]
pub struct Conv2dParams<'a> {
    /// `[F, C, KH, KW]`, row-major.
    pub weight: &'a [f32],
    /// `[F]`.
    pub bias: &'a [f32],
}

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
    > Conv2dView<C, H, W, F, KH, KW, SH, SW, SAME, A>
{
    const ROWS: Axis = Axis::new(H, KH, SH, SAME);
    const COLS: Axis = Axis::new(W, KW, SW, SAME);
}

impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
        A: Activation,
    > Infer for Conv2dView<C, H, W, F, KH, KW, SH, SW, SAME, A>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = F * Self::ROWS.out * Self::COLS.out;
    type Params<'a> = Conv2dParams<'a>;

    /// `weight` `[F, C, KH, KW]` and `bias` `[F]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Conv2dParams<'a>, Error> {
        Ok(Conv2dParams {
            weight: weights.f32s(prefix, "weight", &[F, C, KH, KW])?,
            bias: weights.f32s(prefix, "bias", &[F])?,
        })
    }

    fn forward(params: &Conv2dParams<'_>, input: &[f32], output: &mut [f32]) {
        let (rows, cols) = (Self::ROWS, Self::COLS);
        let (oh, ow) = (rows.out, cols.out);
        let output = &mut output[..Self::OUTPUT];
        for (f, out) in output.chunks_exact_mut(oh * ow).enumerate() {
            out.fill(params.bias[f]);
            for (c, plane) in input[..C * H * W].chunks_exact(H * W).enumerate() {
                for i in 0..KH {
                    for j in 0..KW {
                        let weight = params.weight[((f * C + c) * KH + i) * KW + j];
                        let xs = cols.inside(j);
                        if xs.is_empty() {
                            continue;
                        }
                        for y in rows.inside(i) {
                            let line = &plane[rows.input(y, i) * W..][..W];
                            let out = &mut out[y * ow + xs.start..y * ow + xs.end];
                            let first = cols.input(xs.start, j);
                            if SW == 1 {
                                for (o, v) in out.iter_mut().zip(&line[first..first + xs.len()]) {
                                    *o += weight * v;
                                }
                            } else {
                                for (o, v) in out.iter_mut().zip(line[first..].iter().step_by(SW)) {
                                    *o += weight * v;
                                }
                            }
                        }
                    }
                }
            }
        }
        A::forward(output, Self::OUTPUT);
    }
}
