//! Pooling of one sample, `[C, H, W]` in, `[C, OH, OW]` out: the maximum
//! of each window (and where it was, for the gradient) or its mean, the
//! padding of Keras' `same` never counted.

use super::window::Window;

/// The maximum of each `PH x PW` window of each of the `C` channels of
/// `sample`, the window moved by `SH` rows and `SW` columns (`SAME`: Keras'
/// same padding, whose padded places never win), into `out`, and where it
/// was (an index into `sample`) into `at`, when given: the first of equal
/// maxima, or the first NaN. The one max pooling of a sample: the layer's
/// (which keeps `at` for its gradient) and its view's.
pub(crate) fn max_pool<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>(
    sample: &[f32],
    out: &mut [f32],
    at: Option<&mut [u32]>,
) {
    match at {
        Some(at) => max_pool_keeping::<C, H, W, PH, PW, SH, SW, SAME, true>(sample, out, at),
        None => max_pool_keeping::<C, H, W, PH, PW, SH, SW, SAME, false>(sample, out, &mut []),
    }
}

/// [`max_pool`], writing where each maximum was into `at` when `KEEP`
/// (else `at` is not touched), compiled for each.
#[inline(always)]
fn max_pool_keeping<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    const KEEP: bool,
>(
    sample: &[f32],
    out: &mut [f32],
    at: &mut [u32],
) {
    let window = const { Window::new(C, [H, W], [PH, PW], [SH, SW], SAME) };
    let positions = window.positions();
    for c in 0..C {
        let base = c * H * W;
        let out = &mut out[c * positions..(c + 1) * positions];
        let at = if KEEP { &mut at[c * positions..(c + 1) * positions] } else { &mut [][..] };
        if !SAME && window.ow >= NARROW {
            pool_rows::<H, W, PH, PW, SH, SW, KEEP>(&sample[base..base + H * W], out, at, base as u32);
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
            if KEEP {
                at[p] = best.1 as u32;
            }
        });
    }
}

/// The mean of each window (as [`max_pool`]'s) of each channel of `sample`
/// into `out`: of the image values it covers (a window over the edge of
/// Keras' same padding averages those only).
pub(crate) fn avg_pool<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>(
    sample: &[f32],
    out: &mut [f32],
) {
    let window = const { Window::new(C, [H, W], [PH, PW], [SH, SW], SAME) };
    let positions = window.positions();
    for (channel, out) in sample[..C * H * W].chunks_exact(H * W).zip(out.chunks_exact_mut(positions)) {
        window.for_each_window(|p, ys, xs| {
            let count = (ys.len() * xs.len()) as f32;
            let sum: f32 = ys.map(|y| channel[y * W + xs.start..y * W + xs.end].iter().sum::<f32>()).sum();
            out[p] = sum / count;
        });
    }
}

/// The gradient of [`avg_pool`]: each output's gradient in `grad` shared
/// equally between the image values of its window, added into `dx`.
pub(crate) fn avg_pool_backward<
    const C: usize,
    const H: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>(
    grad: &[f32],
    dx: &mut [f32],
) {
    let window = const { Window::new(C, [H, W], [PH, PW], [SH, SW], SAME) };
    let positions = window.positions();
    for (channel, g) in dx[..C * H * W].chunks_exact_mut(H * W).zip(grad.chunks_exact(positions)) {
        window.for_each_window(|p, ys, xs| {
            let share = g[p] / (ys.len() * xs.len()) as f32;
            for y in ys {
                for v in &mut channel[y * W + xs.start..y * W + xs.end] {
                    *v += share;
                }
            }
        });
    }
}

/// Windows compared side by side in a row of at least that many.
const LANES: usize = 8;
/// Windows compared side by side in narrower rows (at least this wide).
const NARROW: usize = 4;

crate::cpu::with_avx2! {
    /// Max pooling of one `H x W` plane whose every window lies inside it
    /// (valid padding), with rows of at least [`NARROW`] windows: each
    /// output's maximum into `out` and, when `KEEP`, its index (plus `base`)
    /// into `at`.
    /// A row's windows are taken [`LANES`] side by side (or [`NARROW`], in
    /// rows narrower than that), the last block of a row moved back to end
    /// at the row's end, so that no window is left to a scalar loop (the
    /// windows the last block shares with the one before are computed twice,
    /// alike).
    fn pool_rows<
        const H: usize,
        const W: usize,
        const PH: usize,
        const PW: usize,
        const SH: usize,
        const SW: usize,
        const KEEP: bool,
    >(
        plane: &[f32],
        out: &mut [f32],
        at: &mut [u32],
        base: u32,
    ) {
        let (oh, ow) = ((H - PH) / SH + 1, (W - PW) / SW + 1);
        for y in 0..oh {
            let out = &mut out[y * ow..(y + 1) * ow];
            let at = if KEEP { &mut at[y * ow..(y + 1) * ow] } else { &mut [][..] };
            if ow >= LANES {
                pool_row::<LANES, W, PH, PW, SH, SW, KEEP>(plane, y, out, at, base);
            } else {
                pool_row::<NARROW, W, PH, PW, SH, SW, KEEP>(plane, y, out, at, base);
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
/// compiles to faster selects than the same test with `>` and `is_nan`
/// (`docs/performance.md`).
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn pool_row<
    const L: usize,
    const W: usize,
    const PH: usize,
    const PW: usize,
    const SH: usize,
    const SW: usize,
    const KEEP: bool,
>(
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
            if KEEP {
                at[x0 + k] = at0 + offset[k];
            }
        }
        x += L;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let window = Window::new(2, [H, W], [PH, PW], [SH, SW], SAME);
            let positions = window.positions();
            let (mut out, mut argmax) = (vec![f32::NAN; 2 * positions], vec![u32::MAX; 2 * positions]);
            max_pool::<2, H, W, PH, PW, SH, SW, SAME>(&image, &mut out, Some(&mut argmax));
            let mut alone = vec![f32::NAN; 2 * positions];
            max_pool::<2, H, W, PH, PW, SH, SW, SAME>(&image, &mut alone, None);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&alone), bits(&out), "the maxima without their places");
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
}
