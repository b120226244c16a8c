//! Convolutions computed directly, without the window matrix, in no memory
//! but the output's, building without std:
//!
//! - [`shallow`]: the batched forward pass of a first convolution's shallow
//!   windows (one channel, 3x3: 9 values), where a matrix product that deep
//!   loads and stores its tiles for few multiplications; the bits of the
//!   window matrix's product.
//! - [`one_sample`]: any convolution's one sample, the one-sample pass of
//!   `layers::conv2d` (its view on every sample, the layer on a batch of
//!   one). A block of outputs of a few filters is summed in registers, each
//!   output its products in the order of the weights and then the bias, by
//!   fused multiply-adds (`libm::fmaf` without std: the same bits); on a
//!   CPU with AVX-512 eight filters at a time, in its 32 registers.
//!
//! Their measurements are in `docs/performance.md`.

use super::window::Window;

/// Largest window (`C·KH·KW` values) that [`shallow`] computes.
const SHALLOW_DEPTH: usize = 16;
/// Outputs of a row that [`shallow`] computes at once, per filter.
const SHALLOW_LANES: usize = 16;
/// Filters that [`shallow`] computes at once.
const SHALLOW_FILTERS: usize = 4;

/// Whether [`shallow`] computes the convolution of `window` with `filters`
/// filters: stride 1, no padding, windows of at most [`SHALLOW_DEPTH`]
/// values, output rows of at least [`SHALLOW_LANES`] values, filters in fours.
pub(crate) const fn applies(window: &Window, filters: usize) -> bool {
    window.sh == 1
        && window.sw == 1
        && window.ph == 0
        && window.pw == 0
        && window.depth() <= SHALLOW_DEPTH
        && window.ow >= SHALLOW_LANES
        && filters.is_multiple_of(SHALLOW_FILTERS)
}

