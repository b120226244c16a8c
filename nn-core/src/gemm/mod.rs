//! The one matrix product of the hot loop.
//!
//! nalgebra multiplies fully static matrices column by column; its packed GEMM is
//! only reached through dynamic dimensions. Every product in training and batched
//! inference goes through [`gemm`] instead, on the matrices' storage directly.
//!
//! The kernel is a small BLIS-style one: `B` is packed into panels of
//! [`kernel::NR`] columns, `A` into panels of [`kernel::MR`] rows, and an AVX2/FMA
//! micro-kernel (chosen at run time, with a portable fallback) computes each
//! `MR x NR` block of `C`. The packing memory lives in thread-local buffers that
//! grow to the largest product seen and are then reused, so after the first
//! training step no product allocates. (The crates measured for this, matrixmultiply
//! and gemm, allocate their packing memory on every call.)

mod kernel;

use kernel::{Tile, MR, NR};
use std::cell::RefCell;

/// Depth of one packed block (`k` per pass): a `B` panel of `NR x KC` stays in L1.
const KC: usize = 256;
/// Rows of `A` packed at once: an `MC x KC` block stays in L2.
const MC: usize = 128;
/// Columns of `B` packed at once.
const NC: usize = 2048;

/// A read-only matrix over a slice, with element strides (column-major when `rs == 1`).
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> MatRef<'a> {
    /// A column-major `rows x cols` matrix stored in `data`.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows * cols` values (a bug in the caller).
    pub fn col_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert!(data.len() >= rows * cols, "matrix of {rows}x{cols} over {} values", data.len());
        MatRef { data, rows, cols, rs: 1, cs: rows }
    }

    /// The transpose, as a view of the same values.
    pub fn t(self) -> Self {
        MatRef { rows: self.cols, cols: self.rows, rs: self.cs, cs: self.rs, ..self }
    }
}

/// `c = alpha * a * b + beta * c`, with `c` column-major `a.rows x b.cols`.
///
/// With `beta == 0`, `c` is overwritten without being read.
///
/// # Panics
/// If the shapes do not agree or `c` is too short (bugs in the caller, not user input).
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "gemm: inner dimensions {k} and {} differ", b.rows);
    assert!(c.len() >= m * n, "gemm: output of {m}x{n} over {} values", c.len());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for v in &mut c[..m * n] {
            *v = if beta == 0.0 { 0.0 } else { beta * *v };
        }
        return;
    }
    PACKING.with(|buffers| {
        let mut buffers = buffers.borrow_mut();
        let Packing { a: packed_a, b: packed_b } = &mut *buffers;
        for j0 in (0..n).step_by(NC) {
            let nc = NC.min(n - j0);
            for p0 in (0..k).step_by(KC) {
                let kc = KC.min(k - p0);
                let packed_b = grow(packed_b, nc.div_ceil(NR) * NR * kc);
                pack_b(b, p0, kc, j0, nc, packed_b);
                let beta = if p0 == 0 { beta } else { 1.0 };
                for i0 in (0..m).step_by(MC) {
                    let mc = MC.min(m - i0);
                    let packed_a = grow(packed_a, mc.div_ceil(MR) * MR * kc);
                    pack_a(a, i0, mc, p0, kc, packed_a);
                    for (jp, b_panel) in packed_b.chunks_exact(NR * kc).enumerate() {
                        let j = jp * NR;
                        for (ip, a_panel) in packed_a.chunks_exact(MR * kc).enumerate() {
                            let i = ip * MR;
                            let tile = Tile {
                                // SAFETY (of the offset): i0 + i < m and j0 + j < n, so the
                                // offset is inside `c`, which holds m * n values.
                                c: unsafe { c.as_mut_ptr().add(i0 + i + (j0 + j) * m) },
                                ldc: m,
                                rows: MR.min(mc - i),
                                cols: NR.min(nc - j),
                                alpha,
                                beta,
                            };
                            // SAFETY: the panels hold MR * kc and NR * kc values, and the
                            // tile's rows and columns lie within `c` (m rows, n columns).
                            unsafe { kernel::run(kc, a_panel.as_ptr(), b_panel.as_ptr(), &tile) };
                        }
                    }
                }
            }
        }
    });
}

/// Per-thread packing memory, reused across calls.
#[derive(Default)]
struct Packing {
    a: Vec<f32>,
    b: Vec<f32>,
}

thread_local! {
    static PACKING: RefCell<Packing> = RefCell::new(Packing::default());
}

/// The first `len` values of `buffer`, growing it only when it is too short.
fn grow(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
    &mut buffer[..len]
}

