//! A convolution computed directly, without the window matrix: for the
//! shallow windows of a first convolution (one channel, 3x3: 9 values), where
//! a matrix product that deep loads and stores its tiles for few
//! multiplications (the MNIST CNN's first convolution ran at about 40
//! GFLOP/s a thread through it, against 90-100 for deep products).

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
}
