//! 3x3 convolutions of stride 1 by Winograd's minimal filtering F(2x2, 3x3)
//! (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks",
//! 2015): 16 multiplications for each 2x2 block of outputs of a channel and
//! filter, where the window matrix (im2col) takes 36.
//!
//! The output is cut into tiles of 2x2 values, each computed from the 4x4
//! input values under it. For each filter `f` and channel `c` the 3x3 kernel
//! `g` becomes the 4x4 `U = G g Gᵀ`, and each tile's input `d` becomes
//! `V = Bᵀ d B`; then, at each of the 16 positions `ξ` of a 4x4 tile, one
//! matrix product sums over the channels, `M[ξ] = U[ξ] · V[ξ]` (filters x
//! channels times channels x tiles); and each tile's 2x2 output is
//! `Aᵀ M A`. The transforms only add and subtract (and halve, in `G`), so
//! the products, through the crate's GEMM, do nearly all the work, with
//! 16 · C · F · tiles multiplications against 9 · C · F · OH · OW.
//!
//! The backward pass uses the same pieces: the gradient to the input is a
//! convolution of the output's gradient ([`Winograd::forward`] with the
//! kernels turned half a turn, filters and channels swapped), and the weight
//! gradient is F(3x3, 2x2), read off F(2x2, 3x3) by transposition
//! ([`Winograd::add_weight_gradient`]).
//!
//! The results differ from the window matrix's by rounding only: both sum
//! the same terms, in a different order. The tests of `conv.rs` hold the
//! forward pass and both gradients within 1e-5 of their definitions summed
//! in f64.

use super::window::Window;
use crate::gemm::{gemm, gemm_ld, MatRef};

/// Values of one transformed tile, 4x4, or of one transformed kernel.
const TILE: usize = 16;

/// Fewest input channels for which the transformed products are used: the
/// products' depth is the channels, and a first convolution over one or
/// three channels stays on the window matrix (or the direct kernel of
/// `conv_direct.rs`). The MNIST CNN's second convolution, over 32, is faster
/// through them; sizes between were not measured.
const MIN_CHANNELS: usize = 16;

/// The tiles of one convolution's output, and where their inputs lie.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Winograd {
    window: Window,
    /// Tiles down and across: the output rows and columns, halved, up.
    tiles_down: usize,
    tiles_across: usize,
}

impl Winograd {
    /// The tiles of `window`'s output.
    pub const fn new(window: Window) -> Self {
        Winograd { window, tiles_down: window.oh.div_ceil(2), tiles_across: window.ow.div_ceil(2) }
    }

    /// Whether the convolution of `window` goes through Winograd: a 3x3
    /// kernel, stride 1, over at least [`MIN_CHANNELS`] channels.
    pub const fn applies(window: &Window) -> bool {
        window.kh == 3 && window.kw == 3 && window.sh == 1 && window.sw == 1 && window.c >= MIN_CHANNELS
    }

    const fn tiles(&self) -> usize {
        self.tiles_down * self.tiles_across
    }

    /// Rows and columns of a sample's input with the zeros around it that
    /// every tile reads: two per tile, plus the kernel's two.
    const fn padded(&self) -> (usize, usize) {
        (2 * self.tiles_down + 2, 2 * self.tiles_across + 2)
    }

    /// Scratch values [`Winograd::forward`] needs for `samples` samples of
    /// `filters` filters.
    pub const fn scratch_len(&self, filters: usize, samples: usize) -> usize {
        let (rows, cols) = self.padded();
        let columns = samples * self.tiles();
        (rows * cols * self.window.c).next_multiple_of(16)
            + (columns * TILE * self.window.c).next_multiple_of(16)
            + (columns * TILE * filters).next_multiple_of(16)
            + 4 * self.tiles() * filters
    }

