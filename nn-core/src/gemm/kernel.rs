//! The micro-kernels: a column of `MR x NR` tiles of `C` from `kc` steps of `A`
//! and `B`, and a matrix-vector product for products with one column.
//!
//! `A` is read as panels of up to `MR` rows, `MR` consecutive values per step of
//! `k`, steps `lda` apart: packed panels (`lda == MR`) or, in place, the rows of
//! a column-major matrix (`lda` its column stride). `B` is read as `NR` columns,
//! either row-like (step `p`, column `j` at `b + p * ldb + j`: a packed panel
//! with `ldb == NR`, or a row-major matrix) or column-like (`b + j * ldb + p`: a
//! column-major matrix), so neither operand needs a copy in the common cases.

/// Rows of `C` per micro-kernel call: two AVX registers of 8 `f32`.
pub const MR: usize = 16;
/// Columns of `C` per micro-kernel call (12 accumulators + 3 working registers).
pub const NR: usize = 6;

/// How the micro-kernel finds `B`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BLayout {
    /// Step `p`, column `j` at `b + p * ldb + j` (packed panels, row-major `B`).
    Rows,
    /// Step `p`, column `j` at `b + j * ldb + p` (column-major `B`).
    Cols,
}

/// One column of tiles: the `A` panels covering rows `0..rows` against one
/// `B` panel of `NR` columns, for `kc` steps, into `C`.
///
/// Panel `t` of `A` starts at `a + t * a_next` (`a_next == MR` for the rows of a
/// column-major matrix, `MR * kc` for packed panels); at step `p` its rows are
/// `MR` consecutive values from `p * lda`. `C` gets
/// `c[i + j * ldc] = alpha * acc[i][j] + beta * c[..]` for `i < rows`, `j < cols`;
/// with `beta == 0` it is never read.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub kc: usize,
    pub a: *const f32,
    pub lda: usize,
    pub a_next: usize,
    /// Rows of `A` that may be read, counted from the first: at least `rows`;
    /// more lets a last, partial panel be read with plain loads (a zero-padded
    /// packed panel, or rows of the matrix below the product's).
    pub a_rows: usize,
    pub b: *const f32,
    pub ldb: usize,
    pub b_layout: BLayout,
    pub c: *mut f32,
    pub ldc: usize,
    pub rows: usize,
    pub cols: usize,
    pub alpha: f32,
    pub beta: f32,
}

/// The operands of one tile: `kc` steps of an `A` panel and a `B` panel.
#[derive(Clone, Copy, Debug)]
struct Operands {
    kc: usize,
    a: *const f32,
    lda: usize,
    /// Rows of the `A` panel that may be read (at least the tile's rows).
    a_rows: usize,
    b: *const f32,
    ldb: usize,
    b_layout: BLayout,
}

/// Where one tile goes: `rows <= MR` rows and `cols <= NR` columns of `C`.
#[derive(Clone, Copy, Debug)]
struct Tile {
    c: *mut f32,
    ldc: usize,
    rows: usize,
    cols: usize,
    alpha: f32,
    beta: f32,
}

impl Column {
    /// Tile `t` (rows `t * MR..`) of the column.
    ///
    /// # Safety
    /// `t * MR < self.rows`, and the column satisfies the contract of [`run`].
    #[inline(always)]
    unsafe fn tile(&self, t: usize) -> (Operands, Tile) {
        let i = t * MR;
        // SAFETY: panel `t` and row `i` of the column exist (caller).
        let (a, c) = unsafe { (self.a.add(t * self.a_next), self.c.add(i)) };
        let ops = Operands {
            kc: self.kc,
            a,
            lda: self.lda,
            a_rows: self.a_rows - i,
            b: self.b,
            ldb: self.ldb,
            b_layout: self.b_layout,
        };
        let tile =
            Tile { c, ldc: self.ldc, rows: MR.min(self.rows - i), cols: self.cols, alpha: self.alpha, beta: self.beta };
        (ops, tile)
    }
}

