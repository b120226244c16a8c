//! `avgpool2d`: the mean of each window. One sample's pooling,
//! `kernels::pool::avg_pool`, is the one forward of the layer (for every
//! sample) and of its view.

use super::Infer;
use crate::kernels::pool::avg_pool;
use crate::kernels::window::Window;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{Backward, Layer, Mode},
    crate::kernels::pool::avg_pool_backward,
    crate::onnx::{Attr, Graph, Value},
    crate::parallel::{for_each_rows, min_rows},
    rand::Rng,
};

/// The view of [`AvgPool2d`], with its const parameters: the mean of each
/// `PH x PW` window of each of `C` channels of `H x W`, moved by `SH x SW`,
/// with Keras' `same` padding when `SAME` (a window that reaches into the
/// padding averages the image values it covers): the layer's own pooling of
/// a sample.
///
/// # Shapes
///
/// `[C, H, W]` in, `[C, OH, OW]` out; no parameters.
///
/// ```
/// use nn::layers::{AvgPool2d, Layer, Mode};
/// use nn::view::{AvgPool2dView, Infer};
///
/// type Pool = AvgPool2dView<1, 2, 4, 2, 2, 2, 2, false>;
/// let image = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
/// let mut out = [0.0; 2];
/// Pool::forward(&(), &image, &mut out);
/// assert_eq!(out, [3.5, 5.5]);
/// let mut owned = [0.0; 2];
/// AvgPool2d::<1, 2, 4, 2, 2, 2, 2, false>.forward_batch(&image, &mut owned, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out.map(f32::to_bits), owned.map(f32::to_bits));
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
    > Infer for AvgPool2dView<C, H, W, PH, PW, SH, SW, SAME>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C * Window::new(C, [H, W], [PH, PW], [SH, SW], SAME).positions();
    type Params<'a> = ();

    fn load(_: &mut Weights<'_>, _: &Prefix) -> Result<(), Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        avg_pool::<C, H, W, PH, PW, SH, SW, SAME>(input, output);
    }
}

#[cfg(feature = "std")]
/// Average pooling: the mean of each `PH x PW` window of each channel, the
/// window moved by `SH` rows and `SW` columns, with `"valid"` padding or,
/// when `SAME`, Keras' `"same"` padding, where a window that reaches into the
/// padding averages only the image values it covers (TensorFlow's rule;
/// PyTorch's `AvgPool2d(count_include_pad=False)`).
///
/// # Shapes
///
/// `[C, H, W]` in, `[C, OH, OW]` out, as [`super::MaxPool2d`].
///
/// ```
/// use nn_core::layers::{AvgPool2d, Layer, Mode};
///
/// type Pool = AvgPool2d<1, 2, 4, 2, 2, 2, 2, false>;
/// let image = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
/// let mut out = [0.0; 2];
/// Pool::default().forward_batch(&image, &mut out, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out, [3.5, 5.5]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AvgPool2d<
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
    > AvgPool2d<C, H, W, PH, PW, SH, SW, SAME>
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
    > Layer for AvgPool2d<C, H, W, PH, PW, SH, SW, SAME>
{
    const INPUT: usize = C * H * W;
    const OUTPUT: usize = C * Self::OH * Self::OW;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    type Buffers = ();

    fn init<R: Rng + ?Sized>(_rng: &mut R) -> Self {
        AvgPool2d
    }

    fn zeroed() -> Self {
        AvgPool2d
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        let (i, o) = (Self::INPUT, Self::OUTPUT);
        for_each_rows(batch, min_rows(i), 4, [(output, o)], |samples, [out]| {
            for (n, out) in samples.zip(out.chunks_exact_mut(o)) {
                avg_pool::<C, H, W, PH, PW, SH, SW, SAME>(&input[n * i..(n + 1) * i], out);
            }
        });
    }

    fn backward_batch(&self, pass: Backward<'_, ()>, _grads: &mut Self) {
        let Backward { grad, grad_input, batch, .. } = pass;
        let (i, o) = (Self::INPUT, Self::OUTPUT);
        let Some(grad_input) = grad_input else { return };
        let grad = &grad[..o * batch];
        for_each_rows(batch, min_rows(i), 4, [(grad_input, i)], |samples, [dx]| {
            dx.fill(0.0);
            for (n, dx) in samples.zip(dx.chunks_exact_mut(i)) {
                avg_pool_backward::<C, H, W, PH, PW, SH, SW, SAME>(&grad[n * o..(n + 1) * o], dx);
            }
        });
    }

    crate::no_parts!();

    /// `AveragePool` with explicit `pads` and `count_include_pad = 0`: a
    /// window over the edge averages the image values it covers.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let mut attributes = crate::onnx::window_attributes([PH, PW], [SH, SW], Self::WINDOW.pads());
        attributes.push(("count_include_pad", Attr::Int(0)));
        Ok(graph.node("AveragePool", &format!("{prefix}avgpool"), &[&input.name], attributes, &[C, Self::OH, Self::OW]))
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
    /// the same bits (valid and same padding, overlapping windows).
    #[test]
    fn a_batch_of_one_gives_the_bits_of_the_view() {
        fn check<
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
            let (owned, _) = testing::forward(&AvgPool2d::<C, H, W, PH, PW, SH, SW, SAME>, &input, 1, false);
            let mut viewed = vec![f32::NAN; owned.len()];
            AvgPool2dView::<C, H, W, PH, PW, SH, SW, SAME>::forward(&(), &input, &mut viewed);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&owned), bits(&viewed), "{C}x{H}x{W}, {PH}x{PW}/{SH}x{SW} {SAME}");
        }
        check::<3, 8, 8, 2, 2, 2, 2, false>(1);
        check::<2, 5, 7, 2, 2, 2, 2, true>(2);
        check::<2, 5, 7, 3, 2, 1, 2, true>(3);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let x = testing::values(2 * 5 * 7 * 3, 0.2);
        testing::gradient_check(&AvgPool2d::<2, 5, 7, 2, 2, 2, 2, false>, &x, 3, false, 1e-2, 1e-3);
        testing::gradient_check(&AvgPool2d::<2, 5, 7, 2, 2, 2, 2, true>, &x, 3, false, 1e-2, 1e-3);
        testing::gradient_check(&AvgPool2d::<2, 5, 7, 3, 2, 1, 2, true>, &x, 3, false, 1e-2, 1e-3);
    }

    /// With same padding, a window over the edge averages only the image.
    #[test]
    fn same_padding_averages_the_image_values_only() {
        let image: Vec<f32> = (0..9).map(|v| v as f32).collect();
        let (out, _) = testing::forward(&AvgPool2d::<1, 3, 3, 2, 2, 2, 2, true>, &image, 1, false);
        assert_eq!(out, [2.0, 3.5, 6.5, 8.0]);
    }
}