    /// Scratch values [`Winograd::add_weight_gradient`] needs for `filters`
    /// filters: a sample's padded input, its tiles' `V`, the output
    /// gradient's tiles, and the sums of the products.
    pub fn gradient_scratch_len(&self, filters: usize) -> usize {
        let (rows, cols) = self.padded();
        let c = self.window.c;
        (rows * cols * c.max(filters)).next_multiple_of(16)
            + (self.tiles() * TILE * c).next_multiple_of(16)
            + (self.tiles() * TILE * filters).next_multiple_of(16)
            + TILE * c * filters
    }

    /// Add one sample's weight gradient to the sums in `scratch` (starting
    /// them afresh when `first`): `input` is the sample's `[C, H, W]`,
    /// `delta` the gradient of its pre-activations, `[F, OH, OW]`.
    ///
    /// The gradient of a 3x3 kernel is a correlation of the input with the
    /// output's gradient, 3x3 values out: Winograd's F(3x3, 2x2), read off
    /// F(2x2, 3x3) (its transpose): for each 2x2 tile `δ` of the output's
    /// gradient and the 4x4 input `d` under it, `Gᵀ [(A δ Aᵀ) ⊙ (Bᵀ d B)] G`,
    /// summed over the tiles before the last transform. The input's `V` is
    /// made as in the forward pass; at each of the 16 positions one matrix
    /// product sums over the tiles, filters x tiles times tiles x channels.
    pub fn add_weight_gradient<const C: usize, const F: usize>(
        &self,
        input: &[f32],
        delta: &[f32],
        first: bool,
        scratch: &mut [f32],
    ) {
        let window = &self.window;
        let (rows, cols) = self.padded();
        let tiles = self.tiles();
        let (padded, rest) = scratch.split_at_mut((rows * cols * C.max(F)).next_multiple_of(16));
        let (transformed, rest) = rest.split_at_mut((tiles * TILE * C).next_multiple_of(16));
        let (gradients, sums) = rest.split_at_mut((tiles * TILE * F).next_multiple_of(16));
        channels_last::<C>(&input[..C * window.h * window.w], window, rows, cols, padded);
        for ty in 0..self.tiles_down {
            for tx in 0..self.tiles_across {
                let tile = ty * self.tiles_across + tx;
                let start = (2 * ty * cols + 2 * tx) * C;
                input_tile::<C>(padded, start, cols * C, &mut transformed[tile * TILE * C..][..TILE * C]);
            }
        }
        // The output's gradient, channels last, zeros past its edge.
        let outputs = Window { c: F, h: window.oh, w: window.ow, oh: 0, ow: 0, ph: 0, pw: 0, ..*window };
        let (out_rows, out_cols) = (2 * self.tiles_down, 2 * self.tiles_across);
        channels_last::<F>(&delta[..F * window.oh * window.ow], &outputs, out_rows, out_cols, padded);
        for ty in 0..self.tiles_down {
            for tx in 0..self.tiles_across {
                let tile = ty * self.tiles_across + tx;
                let start = (2 * ty * out_cols + 2 * tx) * F;
                gradient_tile::<F>(padded, start, out_cols * F, &mut gradients[tile * F..], tiles * F);
            }
        }
        for xi in 0..TILE {
            gemm(
                1.0,
                MatRef::col_major(&gradients[xi * tiles * F..(xi + 1) * tiles * F], F, tiles),
                MatRef::col_major_ld(&transformed[xi * C..], C, tiles, TILE * C).t(),
                if first { 0.0 } else { 1.0 },
                &mut sums[xi * F * C..(xi + 1) * F * C],
            );
        }
    }

