use super::{ensure_len, Backward, Layer, Mode};
use crate::kernels::window::Window;
use crate::onnx::{Graph, Value};
use crate::parallel::{for_each_rows, for_each_rows_indexed, min_rows};
use rand::Rng;

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

    /// `MaxPool` with explicit `pads`, which ONNX never lets win.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        let input = graph.shaped(input, &[C, H, W])?;
        let attributes = crate::onnx::window_attributes([PH, PW], [SH, SW], Self::WINDOW.pads());
        Ok(graph.node("MaxPool", &format!("{prefix}maxpool"), &[&input.name], attributes, &[C, Self::OH, Self::OW]))
    }
}

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
        let window = Self::WINDOW;
        let positions = window.positions();
        for c in 0..C {
            let base = c * H * W;
            let (out, at) = (&mut out[c * positions..], &mut at[c * positions..]);
            if !SAME && Self::OW >= NARROW {
                pool_rows::<H, W, PH, PW, SH, SW>(&sample[base..base + H * W], out, at, base as u32);
                continue;
            }
            window.for_each_window(|p, ys, xs| {
                let mut best = (f32::NEG_INFINITY, base + ys.start * W + xs.start);
                'rows: for y in ys {
                    for x in xs.clone() {
                        let index = base + y * W + x;
                        let v = sample[index];
                        if v.is_nan() {
                            best = (v, index);
                            break 'rows;
                        }
                        if v > best.0 {
                            best = (v, index);
                        }
                    }
                }
                out[p] = best.0;
                at[p] = best.1 as u32;
            });
        }
    }
}

/// Windows compared side by side in a row of at least that many.
const LANES: usize = 8;
/// Windows compared side by side in narrower rows (at least this wide).
const NARROW: usize = 4;

crate::cpu::with_avx2! {
    /// Max pooling of one `H x W` plane whose every window lies inside it
    /// (valid padding), with rows of at least [`NARROW`] windows: each
    /// output's maximum into `out` and its index (plus `base`) into `at`.
    /// A row's windows are taken [`LANES`] side by side (or [`NARROW`], in
    /// rows narrower than that), the last block of a row moved back to end
    /// at the row's end, so that no window is left to a scalar loop (the
    /// windows the last block shares with the one before are computed twice,
    /// alike).
    fn pool_rows<const H: usize, const W: usize, const PH: usize, const PW: usize, const SH: usize, const SW: usize>(
        plane: &[f32],
        out: &mut [f32],
        at: &mut [u32],
        base: u32,
    ) {
        let (oh, ow) = ((H - PH) / SH + 1, (W - PW) / SW + 1);
        for y in 0..oh {
            let (out, at) = (&mut out[y * ow..(y + 1) * ow], &mut at[y * ow..(y + 1) * ow]);
            if ow >= LANES {
                pool_row::<LANES, W, PH, PW, SH, SW>(plane, y, out, at, base);
            } else {
                pool_row::<NARROW, W, PH, PW, SH, SW>(plane, y, out, at, base);
            }
        }
    }
}