/// Pack rows `i0..i0 + mc`, columns `p0..p0 + kc` of `a` into panels of `MR` rows:
/// panel after panel, `MR` values per column, zero-padded past the last row.
fn pack_a(a: MatRef<'_>, i0: usize, mc: usize, p0: usize, kc: usize, out: &mut [f32]) {
    for (ip, panel) in out.chunks_exact_mut(MR * kc).enumerate() {
        let rows = MR.min(mc - ip * MR);
        let first = i0 + ip * MR;
        for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
            let column = (p0 + p) * a.cs;
            if a.rs == 1 {
                let start = first + column;
                dst[..rows].copy_from_slice(&a.data[start..start + rows]);
            } else {
                for (r, d) in dst[..rows].iter_mut().enumerate() {
                    *d = a.data[(first + r) * a.rs + column];
                }
            }
            dst[rows..].fill(0.0);
        }
    }
}

/// Pack rows `p0..p0 + kc`, columns `j0..j0 + nc` of `b` into panels of `NR`
/// columns: panel after panel, `NR` values per row, zero-padded past the last column.
fn pack_b(b: MatRef<'_>, p0: usize, kc: usize, j0: usize, nc: usize, out: &mut [f32]) {
    for (jp, panel) in out.chunks_exact_mut(NR * kc).enumerate() {
        let cols = NR.min(nc - jp * NR);
        let first = j0 + jp * NR;
        if cols < NR {
            panel.fill(0.0);
        }
        for j in 0..cols {
            let column = (first + j) * b.cs;
            for p in 0..kc {
                panel[p * NR + j] = b.data[(p0 + p) * b.rs + column];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference product in f64 of `a` (m x k) and `b` (k x n) given as `MatRef`s.
    fn naive(a: MatRef<'_>, b: MatRef<'_>) -> Vec<f64> {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let at = |x: MatRef<'_>, i: usize, j: usize| f64::from(x.data[i * x.rs + j * x.cs]);
        let mut c = vec![0.0; m * n];
        for j in 0..n {
            for i in 0..m {
                c[i + j * m] = (0..k).map(|p| at(a, i, p) * at(b, p, j)).sum();
            }
        }
        c
    }

    fn values(len: usize, seed: f32) -> Vec<f32> {
        (0..len).map(|v| ((v as f32 + seed) * 0.618).sin()).collect()
    }

    /// Compare with the reference for every combination of transposes and for
    /// beta 0 (overwrite) and 1 (accumulate).
    fn check(m: usize, k: usize, n: usize) {
        let (a, at) = (values(m * k, 1.0), values(m * k, 2.0));
        let (b, bt) = (values(k * n, 3.0), values(k * n, 4.0));
        let initial = values(m * n, 5.0);
        let lhs = [MatRef::col_major(&a, m, k), MatRef::col_major(&at, k, m).t()];
        let rhs = [MatRef::col_major(&b, k, n), MatRef::col_major(&bt, n, k).t()];
        for a in lhs {
            for b in rhs {
                let expected = naive(a, b);
                for beta in [0.0, 1.0] {
                    let mut c = initial.clone();
                    gemm(1.0, a, b, beta, &mut c);
                    for (idx, (got, want)) in c.iter().zip(&expected).enumerate() {
                        let want = want + f64::from(beta * initial[idx]);
                        assert!(
                            (f64::from(*got) - want).abs() < 1e-4 * (1.0 + (k as f64).sqrt()),
                            "{m}x{k}x{n}, beta {beta}, element {idx}: {got} vs {want}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn matches_the_reference_across_block_and_tile_edges() {
        for &(m, k, n) in &[
            (1, 1, 1),
            (5, 7, 3),
            (16, 8, 6),
            (17, 9, 7),
            (33, 300, 13),
            (130, 20, 5),
            (10, 128, 32),
            (128, 32, 10),
            (3, 513, 2),
        ] {
            check(m, k, n);
        }
    }

    #[test]
    fn the_mlps_shapes_match_the_reference() {
        check(128, 784, 32);
        check(784, 128, 32);
        check(128, 32, 784);
    }

    #[test]
    fn alpha_scales_the_product() {
        let a = [1.0, 2.0];
        let b = [3.0];
        let mut c = [10.0, 20.0];
        gemm(2.0, MatRef::col_major(&a, 2, 1), MatRef::col_major(&b, 1, 1), 1.0, &mut c);
        assert_eq!(c, [16.0, 32.0]);
    }

    #[test]
    fn an_empty_inner_dimension_gives_beta_times_c() {
        let mut c = [3.0, 4.0];
        gemm(1.0, MatRef::col_major(&[], 2, 0), MatRef::col_major(&[], 0, 1), 0.0, &mut c);
        assert_eq!(c, [0.0, 0.0]);
    }
}