/// Compute one column of tiles.
///
/// # Safety
/// For each panel `t < rows.div_ceil(MR)` and step `p < kc`, the first
/// `min(MR, a_rows - t * MR)` values from `a + t * a_next + p * lda` are
/// readable; `NR` columns of `B` are readable at every step as `b_layout` says;
/// `c` is valid for reads and writes of `rows` values in each of `cols` columns
/// spaced `ldc` apart; `rows <= a_rows`, `1 <= cols <= NR`, `kc >= 1`.
pub unsafe fn run(column: &Column) {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked above); the caller upholds the rest.
            return unsafe { avx2::run(column) };
        }
    }
    // SAFETY: upheld by the caller.
    unsafe { portable(column) }
}

#[cfg(target_arch = "x86_64")]
pub use crate::cpu::has_avx2_fma;

/// Any CPU: plain loops over the same operands.
///
/// # Safety
/// As for [`run`].
unsafe fn portable(column: &Column) {
    for t in 0..column.rows.div_ceil(MR) {
        // SAFETY: t * MR < rows; the caller upholds the rest.
        let (ops, tile) = unsafe { column.tile(t) };
        let mut acc = [[0.0f32; MR]; NR];
        for p in 0..ops.kc {
            // SAFETY: the caller guarantees the tile's rows of A readable at step `p`.
            let a = unsafe { std::slice::from_raw_parts(ops.a.add(p * ops.lda), tile.rows) };
            for (j, acc) in acc.iter_mut().enumerate() {
                let at = match ops.b_layout {
                    BLayout::Rows => p * ops.ldb + j,
                    BLayout::Cols => j * ops.ldb + p,
                };
                // SAFETY: the caller guarantees NR readable columns of B at step `p`.
                let b = unsafe { *ops.b.add(at) };
                for (c, a) in acc.iter_mut().zip(a) {
                    *c += a * b;
                }
            }
        }
        for (j, acc) in acc.iter().enumerate().take(tile.cols) {
            // SAFETY: column `j < cols` of the tile holds `rows` valid values.
            let column = unsafe { std::slice::from_raw_parts_mut(tile.c.add(j * tile.ldc), tile.rows) };
            for (c, a) in column.iter_mut().zip(acc) {
                *c = if tile.beta == 0.0 { tile.alpha * a } else { tile.alpha * a + tile.beta * *c };
            }
        }
    }
}

/// One column of `C`: `y = alpha * A x + beta * y` (never reading `y` when
/// `beta == 0`) for a column-major `A` of `m` rows and `k` columns, a column
/// stride `lda`, and `x` with stride `incx`. Reading `A` once, column after
/// column, is all a product with one column can do; the tile kernel would
/// waste five of its six columns.
///
/// # Safety
/// `a + i + p * lda` is readable for `i < m`, `p < k`; `x + p * incx` is
/// readable for `p < k`; `y` is valid for reads and writes of `m` values;
/// `k >= 1`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gemv(
    m: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    x: *const f32,
    incx: usize,
    y: *mut f32,
    alpha: f32,
    beta: f32,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked above); the caller upholds the rest.
            return unsafe { avx2::gemv(m, k, a, lda, x, incx, y, alpha, beta) };
        }
    }
    // SAFETY: upheld by the caller.
    unsafe { portable_gemv(m, k, a, lda, x, incx, y, alpha, beta) }
}