    /// The weight gradient, `[F, C, 3, 3]`, from the sums in `scratch` that
    /// [`Winograd::add_weight_gradient`] made: `Gᵀ M G` for every filter
    /// and channel.
    // `q` picks both a column of the sums and of `t`: an index reads best.
    #[allow(clippy::needless_range_loop)]
    pub fn weight_gradient<const C: usize, const F: usize>(&self, scratch: &[f32], gradient: &mut [f32]) {
        let (rows, cols) = self.padded();
        let tiles = self.tiles();
        let skip = (rows * cols * C.max(F)).next_multiple_of(16)
            + (tiles * TILE * C).next_multiple_of(16)
            + (tiles * TILE * F).next_multiple_of(16);
        let sums = &scratch[skip..skip + TILE * F * C];
        let gradient = &mut gradient[..F * C * 9];
        for f in 0..F {
            for c in 0..C {
                let m = |xi: usize| sums[xi * F * C + c * F + f];
                // Gᵀ M: rows m0 + (m1 + m2)/2, (m1 - m2)/2, (m1 + m2)/2 + m3.
                let mut t = [[0.0f32; 4]; 3];
                for q in 0..4 {
                    let (m0, m1, m2, m3) = (m(q), m(4 + q), m(8 + q), m(12 + q));
                    t[0][q] = m0 + 0.5 * (m1 + m2);
                    t[1][q] = 0.5 * (m1 - m2);
                    t[2][q] = 0.5 * (m1 + m2) + m3;
                }
                // (Gᵀ M) G: the same on the columns.
                let g = &mut gradient[(f * C + c) * 9..][..9];
                for (r, [m0, m1, m2, m3]) in t.into_iter().enumerate() {
                    g[3 * r] = m0 + 0.5 * (m1 + m2);
                    g[3 * r + 1] = 0.5 * (m1 - m2);
                    g[3 * r + 2] = 0.5 * (m1 + m2) + m3;
                }
            }
        }
    }

    /// Values of the kernels [`Winograd::kernels`] makes for `filters`
    /// filters over `channels` channels.
    pub const fn kernels_len(channels: usize, filters: usize) -> usize {
        TILE * channels * filters
    }