/// `a · b + c`, rounded once.
#[cfg(feature = "std")]
#[inline(always)]
fn mul_add(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

/// Without std, libm's `fmaf`, which rounds once too: the same bits.
#[cfg(not(feature = "std"))]
#[inline(always)]
fn mul_add(a: f32, b: f32, c: f32) -> f32 {
    libm::fmaf(a, b, c)
}

crate::cpu::with_avx2! {
    /// The pre-activations of one sample of a convolution of stride 1
    /// without padding, directly: [`SHALLOW_FILTERS`] filters and
    /// [`SHALLOW_LANES`] outputs of a row at a time (the row's last block
    /// moved back to end at the row's end), each output the sum the window
    /// matrix's product makes (the window's products added in the same
    /// order, then the bias), without the window matrix. `weight` is
    /// `[F, C, KH, KW]`, `bias` `[F]`, `input` `[C, H, W]` and `output`
    /// `[F, OH, OW]`, row-major.
    pub(crate) fn shallow<const C: usize, const H: usize, const W: usize, const F: usize, const KH: usize, const KW: usize>(
        weight: &[f32],
        bias: &[f32],
        input: &[f32],
        output: &mut [f32],
    ) {
        let (oh, ow, depth) = (H - KH + 1, W - KW + 1, C * KH * KW);
        let (weight, bias, input) = (&weight[..F * depth], &bias[..F], &input[..C * H * W]);
        let output = &mut output[..F * oh * ow];
        for f0 in (0..F).step_by(SHALLOW_FILTERS) {
            for y in 0..oh {
                let mut start = 0;
                loop {
                    let x = start.min(ow - SHALLOW_LANES);
                    let mut acc = [[0.0f32; SHALLOW_LANES]; SHALLOW_FILTERS];
                    for c in 0..C {
                        for i in 0..KH {
                            let line = &input[(c * H + y + i) * W..(c * H + y + i + 1) * W];
                            for j in 0..KW {
                                let values: &[f32; SHALLOW_LANES] =
                                    line[x + j..x + j + SHALLOW_LANES].try_into().expect("a block of a row");
                                let k = (c * KH + i) * KW + j;
                                for (g, acc) in acc.iter_mut().enumerate() {
                                    let w = weight[(f0 + g) * depth + k];
                                    for (a, v) in acc.iter_mut().zip(values) {
                                        *a = mul_add(w, *v, *a);
                                    }
                                }
                            }
                        }
                    }
                    for (g, acc) in acc.iter().enumerate() {
                        let b = bias[f0 + g];
                        let at = ((f0 + g) * oh + y) * ow + x;
                        for (o, a) in output[at..at + SHALLOW_LANES].iter_mut().zip(acc) {
                            *o = a + b;
                        }
                    }
                    if x + SHALLOW_LANES >= ow {
                        break;
                    }
                    start += SHALLOW_LANES;
                }
            }
        }
    }
}

/// Outputs that [`one_sample`] computes at once, per filter, where a block
/// of a row (or of the wide rows) holds that many.
const LANES: usize = 16;
/// Outputs at once in rows narrower than [`LANES`].
const NARROW_LANES: usize = 8;

/// The pre-activations of one sample of any convolution: `F` filters of
/// `KH x KW` over `C` channels of `H x W`, stride `SH x SW`, Keras' same
/// padding when `SAME`. `weight` is `[F, C, KH, KW]`, `bias` `[F]`,
/// `input` `[C, H, W]` and `output` `[F, OH, OW]`, row-major. A block of
/// outputs of a few filters at a time is summed in registers, each output
/// its window's products added in the order of the weights, then the bias;
/// where [`shallow`] applies, it is that kernel (the bits of the window
/// matrix's product).
pub(crate) fn one_sample<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
>(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    if const { applies(&Window::new(C, [H, W], [KH, KW], [SH, SW], SAME), F) } {
        return shallow::<C, H, W, F, KH, KW>(weight, bias, input, output);
    }
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    {
        // Eight filters at a time in AVX-512's 32 registers, four in AVX2's 16.
        #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
        fn avx512<
            const C: usize,
            const H: usize,
            const W: usize,
            const F: usize,
            const KH: usize,
            const KW: usize,
            const SH: usize,
            const SW: usize,
            const SAME: bool,
        >(
            weight: &[f32],
            bias: &[f32],
            input: &[f32],
            output: &mut [f32],
        ) {
            blocks::<C, H, W, F, KH, KW, SH, SW, SAME, 8>(weight, bias, input, output);
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2<
            const C: usize,
            const H: usize,
            const W: usize,
            const F: usize,
            const KH: usize,
            const KW: usize,
            const SH: usize,
            const SW: usize,
            const SAME: bool,
        >(
            weight: &[f32],
            bias: &[f32],
            input: &[f32],
            output: &mut [f32],
        ) {
            blocks::<C, H, W, F, KH, KW, SH, SW, SAME, 4>(weight, bias, input, output);
        }
        if crate::cpu::has_avx512() {
            // SAFETY: the CPU has AVX-512 F and VL, AVX2 and FMA, checked just above.
            return unsafe { avx512::<C, H, W, F, KH, KW, SH, SW, SAME>(weight, bias, input, output) };
        }
        if crate::cpu::has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { avx2::<C, H, W, F, KH, KW, SH, SW, SAME>(weight, bias, input, output) };
        }
    }
    blocks::<C, H, W, F, KH, KW, SH, SW, SAME, 4>(weight, bias, input, output);
}

/// [`one_sample`], `G` filters at a time, by whichever of [`wide_rows`] and
/// [`rows`] applies.
#[inline(always)]
fn blocks<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    const G: usize,
>(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let window = const { Window::new(C, [H, W], [KH, KW], [SH, SW], SAME) };
    let (weight, bias, input) = (&weight[..F * C * KH * KW], &bias[..F], &input[..C * H * W]);
    let output = &mut output[..F * window.positions()];
    let wide = (window.oh - 1) * W + window.ow;
    if window.ph == 0 && window.pw == 0 && SH == 1 && SW == 1 && wide >= LANES {
        wide_rows::<C, H, W, F, KH, KW, G>(weight, bias, input, output);
    } else if window.ow >= LANES {
        rows::<C, H, W, F, KH, KW, SH, SW, G, LANES>(&window, weight, bias, input, output);
    } else {
        rows::<C, H, W, F, KH, KW, SH, SW, G, NARROW_LANES>(&window, weight, bias, input, output);
    }
}

/// [`one_sample`] without padding and of stride 1: output `(y, x)` is at
/// `q = y · W + x` of rows as wide as the input's, so that the outputs of a
/// block of [`LANES`] consecutive `q` read [`LANES`] consecutive input values
/// for each weight, across the ends of rows; the `q` of no output
/// (`x >= OW`) are computed and dropped.
#[inline(always)]
fn wide_rows<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const G: usize,
>(
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let (oh, ow, depth) = (H - KH + 1, W - KW + 1, C * KH * KW);
    let wide = (oh - 1) * W + ow;
    for f0 in (0..F).step_by(G) {
        let mut start = 0;
        loop {
            let q0 = start.min(wide - LANES);
            let mut acc = [[0.0f32; LANES]; G];
            for c in 0..C {
                for i in 0..KH {
                    for j in 0..KW {
                        let at = (c * H + i) * W + j + q0;
                        let values: &[f32; LANES] = input[at..at + LANES].try_into().expect("a block");
                        let k = (c * KH + i) * KW + j;
                        for (g, acc) in acc.iter_mut().enumerate() {
                            let w = weight[(f0 + g).min(F - 1) * depth + k];
                            for (a, v) in acc.iter_mut().zip(values) {
                                *a = mul_add(w, *v, *a);
                            }
                        }
                    }
                }
            }
            // The block's pieces of each wide row, the outputs' part of it.
            let mut q = q0;
            while q < q0 + LANES {
                let (y, x) = (q / W, q % W);
                let end = (q0 + LANES).min((y + 1) * W);
                if x < ow {
                    let n = (end - q).min(ow - x);
                    for (g, acc) in acc.iter().enumerate().take(F - f0) {
                        let (b, at) = (bias[f0 + g], ((f0 + g) * oh + y) * ow + x);
                        for (o, a) in output[at..at + n].iter_mut().zip(&acc[q - q0..q - q0 + n]) {
                            *o = a + b;
                        }
                    }
                }
                q = end;
            }
            if q0 + LANES >= wide {
                break;
            }
            start += LANES;
        }
    }
}

/// [`one_sample`] row by row, `L` outputs of a row at a time (the row's last
/// block moved back to end at its end; in a row narrower than `L`, the lanes
/// past it are dropped): any padding and stride.
#[inline(always)]
fn rows<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const G: usize,
    const L: usize,
>(
    window: &Window,
    weight: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let (oh, ow, ph, pw, depth) = (window.oh, window.ow, window.ph, window.pw, C * KH * KW);
    for f0 in (0..F).step_by(G) {
        for y in 0..oh {
            let mut start = 0;
            loop {
                let x0 = start.min(ow.saturating_sub(L));
                // Whether every lane's window lies inside the image's columns.
                let inside = x0 + L <= ow && x0 * SW >= pw && (x0 + L - 1) * SW + KW <= W + pw;
                let mut acc = [[0.0f32; L]; G];
                for c in 0..C {
                    for i in 0..KH {
                        let Some(iy) = (y * SH + i).checked_sub(ph).filter(|iy| *iy < H) else { continue };
                        let line = &input[(c * H + iy) * W..(c * H + iy + 1) * W];
                        for j in 0..KW {
                            let mut values = [0.0f32; L];
                            if inside {
                                let first = x0 * SW + j - pw;
                                if SW == 1 {
                                    values.copy_from_slice(&line[first..first + L]);
                                } else {
                                    for (v, x) in values.iter_mut().zip(line[first..].iter().step_by(SW)) {
                                        *v = *x;
                                    }
                                }
                            } else {
                                for (l, v) in values.iter_mut().enumerate() {
                                    let ix = ((x0 + l) * SW + j).checked_sub(pw).filter(|ix| *ix < W && x0 + l < ow);
                                    *v = ix.map_or(0.0, |ix| line[ix]);
                                }
                            }
                            let k = (c * KH + i) * KW + j;
                            for (g, acc) in acc.iter_mut().enumerate() {
                                let w = weight[(f0 + g).min(F - 1) * depth + k];
                                for (a, v) in acc.iter_mut().zip(&values) {
                                    *a = mul_add(w, *v, *a);
                                }
                            }
                        }
                    }
                }
                for (g, acc) in acc.iter().enumerate().take(F - f0) {
                    let (b, row) = (bias[f0 + g], ((f0 + g) * oh + y) * ow);
                    for (l, a) in acc.iter().enumerate().take(ow - x0) {
                        output[row + x0 + l] = a + b;
                    }
                }
                if x0 + L >= ow {
                    break;
                }
                start += L;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::{gemm, MatRef};

    /// `(k · 0.37 + phase).sin() · scale`, values of both signs and sizes.
    fn values(n: usize, scale: f32, phase: f32) -> Vec<f32> {
        (0..n).map(|k| (k as f32 * 0.37 + phase).sin() * scale).collect()
    }

    /// The direct convolution of one sample (one or two channels, rows of
    /// 18 and 16 outputs) bit for bit against the window matrix's product
    /// it stands in for, and within rounding of the definition summed in f64.
    #[test]
    fn shallow_gives_the_bits_of_the_window_matrix_and_matches_the_definition() {
        fn check<const C: usize, const H: usize, const W: usize, const F: usize, const KH: usize, const KW: usize>() {
            let window = Window::new(C, [H, W], [KH, KW], [1, 1], false);
            assert!(applies(&window, F));
            let (depth, positions) = (window.depth(), window.positions());
            let (weight, bias, input) = (values(F * depth, 0.3, 0.2), values(F, 0.2, 1.1), values(C * H * W, 0.9, 0.5));
            let mut output = vec![f32::NAN; F * positions];
            shallow::<C, H, W, F, KH, KW>(&weight, &bias, &input, &mut output);
            let ld = positions.next_multiple_of(16);
            let mut col = vec![0.0; depth * ld];
            window.im2col(&input, &mut col, ld);
            let mut product = vec![0.0; F * positions];
            for (column, bias) in product.chunks_exact_mut(positions).zip(&bias) {
                column.fill(*bias);
            }
            let weights = MatRef::col_major(&weight, depth, F);
            gemm(1.0, MatRef::col_major_ld(&col, positions, depth, ld), weights, 1.0, &mut product);
            for (got, want) in output.iter().zip(&product) {
                assert_eq!(got.to_bits(), want.to_bits(), "{got} against {want}");
            }
            for f in 0..F {
                for p in 0..positions {
                    let (y, x) = (p / window.ow, p % window.ow);
                    let mut sum = f64::from(bias[f]);
                    for (c, i, j) in (0..C).flat_map(|c| (0..KH).flat_map(move |i| (0..KW).map(move |j| (c, i, j)))) {
                        let v = f64::from(input[(c * H + y + i) * W + x + j]);
                        sum += v * f64::from(weight[((f * C + c) * KH + i) * KW + j]);
                    }
                    let got = f64::from(output[f * positions + p]);
                    assert!((got - sum).abs() < 1e-5, "f {f} p {p}: {got} vs {sum}");
                }
            }
        }
        check::<1, 6, 20, 8, 3, 3>();
        check::<2, 5, 18, 4, 2, 2>();
    }

    /// One sample of every kind of convolution against the definition
    /// summed in f64: the wide rows (valid, stride 1), rows of blocks of
    /// 16 and of 8 outputs (same padding, strides 2), a row narrower than a
    /// block, filters that leave a partial group.
    #[test]
    fn one_sample_matches_the_definition() {
        fn check<
            const C: usize,
            const H: usize,
            const W: usize,
            const F: usize,
            const KH: usize,
            const KW: usize,
            const SH: usize,
            const SW: usize,
            const SAME: bool,
        >() {
            let window = Window::new(C, [H, W], [KH, KW], [SH, SW], SAME);
            let (weight, bias, input) =
                (values(F * C * KH * KW, 0.3, 0.2), values(F, 0.2, 1.1), values(C * H * W, 0.9, 0.5));
            let mut output = vec![f32::NAN; F * window.positions()];
            one_sample::<C, H, W, F, KH, KW, SH, SW, SAME>(&weight, &bias, &input, &mut output);
            if !applies(&window, F) {
                // Four filters at a time or eight (AVX2's copy or AVX-512's): the same bits.
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                let (mut four, mut eight) = (vec![f32::NAN; output.len()], vec![f32::NAN; output.len()]);
                blocks::<C, H, W, F, KH, KW, SH, SW, SAME, 4>(&weight, &bias, &input, &mut four);
                blocks::<C, H, W, F, KH, KW, SH, SW, SAME, 8>(&weight, &bias, &input, &mut eight);
                assert_eq!((bits(&four), bits(&eight)), (bits(&output), bits(&output)));
            }
            for f in 0..F {
                for (y, x) in (0..window.oh).flat_map(|y| (0..window.ow).map(move |x| (y, x))) {
                    let mut sum = f64::from(bias[f]);
                    for (c, i, j) in (0..C).flat_map(|c| (0..KH).flat_map(move |i| (0..KW).map(move |j| (c, i, j)))) {
                        let (iy, ix) =
                            ((y * SH + i) as isize - window.ph as isize, (x * SW + j) as isize - window.pw as isize);
                        if (0..H as isize).contains(&iy) && (0..W as isize).contains(&ix) {
                            let v = f64::from(input[(c * H + iy as usize) * W + ix as usize]);
                            sum += v * f64::from(weight[((f * C + c) * KH + i) * KW + j]);
                        }
                    }
                    let got = f64::from(output[(f * window.oh + y) * window.ow + x]);
                    assert!(
                        (got - sum).abs() < 1e-5,
                        "{C}x{H}x{W}, {F} of {KH}x{KW}/{SH}x{SW} {SAME}: f {f} y {y} x {x}: {got} vs {sum}"
                    );
                }
            }
        }
        check::<2, 7, 9, 3, 3, 3, 1, 1, false>();
        check::<32, 13, 13, 9, 3, 3, 1, 1, false>();
        check::<3, 6, 20, 5, 3, 5, 1, 1, true>();
        check::<2, 7, 9, 6, 3, 3, 1, 1, true>();
        check::<2, 9, 36, 4, 3, 3, 2, 2, true>();
        check::<2, 9, 9, 4, 3, 3, 2, 2, false>();
        check::<2, 8, 7, 9, 3, 2, 2, 1, true>();
        check::<2, 3, 3, 2, 3, 3, 1, 1, false>();
        check::<1, 6, 20, 8, 3, 3, 1, 1, false>();
    }
}
