//! `maxpool2d`: the largest value of each window. One sample's pooling,
//! `kernels::pool::max_pool`, is the one forward of the layer (for every
//! sample, keeping where each maximum was) and of its view.

use super::Infer;
use crate::kernels::pool::max_pool;
use crate::kernels::window::Window;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{ensure_len, Backward, Layer, Mode},
    crate::onnx::{Graph, Value},
    crate::parallel::{for_each_rows, for_each_rows_indexed, min_rows},
    rand::Rng,
};

/// The view of [`MaxPool2d`], with its const parameters: the largest value
/// of each `PH x PW` window of each of `C` channels of `H x W`, moved by
/// `SH x SW`, with Keras' `same` padding when `SAME` (padded places never
/// win). A NaN in a window is its maximum. The layer's own pooling of a
/// sample, without keeping where each maximum was.
///
/// # Shapes
///
/// `[C, H, W]` in, `[C, OH, OW]` out; no parameters.
///
/// ```
/// use nn::layers::{Layer, MaxPool2d, Mode};
/// use nn::view::{Infer, MaxPool2dView};
///
/// type Pool = MaxPool2dView<1, 4, 4, 2, 2, 2, 2, false>;
/// let image: Vec<f32> = (0..16).map(|v| v as f32).collect();
/// let mut out = [0.0; 4];
/// Pool::forward(&(), &image, &mut out);
/// assert_eq!(out, [5.0, 7.0, 13.0, 15.0]);
/// let mut owned = [0.0; 4];
/// MaxPool2d::<1, 4, 4, 2, 2, 2, 2, false>.forward_batch(&image, &mut owned, 1, &mut Vec::new(), &mut Mode::Inference);
/// assert_eq!(out.map(f32::to_bits), owned.map(f32::to_bits));
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
    > Infer for MaxPool2dView<C, H, W, PH, PW, SH, SW, SAME>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C * Window::new(C, [H, W], [PH, PW], [SH, SW], SAME).positions();
    type Params<'a> = ();

    fn load(_: &mut Weights<'_>, _: &Prefix) -> Result<(), Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        max_pool::<C, H, W, PH, PW, SH, SW, SAME>(input, output, None);
    }
}

#[cfg(feature = "std")]
/// Max pooling: the largest value of each `PH x PW` window of each channel,
/// the window moved by `SH` rows and `SW` columns (Keras' default stride is
/// the window itself; `network!` writes it so), with `"valid"` padding or,
/// when `SAME`, Keras' `"same"` padding, whose padded places never win.
///
/// The forward pass remembers where each maximum was, and the backward pass
/// sends each output's gradient there (to the first of equal maxima).
///
/// # Shapes
///
/// `[C, H, W]` in, `[C, OH, OW]` out: valid `OH = (H - PH) / SH + 1`, same
/// `OH = ceil(H / SH)`.
///
/// ```
/// use nn_core::layers::{Layer, MaxPool2d, Mode};
///
/// type Pool = MaxPool2d<1, 4, 4, 2, 2, 2, 2, false>;
/// assert_eq!(<Pool as Layer>::OUTPUT, 4);
/// let image: Vec<f32> = (0..16).map(|v| v as f32).collect();
/// let mut out = [0.0; 4];
/// Pool::default().forward_batch(&image, &mut out, 1, &mut Default::default(), &mut Mode::Inference);
/// assert_eq!(out, [5.0, 7.0, 13.0, 15.0]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxPool2d<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>;

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    > MaxPool2d<C, H, W, PH, PW, SH, SW, SAME>
{
    const WINDOW: Window = Window::new(C, [H, W], [PH, PW], [SH, SW], SAME);
    /// Output rows.
    pub const OH: usize = Self::WINDOW.oh;
    /// Output columns.
    pub const OW: usize = Self::WINDOW.ow;
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    > Layer for MaxPool2d<C, H, W, PH, PW, SH, SW, SAME>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C * Self::OH * Self::OW;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    /// Where each output's maximum was, as an index into its sample's input.
    type Buffers = Vec<u32>;

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        MaxPool2d
    }

    fn zeroed() -> Self {
        MaxPool2d
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, argmax: &mut Vec<u32>, _: &mut Mode<'_>) {
        let (i, o) = (Self::INPUT, Self::OUTPUT);
        let argmax = ensure_len(argmax, o * batch);
        for_each_rows_indexed(batch, min_rows(i), 4, (output, o), (argmax, o), |samples, out, at| {
            for ((n, out), at) in samples.zip(out.chunks_exact_mut(o)).zip(at.chunks_exact_mut(o)) {
                Self::pool_sample(&input[n * i..(n + 1) * i], out, at);
            }
        });
    }

    fn backward_batch(&self, pass: Backward<'_, Vec<u32>>, _grads: &mut Self) {
        let Backward { grad, grad_input, batch, buffers: argmax, .. } = pass;
        let (i, o) = (Self::INPUT, Self::OUTPUT);
        let Some(grad_input) = grad_input else { return };
        let (grad, argmax) = (&grad[..o * batch], &argmax[..o * batch]);
        for_each_rows(batch, min_rows(i), 4, [(grad_input, i)], |samples, [dx]| {
            dx.fill(0.0);
            for (k, n) in samples.enumerate() {
                let dx = &mut dx[k * i..(k + 1) * i];
                for (g, at) in grad[n * o..(n + 1) * o].iter().zip(&argmax[n * o..(n + 1) * o]) {
                    dx[*at as usize] += g;
                }
            }
        });
    }

    crate::no_parts!();

    /// `MaxPool` with explicit `pads`, which ONNX never lets win.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let attributes = crate::onnx::window_attributes([PH, PW], [SH, SW], Self::WINDOW.pads());
        Ok(graph.node("MaxPool", &format!("{prefix}maxpool"), &[&input.name], attributes, &[C, Self::OH, Self::OW]))
    }
}