/// Any CPU: [`gemv`] as plain loops.
///
/// # Safety
/// As for [`gemv`].
#[allow(clippy::too_many_arguments)]
unsafe fn portable_gemv(
    m: usize,
    k: usize,
    a: *const f32,
    lda: usize,
    x: *const f32,
    incx: usize,
    y: *mut f32,
    alpha: f32,
    beta: f32,
) {
    // SAFETY: the caller guarantees `m` valid values at `y`.
    let y = unsafe { std::slice::from_raw_parts_mut(y, m) };
    let mut acc = [0.0f32; 64];
    for (block, y) in y.chunks_mut(64).enumerate() {
        let acc = &mut acc[..y.len()];
        acc.fill(0.0);
        for p in 0..k {
            // SAFETY: column `p < k` holds `m` readable values, and `x` `k`.
            let (column, xp) =
                unsafe { (std::slice::from_raw_parts(a.add(block * 64 + p * lda), acc.len()), *x.add(p * incx)) };
            for (s, v) in acc.iter_mut().zip(column) {
                *s += v * xp;
            }
        }
        for (y, s) in y.iter_mut().zip(acc.iter()) {
            *y = if beta == 0.0 { alpha * s } else { alpha * s + beta * *y };
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{BLayout, Column, Operands, Tile, MR, NR};
    use std::arch::x86_64::*;

    /// Eight -1s then eight 0s: the 8 lanes read from `MASKS[8 - r..]` select the
    /// first `r` lanes.
    static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

    /// The lane mask selecting the first `r <= 8` lanes.
    #[inline(always)]
    unsafe fn mask(r: usize) -> __m256i {
        // SAFETY: `8 - r <= 8`, so the 8 lanes read lie within the 16 of MASKS.
        unsafe { _mm256_loadu_si256(MASKS.as_ptr().add(8 - r.min(8)).cast()) }
    }

    /// Which rows of the `A` panel the loop reads, and how.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Rows {
        /// 16 rows, two plain loads per step.
        Full16,
        /// 9 to 15 rows: a plain load and a masked one.
        Masked16,
        /// At most 8 rows with 8 readable: one plain load per step.
        Full8,
        /// Fewer than 8 rows readable: one masked load per step.
        Masked8,
    }

    /// # Safety
    /// The CPU supports AVX2 and FMA, and the contract of [`super::run`] holds.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn run(column: &Column) {
        for t in 0..column.rows.div_ceil(MR) {
            // SAFETY: t * MR < rows; the caller upholds the rest.
            unsafe {
                let (ops, tile) = column.tile(t);
                run_tile(&ops, &tile);
            }
        }
    }

    /// One tile, with the loads that the rows readable allow.
    ///
    /// # Safety
    /// As for [`super::run`], for this tile.
    #[inline(always)]
    unsafe fn run_tile(ops: &Operands, tile: &Tile) {
        let readable = ops.a_rows.min(MR);
        let rows = match (tile.rows, readable) {
            (r, _) if r <= 8 => {
                if readable >= 8 {
                    Rows::Full8
                } else {
                    Rows::Masked8
                }
            }
            (_, MR) => Rows::Full16,
            _ => Rows::Masked16,
        };
        if tile.beta != 0.0 {
            // The tile of C is read after the loop over k: ask for its lines
            // now, so that they arrive during the loop (with beta = 1 the
            // tiles of a weight matrix being updated in place are often in
            // the other core's cache, or out of L1).
            for j in 0..tile.cols {
                // SAFETY: the first and last of the tile's rows in column `j <
                // cols`, which the caller guarantees valid; a prefetch reads nothing.
                unsafe {
                    let column = tile.c.add(j * tile.ldc);
                    _mm_prefetch::<_MM_HINT_T0>(column.cast());
                    _mm_prefetch::<_MM_HINT_T0>(column.add(tile.rows - 1).cast());
                }
            }
        }
        // SAFETY: the caller's contract, and the row kind matches what is readable.
        unsafe {
            let acc = match (ops.b_layout, rows) {
                (BLayout::Rows, Rows::Full16) => columns::<false, 0>(ops, readable, tile.cols),
                (BLayout::Rows, Rows::Masked16) => columns::<false, 1>(ops, readable, tile.cols),
                (BLayout::Rows, Rows::Full8) => columns::<false, 2>(ops, readable, tile.cols),
                (BLayout::Rows, Rows::Masked8) => columns::<false, 3>(ops, readable, tile.cols),
                (BLayout::Cols, Rows::Full16) => columns::<true, 0>(ops, readable, tile.cols),
                (BLayout::Cols, Rows::Masked16) => columns::<true, 1>(ops, readable, tile.cols),
                (BLayout::Cols, Rows::Full8) => columns::<true, 2>(ops, readable, tile.cols),
                (BLayout::Cols, Rows::Masked8) => columns::<true, 3>(ops, readable, tile.cols),
            };
            store(&acc, tile);
        }
    }

    /// [`product`] computing only as many columns as the tile has, rounded up
    /// to 2, 4 or 6: the last, narrow panel of a product (2 of the 32 columns
    /// of a batch, or 4 of a thread's 16) then costs about a third or two
    /// thirds of a full one instead of as much.
    ///
    /// # Safety
    /// As for [`product`].
    #[inline(always)]
    unsafe fn columns<const COLS: bool, const KIND: u8>(
        ops: &Operands,
        readable: usize,
        cols: usize,
    ) -> [[__m256; 2]; NR] {
        // SAFETY: as for `product`, which reads no more columns than NR.
        unsafe {
            match cols {
                1 | 2 => product::<COLS, KIND, 2>(ops, readable),
                3 | 4 => product::<COLS, KIND, 4>(ops, readable),
                _ => product::<COLS, KIND, NR>(ops, readable),
            }
        }
    }

    /// The accumulators of `kc` steps: `acc[j] = [rows 0..8, rows 8..16]` of column `j`
    /// for the first `N <= NR` columns (the others are zero).
    /// `COLS` selects [`BLayout::Cols`]; `KIND` is a [`Rows`] as 0..=3.
    ///
    /// # Safety
    /// As for [`super::run`], with `readable` rows of `A` readable per step.
    #[inline(always)]
    unsafe fn product<const COLS: bool, const KIND: u8, const N: usize>(
        ops: &Operands,
        readable: usize,
    ) -> [[__m256; 2]; NR] {
        // SAFETY: every load stays within what the caller guarantees readable:
        // `readable` values of A per step (masked loads read no more), and NR
        // values of B per step, at the offsets of its layout.
        unsafe {
            let zero = _mm256_setzero_ps();
            let mut c = [[zero; 2]; NR];
            let mask_lo = mask(readable);
            let mask_hi = mask(readable.saturating_sub(8));
            let (lda, ldb) = (ops.lda, ops.ldb);
            if KIND == 0 && N == NR {
                return full_tile::<COLS>(ops);
            }
            let mut a = ops.a;
            let mut b = ops.b;
            for _ in 0..ops.kc {
                let (a0, a1) = match KIND {
                    0 => (_mm256_loadu_ps(a), _mm256_loadu_ps(a.add(8))),
                    1 => (_mm256_loadu_ps(a), _mm256_maskload_ps(a.add(8), mask_hi)),
                    2 => (_mm256_loadu_ps(a), zero),
                    _ => (_mm256_maskload_ps(a, mask_lo), zero),
                };
                for (j, cj) in c.iter_mut().enumerate().take(N) {
                    let bj = _mm256_broadcast_ss(&*b.add(if COLS { j * ldb } else { j }));
                    cj[0] = _mm256_fmadd_ps(a0, bj, cj[0]);
                    if KIND < 2 {
                        cj[1] = _mm256_fmadd_ps(a1, bj, cj[1]);
                    }
                }
                a = a.add(lda);
                b = b.add(if COLS { 1 } else { ldb });
            }
            c
        }
    }

    /// Steps of `k` ahead at which [`full_tile`] asks for the line of `A` it
    /// will read (48 cycles of the loop, several times the latency of L2), when
    /// the loop has at least `PREFETCH_MIN_KC` steps; a shorter one (the weight
    /// gradient's, whose `k` is the batch) would mostly ask for lines past its
    /// end, and asks for the current line instead, which costs nothing.
    const PREFETCH_STEPS: usize = 8;
    const PREFETCH_MIN_KC: usize = 128;

    /// [`product`] for a full tile of 16 rows, the loop written out in
    /// assembly. Compiled from the intrinsics, the six broadcasts of `B` in
    /// [`BLayout::Cols`] found their columns through a chain of five
    /// additions per step; here they are addressed from two pointers as
    /// `b`, `b + ldb`, `b + 2·ldb`, which the loads compute themselves
    /// (as BLIS's kernels for these cores do), and each step asks for the line
    /// of `A` that [`PREFETCH_STEPS`] steps later will read.
    ///
    /// # Safety
    /// As for [`product`] with 16 readable rows of `A` per step, and `kc >= 1`;
    /// the CPU supports AVX2 and FMA.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn full_tile<const COLS: bool>(ops: &Operands) -> [[__m256; 2]; NR] {
        let zero = _mm256_setzero_ps();
        let [mut c00, mut c01, mut c10, mut c11, mut c20, mut c21] = [zero; 6];
        let [mut c30, mut c31, mut c40, mut c41, mut c50, mut c51] = [zero; 6];
        let lda = ops.lda * 4;
        // In bytes: from one column (Cols) or one step (Rows) of B to the next.
        let (ldb, next) = if COLS { (ops.ldb * 4, 4) } else { (4, ops.ldb * 4) };
        // SAFETY: the loop reads 16 values of A per step, `lda` bytes apart,
        // and the six values of B at each step, for `kc >= 1` steps: what the
        // caller guarantees readable (a prefetch past the end reads nothing and
        // cannot fault). It writes no memory and uses no stack.
        unsafe {
            std::arch::asm!(
                "2:",
                "vmovups {a0}, ymmword ptr [{a}]",
                "vmovups {a1}, ymmword ptr [{a} + 32]",
                "prefetcht0 [{a} + {pf}]",
                "add {a}, {lda}",
                "vbroadcastss {t}, dword ptr [{b}]",
                "vfmadd231ps {c00}, {a0}, {t}",
                "vfmadd231ps {c01}, {a1}, {t}",
                "vbroadcastss {t}, dword ptr [{b} + {ldb}]",
                "vfmadd231ps {c10}, {a0}, {t}",
                "vfmadd231ps {c11}, {a1}, {t}",
                "vbroadcastss {t}, dword ptr [{b} + 2*{ldb}]",
                "vfmadd231ps {c20}, {a0}, {t}",
                "vfmadd231ps {c21}, {a1}, {t}",
                "vbroadcastss {t}, dword ptr [{b3}]",
                "vfmadd231ps {c30}, {a0}, {t}",
                "vfmadd231ps {c31}, {a1}, {t}",
                "vbroadcastss {t}, dword ptr [{b3} + {ldb}]",
                "vfmadd231ps {c40}, {a0}, {t}",
                "vfmadd231ps {c41}, {a1}, {t}",
                "vbroadcastss {t}, dword ptr [{b3} + 2*{ldb}]",
                "vfmadd231ps {c50}, {a0}, {t}",
                "vfmadd231ps {c51}, {a1}, {t}",
                "add {b}, {next}",
                "add {b3}, {next}",
                "dec {k}",
                "jnz 2b",
                a = inout(reg) ops.a => _,
                b = inout(reg) ops.b => _,
                b3 = inout(reg) ops.b.byte_add(3 * ldb) => _,
                k = inout(reg) ops.kc => _,
                lda = in(reg) lda,
                pf = in(reg) if ops.kc >= PREFETCH_MIN_KC { lda * PREFETCH_STEPS } else { 0 },
                ldb = in(reg) ldb,
                next = in(reg) next,
                a0 = out(ymm_reg) _,
                a1 = out(ymm_reg) _,
                t = out(ymm_reg) _,
                c00 = inout(ymm_reg) c00,
                c01 = inout(ymm_reg) c01,
                c10 = inout(ymm_reg) c10,
                c11 = inout(ymm_reg) c11,
                c20 = inout(ymm_reg) c20,
                c21 = inout(ymm_reg) c21,
                c30 = inout(ymm_reg) c30,
                c31 = inout(ymm_reg) c31,
                c40 = inout(ymm_reg) c40,
                c41 = inout(ymm_reg) c41,
                c50 = inout(ymm_reg) c50,
                c51 = inout(ymm_reg) c51,
                options(nostack, readonly),
            );
        }
        [[c00, c01], [c10, c11], [c20, c21], [c30, c31], [c40, c41], [c50, c51]]
    }

    /// [`super::gemv`] with AVX2: 64 rows at a time in eight registers, then the
    /// rest 8 rows at a time (the last masked).
    ///
    /// # Safety
    /// The CPU supports AVX2 and FMA, and the contract of [`super::gemv`] holds.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn gemv(
        m: usize,
        k: usize,
        a: *const f32,
        lda: usize,
        x: *const f32,
        incx: usize,
        y: *mut f32,
        alpha: f32,
        beta: f32,
    ) {
        // SAFETY: loads of `A` stay within rows `< m` of columns `< k` (the
        // last group of 8 rows is masked to what is left), loads of `x` within
        // its `k` values, and loads and stores of `y` within its `m` values.
        unsafe {
            let alpha_v = _mm256_set1_ps(alpha);
            let beta_v = _mm256_set1_ps(beta);
            let finish = |acc: __m256, y: *mut f32, rows: usize| {
                let mask = mask(rows);
                let mut out = _mm256_mul_ps(alpha_v, acc);
                if beta != 0.0 {
                    out = _mm256_fmadd_ps(beta_v, _mm256_maskload_ps(y, mask), out);
                }
                if rows == 8 {
                    _mm256_storeu_ps(y, out);
                } else {
                    store_first(y, out, rows);
                }
            };
            let mut i = 0;
            while i + 64 <= m {
                let mut acc = [_mm256_setzero_ps(); 8];
                let mut column = a.add(i);
                for p in 0..k {
                    let xp = _mm256_broadcast_ss(&*x.add(p * incx));
                    for (r, acc) in acc.iter_mut().enumerate() {
                        *acc = _mm256_fmadd_ps(_mm256_loadu_ps(column.add(8 * r)), xp, *acc);
                    }
                    column = column.add(lda);
                }
                for (r, acc) in acc.iter().enumerate() {
                    finish(*acc, y.add(i + 8 * r), 8);
                }
                i += 64;
            }
            while i < m {
                let rows = (m - i).min(8);
                let mask = mask(rows);
                // Four sums over alternating steps, to hide the FMA latency.
                let mut acc = [_mm256_setzero_ps(); 4];
                let step = |acc: &mut __m256, p: usize| {
                    let xp = _mm256_broadcast_ss(&*x.add(p * incx));
                    *acc = _mm256_fmadd_ps(_mm256_maskload_ps(a.add(i + p * lda), mask), xp, *acc);
                };
                let mut p = 0;
                while p + 4 <= k {
                    for (u, acc) in acc.iter_mut().enumerate() {
                        step(acc, p + u);
                    }
                    p += 4;
                }
                for p in p..k {
                    step(&mut acc[0], p);
                }
                let sum = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
                finish(sum, y.add(i), rows);
                i += rows;
            }
        }
    }

    /// Write the accumulators into the tile: `alpha * acc + beta * c`.
    ///
    /// # Safety
    /// As for [`super::run`].
    #[inline(always)]
    unsafe fn store(acc: &[[__m256; 2]; NR], tile: &Tile) {
        // SAFETY: loads and stores of `c` are limited (masked, or by count) to
        // the tile's `rows` and to its `cols` columns, which the caller
        // guarantees valid.
        unsafe {
            let alpha = _mm256_set1_ps(tile.alpha);
            let beta = _mm256_set1_ps(tile.beta);
            let read = tile.beta != 0.0;
            if tile.rows == MR {
                for (j, cj) in acc.iter().enumerate().take(tile.cols) {
                    let out = tile.c.add(j * tile.ldc);
                    let (mut lo, mut hi) = (_mm256_mul_ps(alpha, cj[0]), _mm256_mul_ps(alpha, cj[1]));
                    if read {
                        lo = _mm256_fmadd_ps(beta, _mm256_loadu_ps(out), lo);
                        hi = _mm256_fmadd_ps(beta, _mm256_loadu_ps(out.add(8)), hi);
                    }
                    _mm256_storeu_ps(out, lo);
                    _mm256_storeu_ps(out.add(8), hi);
                }
            } else {
                let (mask_lo, mask_hi) = (mask(tile.rows), mask(tile.rows.saturating_sub(8)));
                for (j, cj) in acc.iter().enumerate().take(tile.cols) {
                    let out = tile.c.add(j * tile.ldc);
                    let (mut lo, mut hi) = (_mm256_mul_ps(alpha, cj[0]), _mm256_mul_ps(alpha, cj[1]));
                    if read {
                        lo = _mm256_fmadd_ps(beta, _mm256_maskload_ps(out, mask_lo), lo);
                        if tile.rows > 8 {
                            hi = _mm256_fmadd_ps(beta, _mm256_maskload_ps(out.add(8), mask_hi), hi);
                        }
                    }
                    if tile.rows >= 8 {
                        _mm256_storeu_ps(out, lo);
                        store_first(out.add(8), hi, tile.rows - 8);
                    } else {
                        store_first(out, lo, tile.rows);
                    }
                }
            }
        }
    }

    /// Store the first `n < 8` lanes of `v` at `out` with plain stores (masked
    /// stores are slow on AMD's cores).
    ///
    /// # Safety
    /// `out` is valid for writes of `n` values.
    #[inline(always)]
    unsafe fn store_first(out: *mut f32, v: __m256, n: usize) {
        // SAFETY: 4, then 2, then 1 values, `n` in all, at `out`.
        unsafe {
            let (mut out, mut n) = (out, n);
            let mut part = _mm256_castps256_ps128(v);
            if n >= 4 {
                _mm_storeu_ps(out, part);
                part = _mm256_extractf128_ps::<1>(v);
                out = out.add(4);
                n -= 4;
            }
            if n >= 2 {
                _mm_store_sd(out.cast(), _mm_castps_pd(part));
                part = _mm_movehl_ps(part, part);
                out = out.add(2);
                n -= 2;
            }
            if n == 1 {
                _mm_store_ss(out, part);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel under test: `portable` or `avx2::run`.
    type Kernel = unsafe fn(&Column);

    fn kernels() -> Vec<(&'static str, Kernel)> {
        let mut kernels: Vec<(&str, Kernel)> = vec![("portable", portable)];
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            kernels.push(("avx2", avx2::run));
        }
        kernels
    }

    /// The AVX2 kernel (when the CPU has it) and the portable one agree with a
    /// plain sum for every row count up to two panels, every column count, both
    /// `B` layouts, packed (panel after panel) and in-place `A`, exactly the
    /// rows readable or more, and the `beta` paths.
    #[test]
    fn kernels_match_a_plain_sum() {
        let kc = 7;
        let b: Vec<f32> = (0..NR * kc + 3).map(|v| (v as f32 * 0.71).cos()).collect();
        let a: Vec<f32> = (0..2 * MR * kc + 40 * kc).map(|v| (v as f32 * 0.37).sin()).collect();
        for layout in [BLayout::Rows, BLayout::Cols] {
            let ldb = match layout {
                BLayout::Rows => NR,
                BLayout::Cols => kc,
            };
            let b_at = |p: usize, j: usize| match layout {
                BLayout::Rows => b[p * ldb + j],
                BLayout::Cols => b[j * ldb + p],
            };
            for rows in 1..=2 * MR {
                // Packed panels (MR values per step, panel after panel) or the
                // rows of a column-major matrix with 40 rows.
                for (lda, a_next) in [(MR, MR * kc), (40, MR)] {
                    let a_at = |i: usize, p: usize| a[(i / MR) * a_next + p * lda + i % MR];
                    let most = if lda == MR { rows.next_multiple_of(MR) } else { 40 };
                    for a_rows in [rows, most] {
                        for cols in 1..=NR {
                            for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (2.0, -1.0)] {
                                let ldc = 2 * MR + 1;
                                let initial: Vec<f32> = (0..ldc * NR).map(|v| v as f32).collect();
                                let want = |i: usize, j: usize| {
                                    if i < rows && j < cols {
                                        let sum: f32 = (0..kc).map(|p| a_at(i, p) * b_at(p, j)).sum();
                                        alpha * sum + beta * initial[i + j * ldc]
                                    } else {
                                        initial[i + j * ldc]
                                    }
                                };
                                for (name, kernel) in kernels() {
                                    let mut c = initial.clone();
                                    let column = Column {
                                        kc,
                                        a: a.as_ptr(),
                                        lda,
                                        a_next,
                                        a_rows,
                                        b: b.as_ptr(),
                                        ldb,
                                        b_layout: layout,
                                        c: c.as_mut_ptr(),
                                        ldc,
                                        rows,
                                        cols,
                                        alpha,
                                        beta,
                                    };
                                    // SAFETY: `a` holds every panel and row read (at
                                    // most `a_rows` per panel and step), `b` NR columns
                                    // of kc steps, `c` NR columns of `ldc >= rows`.
                                    unsafe { kernel(&column) };
                                    for j in 0..NR {
                                        for i in 0..ldc {
                                            let (got, want) = (c[i + j * ldc], want(i, j));
                                            assert!(
                                                (got - want).abs() < 1e-4,
                                                "{name} {layout:?} rows {rows} lda {lda} readable {a_rows} \
                                                 cols {cols} alpha {alpha} beta {beta} ({i}, {j}): {got} vs {want}"
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Both matrix-vector kernels agree with a plain sum for row counts across
    /// the 64-row and 8-row blocks, strided `x`, and the `beta` paths.
    #[test]
    fn matrix_vector_kernels_match_a_plain_sum() {
        let (k, lda, incx) = (13, 150, 3);
        let a: Vec<f32> = (0..lda * k).map(|v| (v as f32 * 0.37).sin()).collect();
        let x: Vec<f32> = (0..incx * k).map(|v| (v as f32 * 0.71).cos()).collect();
        type Gemv = unsafe fn(usize, usize, *const f32, usize, *const f32, usize, *mut f32, f32, f32);
        let mut kernels: Vec<(&str, Gemv)> = vec![("portable", portable_gemv)];
        #[cfg(target_arch = "x86_64")]
        if has_avx2_fma() {
            kernels.push(("avx2", avx2::gemv));
        }
        for m in [1, 7, 8, 9, 63, 64, 65, 100, 129, 150] {
            for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (2.0, -1.0)] {
                let initial: Vec<f32> = (0..m + 1).map(|v| v as f32).collect();
                for &(name, kernel) in &kernels {
                    let mut y = initial.clone();
                    // SAFETY: `a` holds k columns of `lda >= m` values, `x` k values
                    // `incx` apart, `y` at least m values.
                    unsafe { kernel(m, k, a.as_ptr(), lda, x.as_ptr(), incx, y.as_mut_ptr(), alpha, beta) };
                    for i in 0..m {
                        let sum: f32 = (0..k).map(|p| a[i + p * lda] * x[p * incx]).sum();
                        let want = alpha * sum + beta * initial[i];
                        assert!((y[i] - want).abs() < 1e-4, "{name} m {m} row {i}: {} vs {want}", y[i]);
                    }
                    assert_eq!(y[m], initial[m], "{name} m {m} wrote past the end");
                }
            }
        }
    }
}