/// Row `y` of windows of [`pool_rows`], `L` at a time; `out.len() >= L`.
///
/// `L` windows side by side are compared value by value as selects over
/// arrays, which vectorise (each comparison goes either way at random, so
/// branches would mispredict). The first of equal maxima wins, and the
/// first NaN stays: a value is taken when it is not at most the best so far
/// (larger, or NaN) and the best is not NaN, written as a negated `<=`, which
/// compiles to faster selects than the same test with `>` and `is_nan` (1.08
/// against 1.31 ms for the MNIST CNN's first pooling, batch 128).
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn pool_row<const L: usize, const W: usize, const PH: usize, const PW: usize, const SH: usize, const SW: usize>(
    plane: &[f32],
    y: usize,
    out: &mut [f32],
    at: &mut [u32],
    base: u32,
) {
    let ow = out.len();
    let mut x = 0;
    while x < ow {
        let x0 = x.min(ow - L);
        let first = y * SH * W + x0 * SW;
        let corner = &plane[first..first + (PH - 1) * W + (L - 1) * SW + PW];
        let mut best = [0.0f32; L];
        let mut offset = [0u32; L];
        for k in 0..L {
            (best[k], offset[k]) = (corner[k * SW], (k * SW) as u32);
        }
        for r in 0..PH {
            for c in 0..PW {
                for k in 0..L {
                    let next = r * W + c + k * SW;
                    let v = corner[next];
                    let take = !(v <= best[k]) & !best[k].is_nan();
                    best[k] = if take { v } else { best[k] };
                    offset[k] = if take { next as u32 } else { offset[k] };
                }
            }
        }
        let at0 = base + first as u32;
        for k in 0..L {
            out[x0 + k] = best[k];
            at[x0 + k] = at0 + offset[k];
        }
        x += L;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

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

    /// The maximum and its index by the definition, the first of equal
    /// maxima winning, or the first NaN.
    fn reference(plane: &[f32], w: usize, ys: std::ops::Range<usize>, xs: std::ops::Range<usize>) -> (f32, usize) {
        let mut best: Option<(f32, usize)> = None;
        for y in ys {
            for x in xs.clone() {
                let v = plane[y * w + x];
                best = match best {
                    Some(b) if b.0.is_nan() || !(v > b.0 || v.is_nan()) => Some(b),
                    _ => Some((v, y * w + x)),
                };
            }
        }
        best.unwrap()
    }

    /// Rows wide enough for the lanes that compare eight windows at once
    /// (41 columns), rows of 4 to 7 windows (11 columns, as the MNIST CNN's
    /// second pooling sees), and rows too narrow for either (3 windows);
    /// values with many ties and a NaN, strides below, at and above the window.
    #[test]
    fn every_window_matches_the_definition() {
        fn check<
            const H: usize,
            const W: usize,
            const PH: usize,
            const PW: usize,
            const SH: usize,
            const SW: usize,
            const SAME: bool,
        >() {
            let mut image: Vec<f32> = (0..2 * H * W).map(|v| ((v * 7919) % 13) as f32).collect();
            image[2 * W + W * 3 / 4] = f32::NAN;
            let layer = MaxPool2d::<2, H, W, PH, PW, SH, SW, SAME>;
            let (out, argmax) = testing::forward(&layer, &image, 1, false);
            let window = Window::new(2, [H, W], [PH, PW], [SH, SW], SAME);
            let positions = window.positions();
            for c in 0..2 {
                let plane = &image[c * H * W..(c + 1) * H * W];
                window.for_each_window(|p, ys, xs| {
                    let (value, index) = reference(plane, W, ys, xs);
                    let got = (out[c * positions + p], argmax[c * positions + p] as usize);
                    assert!(
                        (got.0 == value || got.0.is_nan() && value.is_nan()) && got.1 == c * H * W + index,
                        "{H}x{W}, {PH}x{PW}/{SH}x{SW} {SAME}: channel {c}, window {p}: {got:?} vs {value}, {index}"
                    );
                });
            }
        }
        check::<19, 41, 2, 2, 2, 2, false>();
        check::<19, 41, 3, 2, 1, 1, false>();
        check::<19, 41, 2, 3, 3, 3, false>();
        check::<19, 41, 2, 2, 2, 2, true>();
        check::<11, 11, 2, 2, 2, 2, false>();
        check::<11, 11, 3, 3, 2, 2, false>();
        check::<11, 14, 2, 2, 2, 2, false>();
        check::<7, 7, 2, 2, 2, 2, false>();
    }

    #[test]
    fn a_nan_in_a_window_is_its_maximum() {
        let mut image = vec![1.0; 16];
        image[5] = f32::NAN;
        let (out, _) = testing::forward(&MaxPool2d::<1, 4, 4, 2, 2, 2, 2, false>, &image, 1, false);
        assert!(out[0].is_nan() && out[1..].iter().all(|v| *v == 1.0), "{out:?}");
    }
}