#[cfg(feature = "std")]
/// A pooling that the convolution before it runs sample by sample
/// ([`Conv2d::forward_pooled`](super::Conv2d::forward_pooled)), so that the
/// convolution's output never leaves the cache: [`MaxPool2d`].
pub trait FusedPool: Layer<Buffers = Vec<u32>> {
    /// Whether no input value lies in two windows (the stride at least the
    /// window, as by default), so that each input value's gradient comes
    /// from one output at most.
    const DISJOINT: bool;

    /// One sample's pooling: each output's maximum into `out`, and where it
    /// was (an index into `sample`) into `at`, as the forward pass computes
    /// them.
    fn pool_sample(sample: &[f32], out: &mut [f32], at: &mut [u32]);
}

#[cfg(feature = "std")]
impl<
        const C: usize,
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    > FusedPool for MaxPool2d<C, H, W, PH, PW, SH, SW, SAME>
{
    const DISJOINT: bool = SH >= PH && SW >= PW;

    fn pool_sample(sample: &[f32], out: &mut [f32], at: &mut [u32]) {
        max_pool::<C, H, W, PH, PW, SH, SW, SAME>(sample, out, Some(at));
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

    /// A batch of one through the layer (which also keeps where each
    /// maximum was) against its view on random input: the same bits.
    fn check_view<
        const C: usize,
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const SAME: bool,
    >(
        seed: u64,
    ) {
        let input = random(C * H * W, seed);
        let (owned, _) = testing::forward(&MaxPool2d::<C, H, W, PH, PW, SH, SW, SAME>, &input, 1, false);
        let mut viewed = vec![f32::NAN; owned.len()];
        MaxPool2dView::<C, H, W, PH, PW, SH, SW, SAME>::forward(&(), &input, &mut viewed);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&owned), bits(&viewed), "{C}x{H}x{W}, {PH}x{PW}/{SH}x{SW} {SAME}");
    }

    /// Valid and same padding, overlapping windows, rows wide enough for
    /// the vector blocks and too narrow for them.
    #[test]
    fn a_batch_of_one_gives_the_bits_of_the_view() {
        check_view::<3, 26, 26, 2, 2, 2, 2, false>(1);
        check_view::<3, 11, 11, 2, 2, 2, 2, false>(2);
        check_view::<2, 5, 7, 2, 2, 2, 2, true>(3);
        check_view::<2, 9, 41, 3, 3, 1, 1, false>(4);
        check_view::<2, 5, 7, 3, 3, 2, 2, true>(5);
    }

    /// Gradients against finite differences for valid and same padding,
    /// overlapping windows (stride below the window) and a partial last window.
    #[test]
    fn gradients_match_finite_differences() {
        let check = |layer: &dyn Fn(&[f32], usize)| layer(&testing::values(2 * 5 * 7 * 3, 0.1), 3);
        check(&|x, b| testing::gradient_check(&MaxPool2d::<2, 5, 7, 2, 2, 2, 2, false>, x, b, false, 1e-3, 2e-3));
        check(&|x, b| testing::gradient_check(&MaxPool2d::<2, 5, 7, 2, 2, 2, 2, true>, x, b, false, 1e-3, 2e-3));
        check(&|x, b| testing::gradient_check(&MaxPool2d::<2, 5, 7, 3, 2, 1, 2, false>, x, b, false, 1e-3, 2e-3));
        check(&|x, b| testing::gradient_check(&MaxPool2d::<2, 5, 7, 3, 3, 2, 2, true>, x, b, false, 1e-3, 2e-3));
    }

    /// Keras' `MaxPooling2D(2, padding="same")` on 5x5 gives 3x3; the last
    /// row and column of windows see one row or column of the image.
    #[test]
    fn same_padding_never_picks_the_padding() {
        type Pool = MaxPool2d<1, 5, 5, 2, 2, 2, 2, true>;
        let image: Vec<f32> = (0..25).map(|v| -(v as f32) - 1.0).collect();
        let (out, argmax) = testing::forward(&Pool::default(), &image, 1, false);
        assert_eq!(out, [-1.0, -3.0, -5.0, -11.0, -13.0, -15.0, -21.0, -23.0, -25.0]);
        assert_eq!(argmax, [0, 2, 4, 10, 12, 14, 20, 22, 24]);
    }

    #[test]
    fn a_nan_in_a_window_is_its_maximum() {
        let mut image = vec![1.0; 16];
        image[5] = f32::NAN;
        let (out, _) = testing::forward(&MaxPool2d::<1, 4, 4, 2, 2, 2, 2, false>, &image, 1, false);
        assert!(out[0].is_nan() && out[1..].iter().all(|v| *v == 1.0), "{out:?}");
    }
}