    /// The kernels [`Winograd::forward`] takes for `OUT` filters over `IN`
    /// channels, `kernel(filter, channel)` each (3x3, row-major), read from
    /// `weight`: those in `kernels` ([`Winograd::kernels_len`] values) when
    /// `made_from` holds the same weights, bit for bit (a prediction's
    /// batches after its first), else made afresh.
    pub fn kernels<'a, const IN: usize, const OUT: usize>(
        kernel: impl Fn(usize, usize) -> [f32; 9],
        weight: &[f32],
        made_from: &mut Vec<f32>,
        kernels: &'a mut [f32],
    ) -> &'a [f32] {
        let same = made_from.len() == weight.len()
            && made_from
                .chunks(16)
                .zip(weight.chunks(16))
                .all(|(a, b)| a.iter().zip(b).fold(0, |differ, (x, y)| differ | (x.to_bits() ^ y.to_bits())) == 0);
        let kernels = &mut kernels[..TILE * IN * OUT];
        if !same {
            transform_kernels::<IN, OUT>(kernel, kernels);
            made_from.clear();
            made_from.extend_from_slice(weight);
        }
        kernels
    }

    /// The pre-activations (the convolution plus `bias`) of `samples`
    /// samples of `input` (`[C, H, W]` each) into `output` (`[F, OH, OW]`
    /// each), from the kernels [`Winograd::kernels`] made of the weights,
    /// put in place as `placement` says.
    #[allow(clippy::too_many_arguments)]
    pub fn forward<const C: usize, const F: usize>(
        &self,
        placement: Placement,
        kernels: &[f32],
        bias: &[f32],
        input: &[f32],
        samples: usize,
        output: &mut [f32],
        scratch: &mut [f32],
    ) {
        let window = &self.window;
        let (rows, cols) = self.padded();
        let (tiles, columns) = (self.tiles(), samples * self.tiles());
        let (padded, rest) = scratch.split_at_mut((rows * cols * C).next_multiple_of(16));
        let (transformed, rest) = rest.split_at_mut((columns * TILE * C).next_multiple_of(16));
        let (products, grid) = rest.split_at_mut((columns * TILE * F).next_multiple_of(16));
        let grid = &mut grid[..4 * tiles * F];
        let (image, positions) = (C * window.h * window.w, window.oh * window.ow);
        // Each tile's V, [ξ][c], one tile after another.
        for s in 0..samples {
            channels_last::<C>(&input[s * image..(s + 1) * image], window, rows, cols, padded);
            for ty in 0..self.tiles_down {
                for tx in 0..self.tiles_across {
                    let column = s * tiles + ty * self.tiles_across + tx;
                    let start = (2 * ty * cols + 2 * tx) * C;
                    input_tile::<C>(padded, start, cols * C, &mut transformed[column * TILE * C..][..TILE * C]);
                }
            }
        }
        // M[ξ] = U[ξ] · V[ξ]: filters x tiles, each tile's M again [ξ][f].
        for xi in 0..TILE {
            gemm_ld(
                1.0,
                MatRef::col_major(&kernels[xi * F * C..(xi + 1) * F * C], F, C),
                MatRef::col_major_ld(&transformed[xi * C..], C, columns, TILE * C),
                0.0,
                &mut products[xi * F..],
                TILE * F,
            );
        }
        let (tiles_across, size) = (self.tiles_across, [window.oh, window.ow]);
        for s in 0..samples {
            let output = &mut output[s * F * positions..(s + 1) * F * positions];
            let products = &products[s * tiles * TILE * F..(s + 1) * tiles * TILE * F];
            if placement == Placement::Grid {
                place_through_grid::<F>(products, bias, tiles_across, size, grid, output);
                continue;
            }
            // Straight to their places, in code compiled for any CPU, which
            // measured faster than compiled for AVX2 or as a function of its
            // own (`docs/performance.md`).
            for ty in 0..self.tiles_down {
                for tx in 0..tiles_across {
                    let tile = ty * tiles_across + tx;
                    let values = tile_outputs::<F>(&products[tile * TILE * F..][..TILE * F], bias);
                    for (i, y) in (2 * ty..(2 * ty + 2).min(window.oh)).enumerate() {
                        for (j, x) in (2 * tx..(2 * tx + 2).min(window.ow)).enumerate() {
                            let at = y * window.ow + x;
                            for (f, value) in values[2 * i + j].iter().enumerate() {
                                output[f * positions + at] = *value;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How [`Winograd::forward`] puts each tile's outputs in their places,
/// `[F, OH, OW]`: the tile's values for one filter are 2x2 of a channel,
/// and the next filter's are a channel further on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Each tile's values straight to their places, filter after filter:
    /// the faster when the output is in the cache (`predict`'s batches of
    /// 12 samples through the MNIST CNN; `docs/performance.md`).
    Direct,
    /// Every tile's values into a channels-last grid first, then each
    /// channel's values from there, in order: the faster when the output's
    /// lines come from memory (the gradient to the input of the MNIST CNN's
    /// second convolution, for a training batch of 128; `docs/performance.md`).
    Grid,
}

crate::cpu::with_avx2! {
    /// [`output_tile`] for all `F` filters.
    fn tile_outputs<const F: usize>(m: &[f32], bias: &[f32]) -> [[f32; F]; 4] {
        output_tile::<F>(m, lane::<F>(bias, 0))
    }
}

crate::cpu::with_avx2! {
    /// One sample's outputs, `[F, OH, OW]` (`size`), from the products of its
    /// tiles (`tiles_across` to a row), through `grid`.
    fn place_through_grid<const F: usize>(
        products: &[f32],
        bias: &[f32],
        tiles_across: usize,
        size: [usize; 2],
        grid: &mut [f32],
        output: &mut [f32],
    ) {
        let [oh, ow] = size;
        let (positions, cols) = (oh * ow, 2 * tiles_across);
        let output = &mut output[..F * positions];
        let bias = lane::<F>(bias, 0);
        for (tile, m) in products.chunks_exact(TILE * F).enumerate() {
            let (y0, x0) = (2 * (tile / tiles_across), 2 * (tile % tiles_across));
            for (k, values) in output_tile::<F>(m, bias).iter().enumerate() {
                let at = ((y0 + k / 2) * cols + x0 + k % 2) * F;
                grid[at..at + F].copy_from_slice(values);
            }
        }
        for (f, channel) in output.chunks_exact_mut(positions).enumerate() {
            for (y, row) in channel.chunks_exact_mut(ow).enumerate() {
                for (x, value) in row.iter_mut().enumerate() {
                    *value = grid[(y * cols + x) * F + f];
                }
            }
        }
    }
}

/// `U = G g Gᵀ` for every filter and channel, of the 3x3 `kernel(filter,
/// channel)`, into `kernels`: at each tile position `ξ` the `F x C`
/// column-major matrix of the filters' transformed kernels.
fn transform_kernels<const C: usize, const F: usize>(kernel: impl Fn(usize, usize) -> [f32; 9], kernels: &mut [f32]) {
    let kernels = &mut kernels[..TILE * C * F];
    for c in 0..C {
        for f in 0..F {
            let g = kernel(f, c);
            // G g: 4 rows of 3 (G's rows: g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2).
            let mut gg = [[0.0f32; 3]; 4];
            for q in 0..3 {
                let (a, b, d) = (g[q], g[3 + q], g[6 + q]);
                gg[0][q] = a;
                gg[1][q] = 0.5 * (a + b + d);
                gg[2][q] = 0.5 * (a - b + d);
                gg[3][q] = d;
            }
            // (G g) Gᵀ: the same on the rows.
            for (r, [a, b, d]) in gg.into_iter().enumerate() {
                let row = [a, 0.5 * (a + b + d), 0.5 * (a - b + d), d];
                for (q, value) in row.into_iter().enumerate() {
                    kernels[(r * 4 + q) * F * C + c * F + f] = value;
                }
            }
        }
    }
}

/// One sample's `[C, H, W]` values as `[rows, cols, C]`, at the window's
/// padding from the top left, zeros elsewhere. (Eight channels of eight
/// pixels at a time, each block turned in registers, measured slower:
/// `docs/performance.md`.)
fn channels_last<const C: usize>(input: &[f32], window: &Window, rows: usize, cols: usize, padded: &mut [f32]) {
    let padded = &mut padded[..rows * cols * C];
    padded.fill(0.0);
    let (h, w) = (window.h.min(rows - window.ph), window.w.min(cols - window.pw));
    for c in 0..C {
        let channel = &input[c * window.h * window.w..(c + 1) * window.h * window.w];
        for y in 0..h {
            let line = &channel[y * window.w..y * window.w + w];
            let start = ((y + window.ph) * cols + window.pw) * C + c;
            for (x, value) in line.iter().enumerate() {
                padded[start + x * C] = *value;
            }
        }
    }
}

/// `N` values of `values` from `start`, as an array.
#[inline(always)]
fn lane<const N: usize>(values: &[f32], start: usize) -> &[f32; N] {
    values[start..start + N].try_into().expect("a slice of N values")
}

crate::cpu::with_avx2! {
    /// `V = Bᵀ d B` of the tile whose 4x4 input values start at `start` of
    /// `padded` (channels last, rows `row` values apart), into `v` as [ξ][c],
    /// all channels at once. Additions and subtractions only, so every CPU
    /// gives the same bits.
    // `q` picks both a column of the tile's input and of `t`: an index reads best.
    #[allow(clippy::needless_range_loop)]
    fn input_tile<const C: usize>(padded: &[f32], start: usize, row: usize, v: &mut [f32]) {
        // Bᵀ d, as [r][q][c]: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3.
        let mut t = [[[0.0f32; C]; 4]; 4];
        for q in 0..4 {
            let d = |r: usize| lane::<C>(padded, start + r * row + q * C);
            let (d0, d1, d2, d3) = (d(0), d(1), d(2), d(3));
            for c in 0..C {
                t[0][q][c] = d0[c] - d2[c];
                t[1][q][c] = d1[c] + d2[c];
                t[2][q][c] = d2[c] - d1[c];
                t[3][q][c] = d1[c] - d3[c];
            }
        }
        // (Bᵀ d) B: the same on the columns.
        let v: &mut [[f32; C]] = v[..TILE * C].as_chunks_mut::<C>().0;
        for (t, v) in t.iter().zip(v.chunks_exact_mut(4)) {
            let [v0, v1, v2, v3] = v else { unreachable!("chunks of four") };
            for c in 0..C {
                v0[c] = t[0][c] - t[2][c];
                v1[c] = t[1][c] + t[2][c];
                v2[c] = t[2][c] - t[1][c];
                v3[c] = t[1][c] - t[3][c];
            }
        }
    }
}

crate::cpu::with_avx2! {
    /// `A δ Aᵀ` of the 2x2 tile of the output's gradient whose values start
    /// at `start` of `padded` (channels last, rows `row` values apart), into
    /// `v` as [ξ][f], each ξ's `stride` values after the last's, all filters
    /// at once: `A`'s rows are (1, 0), (1, 1), (1, -1), (0, -1). Additions
    /// and subtractions only.
    fn gradient_tile<const F: usize>(padded: &[f32], start: usize, row: usize, v: &mut [f32], stride: usize) {
        let (a, b) = (lane::<F>(padded, start), lane::<F>(padded, start + F));
        let (c, d) = (lane::<F>(padded, start + row), lane::<F>(padded, start + row + F));
        let mut t = [[0.0f32; F]; TILE];
        for f in 0..F {
            // A δ: rows (a, b), (a + c, b + d), (a - c, b - d), (-c, -d);
            // then each row (u, w) becomes (u, u + w, u - w, -w).
            let rows = [(a[f], b[f]), (a[f] + c[f], b[f] + d[f]), (a[f] - c[f], b[f] - d[f]), (-c[f], -d[f])];
            for (r, (u, w)) in rows.into_iter().enumerate() {
                t[4 * r][f] = u;
                t[4 * r + 1][f] = u + w;
                t[4 * r + 2][f] = u - w;
                t[4 * r + 3][f] = -w;
            }
        }
        for (xi, t) in t.iter().enumerate() {
            v[xi * stride..xi * stride + F].copy_from_slice(t);
        }
    }
}

/// `Aᵀ M A` plus the bias, for `L` filters of the tile whose products
/// `m` holds as [ξ][f], each ξ's `stride` values after the last's: the
/// tile's four outputs, top left, top right, bottom left, bottom right.
/// Additions only, so every CPU gives the same bits.
#[inline(always)]
fn output_tile<const L: usize>(m: &[f32], bias: &[f32; L]) -> [[f32; L]; 4] {
    let m: &[[f32; L]] = m[..TILE * L].as_chunks::<L>().0;
    // Aᵀ M, as [i][q][f]: rows m0 + m1 + m2 and m1 - m2 - m3.
    let mut t = [[[0.0f32; L]; 4]; 2];
    for q in 0..4 {
        let (m0, m1, m2, m3) = (&m[q], &m[4 + q], &m[8 + q], &m[12 + q]);
        for f in 0..L {
            t[0][q][f] = m0[f] + m1[f] + m2[f];
            t[1][q][f] = m1[f] - m2[f] - m3[f];
        }
    }
    let mut y = [[0.0f32; L]; 4];
    for (i, t) in t.iter().enumerate() {
        for f in 0..L {
            y[2 * i][f] = t[0][f] + t[1][f] + t[2][f] + bias[f];
            y[2 * i + 1][f] = t[1][f] - t[2][f] - t[3][f] + bias[f];
        }
    }
    y
}
