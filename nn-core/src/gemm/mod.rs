#![cfg(feature = "std")]
//! The one matrix product of the hot loop.
//!
//! nalgebra multiplies fully static matrices column by column; its packed GEMM is
//! only reached through dynamic dimensions. Every product in training and batched
//! inference goes through [`gemm`] instead, on the matrices' storage directly.
//!
//! ```
//! use nn_core::gemm::{gemm, MatRef};
//!
//! // c (2x2) = a (2x3) · b (3x2), all column-major.
//! let a = [1.0, 4.0, 2.0, 5.0, 3.0, 6.0];
//! let b = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
//! let mut c = [0.0; 4];
//! gemm(1.0, MatRef::col_major(&a, 2, 3), MatRef::col_major(&b, 3, 2), 0.0, &mut c);
//! assert_eq!(c, [4.0, 10.0, 2.0, 5.0]);
//! ```
//!
//! # Design
//!
//! The kernel is BLIS-shaped: `C` is computed in tiles of 16 rows by 6 columns,
//! each by a micro-kernel that keeps the tile in twelve AVX registers and adds,
//! at each step of `k`, 16 values of `A` times 6 broadcast values of `B` (AVX2
//! and FMA, detected at run time; plain loops on other CPUs). `k` is cut into
//! equal passes of at most 256 steps and the rows into blocks of 128, for the
//! caches. What differs from a textbook BLIS is what the networks' shapes ask
//! for: both layouts of `B` and a column-major `A` are read where they lie (the
//! layers keep their weights on a cache line, [`crate::layers::Aligned`]) and
//! packed only where the copy pays; a short edge (the 10 rows of an output
//! layer) is read with a masked load, 16 lanes for 10 rows rather than 32; a product
//! with one column (one sample) is a matrix-vector loop; and each thread's
//! packing memory is allocated once, so no product allocates after the first
//! (`tests/alloc.rs` counts). A full tile's loop over `k` is written in
//! assembly, so that the six broadcasts of `B` take their addresses as BLIS's
//! kernels do.
//!
//! # Threads
//!
//! A product that gives each thread at least about a million floating-point
//! operations is shared between [`threads`] threads through a pool written
//! with `std` only (`pool`): the caller publishes the product and computes it
//! too, and the threads claim even chunks of columns (or of 16-row panels)
//! from an atomic counter, so a worker that wakes late takes none and the
//! caller only waits for chunks already started. [`set_threads`] (or the
//! `NN_THREADS` variable) sets the number of threads; `1` means no pool. A
//! caller that finds the pool busy computes alone, so the pool can neither
//! deadlock nor serialise independent callers.
//!
//! # Why a kernel of its own
//!
//! The matrixmultiply and gemm crates allocate packing memory on every call
//! (and rayon's job queues allocate too), where a training step here
//! allocates nothing. Measured on the MNIST MLP's products
//! (`cargo run --release --example bench_gemm`), this kernel at one thread is
//! 0.90 to 1.5 times matrixmultiply (nalgebra's `DMatrix::gemm`) and at two
//! threads 1.3 to 2.8 times; against the `gemm` crate on two threads, at
//! 128x784x32, 96 GFLOP/s against 40 (medians, alternating calls in one
//! process). On its best shapes it reaches 85-98 GFLOP/s on one core, where
//! a register-only loop of FMAs reaches 100-117 with 256-bit and 512-bit
//! registers alike, so no AVX-512 kernel was written. `docs/performance.md`
//! ("The matrix product") records every measurement and what was tried and
//! not kept.

mod kernel;
mod pool;

use kernel::{BLayout, Column, MR, NR};
use std::cell::RefCell;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Largest depth of one pass over `k`: `k` is cut into equal passes of at most
/// this many steps.
const KC: usize = 256;
/// Rows of `A` per block: an `MC x KC` block stays in L2 while the panels of
/// `B` go past it.
const MC: usize = 128;
/// A column-major `A` is packed when a thread's share has at least this many
/// columns and `k` at least this many steps; otherwise it is read in place.
const PACK_A_MIN_COLS: usize = 64;
const PACK_A_MIN_K: usize = 64;
/// Least work (in floating-point operations) that pays for one more thread.
pub(crate) const MIN_FLOPS_PER_THREAD: usize = 1 << 20;
/// Chunks per thread when a product is shared. One: every chunk of columns
/// re-reads all of `A`, and two or four per thread measured no better; the
/// chunks are still claimed, so a worker that is late leaves its chunk to the
/// caller.
const CHUNKS_PER_THREAD: usize = 1;

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

    /// A column-major `rows x cols` matrix whose columns start `ld` values
    /// apart in `data` (`ld >= rows`): a matrix padded so that each column
    /// starts on a cache line is read in place, without packing.
    ///
    /// # Panics
    /// If `ld < rows` or `data` is too short (a bug in the caller).
    pub fn col_major_ld(data: &'a [f32], rows: usize, cols: usize, ld: usize) -> Self {
        assert!(ld >= rows, "leading dimension {ld} below {rows} rows");
        assert!(
            cols == 0 || data.len() >= ld * (cols - 1) + rows,
            "matrix of {rows}x{cols} (ld {ld}) over {} values",
            data.len()
        );
        MatRef { data, rows, cols, rs: 1, cs: ld }
    }

    /// The transpose, as a view of the same values.
    pub fn t(self) -> Self {
        MatRef { rows: self.cols, cols: self.rows, rs: self.cs, cs: self.rs, ..self }
    }

    /// Pointer to element `(i, j)`.
    ///
    /// # Safety
    /// `i < rows` and `j < cols`.
    unsafe fn ptr(&self, i: usize, j: usize) -> *const f32 {
        // SAFETY: the offset of every element is below `data.len()` (checked by
        // the constructor; a transpose keeps the same offsets).
        unsafe { self.data.as_ptr().add(i * self.rs + j * self.cs) }
    }
}

/// The number of threads products use: the last [`set_threads`], or else the
/// environment variable `NN_THREADS` (read once), or else every core
/// (`std::thread::available_parallelism`).
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => default_threads(),
        n => n,
    }
}

/// Use `n` threads for large enough products from now on (`0`: back to the
/// default of [`threads`]).
///
/// With `n > 1`, the first product large enough to share starts `n - 1` worker
/// threads, which then live as long as the process and sleep when idle; with
/// `n == 1` no worker is started or used. A product is shared only when each
/// thread gets at least about a million floating-point operations (128x784
/// times 784x32 has 6.4 million); smaller ones run on the calling thread,
/// where waking a worker would cost more than it saves. The setting is global
/// to the process; a product started while another thread's product is using
/// the workers runs on its own thread.
///
/// ```
/// nn_core::gemm::set_threads(1); // products on the calling thread only
/// assert_eq!(nn_core::gemm::threads(), 1);
/// nn_core::gemm::set_threads(0); // back to NN_THREADS or every core
/// ```
pub fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The last [`set_threads`]; 0 for the default.
static THREADS: AtomicUsize = AtomicUsize::new(0);

fn default_threads() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        let from_env = std::env::var("NN_THREADS").ok().and_then(|v| v.trim().parse::<usize>().ok());
        match from_env {
            Some(n) if n > 0 => n,
            _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    })
}

/// `c = alpha * a * b + beta * c`, with `c` column-major `a.rows x b.cols`.
///
/// With `beta == 0`, `c` is overwritten without being read. Large products are
/// shared between [`threads`] threads. After the first call on a thread (and
/// the first call that starts the workers), no call allocates.
///
/// # Panics
/// If the shapes do not agree or `c` is too short (bugs in the caller, not user input).
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    gemm_with(threads(), MIN_FLOPS_PER_THREAD, alpha, a, b, beta, c, a.rows);
}

/// [`gemm`] into a `c` whose columns start `ldc` values apart (`ldc >= a.rows`).
///
/// # Panics
/// As [`gemm`], and if `ldc` is below the rows of `c`.
pub fn gemm_ld(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_with(threads(), MIN_FLOPS_PER_THREAD, alpha, a, b, beta, c, ldc);
}

/// [`gemm_ld`] with up to `threads` threads, each with at least `min_flops` of work.
#[allow(clippy::too_many_arguments)]
fn gemm_with(
    threads: usize,
    min_flops: usize,
    alpha: f32,
    a: MatRef<'_>,
    b: MatRef<'_>,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "gemm: inner dimensions {k} and {} differ", b.rows);
    assert!(ldc >= m, "gemm: output columns {ldc} apart for {m} rows");
    assert!(n == 0 || c.len() >= ldc * (n - 1) + m, "gemm: output of {m}x{n} (ld {ldc}) over {} values", c.len());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for column in c.chunks_mut(ldc).take(n) {
            for v in &mut column[..m] {
                *v = if beta == 0.0 { 0.0 } else { beta * *v };
            }
        }
        return;
    }
    if n == 1 && a.rs == 1 {
        // SAFETY: `a` is column-major with column stride `a.cs`, so element (i, p)
        // for i < m, p < k is at `i + p * a.cs` within its data; `b` holds k
        // values `b.rs` apart; `c` holds at least m values (checked above).
        unsafe { kernel::gemv(m, k, a.data.as_ptr(), a.cs, b.data.as_ptr(), b.rs, c.as_mut_ptr(), alpha, beta) };
        return;
    }
    let job = Product { alpha, a, b, beta, c: Dest { ptr: c.as_mut_ptr(), ld: ldc } };
    let split = Split::new(m, k, n, threads, min_flops);
    if split.threads > 1 {
        let next = AtomicUsize::new(0);
        let work = || {
            with_packing(|packing| loop {
                let chunk = next.fetch_add(1, Ordering::Relaxed);
                if chunk >= split.chunks {
                    break;
                }
                let range = split.range(chunk);
                if split.rows {
                    job.run(range, 0..n, packing)
                } else {
                    job.run(0..m, range, packing)
                }
            })
        };
        if pool::try_run(split.threads, &work, warm_up) {
            return;
        }
    }
    with_packing(|packing| job.run(0..m, 0..n, packing));
}

/// Call `f(slot, range)` on contiguous ranges covering `0..len`, each index
/// once, shared between up to [`threads`] threads with at least `min_len`
/// indices each (so a short loop stays on the calling thread); for
/// element-wise loops over long tensors and per-sample loops over batches, on
/// the products' worker threads. There are `pieces_per_thread` ranges per
/// thread (fewer if they would be shorter than `min_len`), claimed in turn: a
/// thread slowed by another process on its core takes fewer of them. `slot`
/// numbers the threads taking part, from 0, each below
/// [`threads_for`]`(len, min_len)`. Allocates nothing.
pub(crate) fn for_each_range<F: Fn(usize, Range<usize>) + Sync>(
    len: usize,
    min_len: usize,
    pieces_per_thread: usize,
    f: &F,
) {
    for_each_range_on(threads_for(len, min_len), len, min_len, pieces_per_thread, f);
}

/// [`for_each_range`] on at most `threads` threads, so that each `slot` is
/// below `threads` (a caller sizes per-thread scratch memory by it).
pub(crate) fn for_each_range_on<F: Fn(usize, Range<usize>) + Sync>(
    threads: usize,
    len: usize,
    min_len: usize,
    pieces_per_thread: usize,
    f: &F,
) {
    if threads > 1 {
        let pieces = (threads * pieces_per_thread.max(1)).min(len / min_len.max(1)).max(threads);
        let (next, slots) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let edge = |piece: usize| piece * len / pieces;
        let work = || {
            let slot = slots.fetch_add(1, Ordering::Relaxed);
            loop {
                let piece = next.fetch_add(1, Ordering::Relaxed);
                if piece >= pieces {
                    break;
                }
                f(slot, edge(piece)..edge(piece + 1));
            }
        };
        if pool::try_run(threads, &work, warm_up) {
            return;
        }
    }
    f(0, 0..len);
}

/// The most threads [`for_each_range`] uses for `len` indices with at least
/// `min_len` each.
pub(crate) fn threads_for(len: usize, min_len: usize) -> usize {
    threads().min(len / min_len.max(1)).max(1)
}

/// How one product is shared between threads: chunks of contiguous rows (in
/// whole `MR` panels) or columns (even shares), which the threads claim one
/// after the other until none is left.
#[derive(Clone, Copy, Debug)]
struct Split {
    threads: usize,
    chunks: usize,
    /// Split the rows (each thread reads its share of `A` and all of `B`), or
    /// else the columns.
    rows: bool,
    /// Panels along the split dimension, the panel size and the dimension.
    panels: usize,
    unit: usize,
    len: usize,
}

impl Split {
    fn new(m: usize, k: usize, n: usize, threads: usize, min_flops: usize) -> Self {
        // Columns, unless there are too few of them: each thread then reads
        // all of A but only its own columns of B, and writes whole columns of
        // C (with rows, both threads write the cache lines of C at the
        // boundary; measured slower at every MLP shape).
        let rows = n.div_ceil(NR) < 2 * threads && m.div_ceil(MR) > n.div_ceil(NR);
        let (unit, len) = if rows { (MR, m) } else { (NR, n) };
        let panels = len.div_ceil(unit);
        let flops = 2 * m * k * n;
        let threads = threads.min(flops / min_flops.max(1)).min(panels).max(1);
        let chunks = if threads > 1 { panels.min(threads * CHUNKS_PER_THREAD) } else { 1 };
        Split { threads, chunks, rows, panels, unit, len }
    }

    /// The indices of chunk `chunk`. Rows in whole panels, as evenly shared as
    /// they go; columns evenly, since a narrow last panel costs only its width
    /// (the kernel computes 2, 4 or 6 columns): at 32 columns on two threads,
    /// 16 each (two panels and a 4-column one) rather than 18 and 14 (three
    /// panels, the last of 2 columns), which was 3-4% slower for the forward
    /// pass at batch 32, alternating the two within one process.
    fn range(&self, chunk: usize) -> Range<usize> {
        let edge = |c: usize| {
            if self.rows {
                (c * self.panels / self.chunks * self.unit).min(self.len)
            } else {
                c * self.len / self.chunks
            }
        };
        edge(chunk)..edge(chunk + 1)
    }
}

/// One product `c = alpha * a * b + beta * c`, as shared between threads.
struct Product<'a> {
    alpha: f32,
    a: MatRef<'a>,
    b: MatRef<'a>,
    beta: f32,
    c: Dest,
}

/// The column-major output of a product.
#[derive(Clone, Copy)]
struct Dest {
    ptr: *mut f32,
    ld: usize,
}

// SAFETY: `Dest` points into the `&mut [f32]` that `gemm` holds for the whole
// product; the threads sharing it write disjoint row or column ranges.
unsafe impl Sync for Dest {}

impl Product<'_> {
    /// Compute rows `rows` and columns `cols` of `c`.
    fn run(&self, rows: Range<usize>, cols: Range<usize>, packing: &mut Packing) {
        let Product { alpha, a, b, beta: beta0, c } = *self;
        let k = a.cols;
        let passes = k.div_ceil(KC);
        let step = k.div_ceil(passes);
        // B is read where it lies for whole panels of NR columns (the
        // constructors give every matrix a unit row or column stride); a last,
        // narrower panel is packed, zero-padded, once per pass.
        let (b_layout, ldb) = if b.rs == 1 { (BLayout::Cols, b.cs) } else { (BLayout::Rows, b.rs) };
        debug_assert!(b.rs == 1 || b.cs == 1);
        // A column-major A is read in place when each step of a panel is one
        // cache line (the layers' weights are stored so), or else unless each
        // block of it meets enough panels of B to repay a copy into
        // contiguous, aligned panels.
        let lines = a.data.as_ptr().align_offset(64) == 0 && a.cs.is_multiple_of(MR);
        let a_direct = a.rs == 1 && (lines || cols.len() < PACK_A_MIN_COLS || k < PACK_A_MIN_K);
        let full_cols = cols.start + (cols.len() / NR) * NR;
        for p0 in (0..k).step_by(step) {
            let kc = step.min(k - p0);
            let beta = if p0 == 0 { beta0 } else { 1.0 };
            if full_cols < cols.end {
                pack_b(b, p0, kc, full_cols, cols.end - full_cols, &mut packing.b);
            }
            let Packing { a: a_buffer, b: b_buffer } = &mut *packing;
            let a_block = a_block(a_buffer);
            let b_panel = |j: usize| {
                if j < full_cols {
                    // SAFETY: p0 < k and j < n.
                    (unsafe { b.ptr(p0, j) }, ldb, b_layout)
                } else {
                    (b_buffer.as_ptr(), NR, BLayout::Rows)
                }
            };
            for i0 in rows.clone().step_by(MC) {
                let mc = MC.min(rows.end - i0);
                if !a_direct {
                    pack_a(a, i0, mc, p0, kc, a_block);
                }
                let (ap, lda, a_next, a_rows) = if a_direct {
                    // SAFETY: i0 < m and p0 < k. Rows i0.. of `a` are readable
                    // down to its last, beyond the block.
                    (unsafe { a.ptr(i0, p0) }, a.cs, MR, a.rows - i0)
                } else {
                    (a_block.as_ptr(), MR, MR * kc, mc.next_multiple_of(MR))
                };
                // Each panel of B (in L1) meets every panel of the A block (in L2).
                for j in cols.clone().step_by(NR) {
                    let (bp, ldb, b_layout) = b_panel(j);
                    let column = Column {
                        kc,
                        a: ap,
                        lda,
                        a_next,
                        a_rows,
                        b: bp,
                        ldb,
                        b_layout,
                        // SAFETY: i0 < m and j < n, so the offset is inside the
                        // output, which holds m * n values.
                        c: unsafe { c.ptr.add(i0 + j * c.ld) },
                        ldc: c.ld,
                        rows: mc,
                        cols: NR.min(cols.end - j),
                        alpha,
                        beta,
                    };
                    // SAFETY: the A panels have `a_rows` readable rows per step
                    // (rows of `a` in place, or the zero-padded packed block) for
                    // `kc` steps; the B panel has NR readable columns (NR columns
                    // of `b` in place, or the zero-padded packed panel); the tiles
                    // lie within rows `rows` and columns `cols` of the output,
                    // which this thread alone writes.
                    unsafe { kernel::run(&column) };
                }
            }
        }
    }
}

/// Per-thread packing memory: one block of `A`, one panel of `B`.
struct Packing {
    a: Vec<f32>,
    b: Vec<f32>,
}

thread_local! {
    static PACKING: RefCell<Packing> = const { RefCell::new(Packing { a: Vec::new(), b: Vec::new() }) };
}

/// The block of `A` in a thread's packing memory, starting on a cache line.
fn a_block(buffer: &mut [f32]) -> &mut [f32] {
    let skip = buffer.as_ptr().align_offset(64).min(16);
    &mut buffer[skip..skip + MC.next_multiple_of(MR) * KC]
}

/// Run `f` with this thread's packing memory, allocating it (at its largest
/// size, so that it never grows later) on the thread's first product.
fn with_packing<R>(f: impl FnOnce(&mut Packing) -> R) -> R {
    PACKING.with(|packing| {
        let mut packing = packing.borrow_mut();
        if packing.a.is_empty() {
            packing.a = vec![0.0; MC.next_multiple_of(MR) * KC + 16];
            packing.b = vec![0.0; NR * KC];
        }
        f(&mut packing)
    })
}

/// Allocate a new worker's packing memory before its first job.
fn warm_up() {
    with_packing(|_| ());
}

/// Pack rows `i0..i0 + mc`, columns `p0..p0 + kc` of `a` into panels of `MR` rows:
/// panel after panel, `MR` values per column, zero-padded past the last row.
fn pack_a(a: MatRef<'_>, i0: usize, mc: usize, p0: usize, kc: usize, out: &mut [f32]) {
    let out = &mut out[..mc.div_ceil(MR) * MR * kc];
    for (ip, panel) in out.chunks_exact_mut(MR * kc).enumerate() {
        let rows = MR.min(mc - ip * MR);
        let first = i0 + ip * MR;
        // Written in order, read with the row stride (for a row-major `a`, the
        // same few rows' cache lines, column after column).
        for (p, dst) in panel.chunks_exact_mut(MR).enumerate() {
            if a.rs == 1 {
                let start = first + (p0 + p) * a.cs;
                dst[..rows].copy_from_slice(&a.data[start..start + rows]);
            } else {
                for (r, d) in dst[..rows].iter_mut().enumerate() {
                    // SAFETY: first + r < i0 + mc <= m and p0 + p < p0 + kc <= k.
                    *d = unsafe { *a.ptr(first + r, p0 + p) };
                }
            }
            dst[rows..].fill(0.0);
        }
    }
}

/// Pack rows `p0..p0 + kc`, columns `j0..j0 + nr` (`nr <= NR`) of `b` into one
/// panel: `NR` values per row, zero-padded past the last column.
fn pack_b(b: MatRef<'_>, p0: usize, kc: usize, j0: usize, nr: usize, out: &mut [f32]) {
    let panel = &mut out[..NR * kc];
    if nr < NR {
        panel.fill(0.0);
    }
    for j in 0..nr {
        let column = &b.data[p0 * b.rs + (j0 + j) * b.cs..];
        for (p, dst) in panel.chunks_exact_mut(NR).enumerate() {
            dst[j] = column[p * b.rs];
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
    /// beta 0 (overwrite) and 1 (accumulate), on 1, 2 and 3 threads, each thread
    /// given work however small.
    fn check(m: usize, k: usize, n: usize) {
        for threads in [1, 2, 3] {
            check_with(threads, 0, m, k, n);
        }
    }

    fn check_with(threads: usize, min_flops: usize, m: usize, k: usize, n: usize) {
        let (a, at) = (values(m * k, 1.0), values(m * k, 2.0));
        let (b, bt) = (values(k * n, 3.0), values(k * n, 4.0));
        let initial = values(m * n, 5.0);
        let lhs = [MatRef::col_major(&a, m, k), MatRef::col_major(&at, k, m).t()];
        let rhs = [MatRef::col_major(&b, k, n), MatRef::col_major(&bt, n, k).t()];
        for a in lhs {
            for b in rhs {
                let expected = naive(a, b);
                for (alpha, beta) in [(1.0, 0.0), (1.0, 1.0), (-0.5, 2.0)] {
                    let mut c = initial.clone();
                    gemm_with(threads, min_flops, alpha, a, b, beta, &mut c, m);
                    for (idx, (got, want)) in c.iter().zip(&expected).enumerate() {
                        let want = f64::from(alpha) * want + f64::from(beta * initial[idx]);
                        assert!(
                            (f64::from(*got) - want).abs() < 1e-4 * (1.0 + (k as f64).sqrt()),
                            "{m}x{k}x{n} on {threads} threads, a {:?}, b {:?}, alpha {alpha}, beta {beta}, \
                             element {idx}: {got} vs {want}",
                            (a.rs, a.cs),
                            (b.rs, b.cs),
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
            (8, 3, 6),
            (9, 4, 12),
            (16, 8, 6),
            (17, 9, 7),
            (15, 2, 13),
            (24, 5, 1),
            (33, 300, 13),
            (130, 20, 5),
            (10, 128, 32),
            (128, 10, 32),
            (10, 32, 128),
            (128, 32, 10),
            (3, 513, 2),
            (MC + 17, 11, 19),
            (37, PACK_A_MIN_K, PACK_A_MIN_COLS),
            (MC + 9, PACK_A_MIN_K + 6, PACK_A_MIN_COLS + 2),
            (20, KC + 1, 8),
            (7, 2 * KC + 3, 14),
        ] {
            check(m, k, n);
        }
    }

    #[test]
    fn every_row_and_column_count_up_to_two_tiles() {
        for m in 1..=2 * MR + 1 {
            for n in 1..=2 * NR + 1 {
                check(m, 3, n);
            }
        }
    }

    #[test]
    fn the_mlps_shapes_match_the_reference() {
        for batch in [32, 128] {
            for &(m, k, n) in
                &[(128, 784, batch), (10, 128, batch), (10, batch, 128), (128, 10, batch), (128, batch, 784)]
            {
                check_with(1, MIN_FLOPS_PER_THREAD, m, k, n);
                check_with(2, MIN_FLOPS_PER_THREAD, m, k, n);
            }
        }
    }

    #[test]
    fn inference_sized_products_match_on_two_threads() {
        check_with(2, MIN_FLOPS_PER_THREAD, 128, 784, 1000);
        check_with(2, MIN_FLOPS_PER_THREAD, 10, 128, 1000);
    }

    /// Rows are shared in whole panels; columns evenly (chunk sizes differ by
    /// at most one), and no chunk is empty.
    #[test]
    fn splits_cover_each_index_once() {
        for (m, n) in [(128, 32), (10, 1000), (17, 5), (1000, 7)] {
            for threads in 1..=5 {
                let split = Split::new(m, 100, n, threads, 0);
                let mut next = 0;
                let sizes: Vec<usize> = (0..split.chunks).map(|c| split.range(c).len()).collect();
                for chunk in 0..split.chunks {
                    let range = split.range(chunk);
                    assert_eq!(range.start, next);
                    assert!(!range.is_empty(), "{m}x{n} on {threads} threads: chunk {chunk} is empty");
                    if split.rows {
                        assert!(range.start.is_multiple_of(split.unit));
                    }
                    next = range.end;
                }
                if !split.rows {
                    let (least, most) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                    assert!(most - least <= 1, "{m}x{n} on {threads} threads: chunks of {sizes:?}");
                }
                assert_eq!(next, if split.rows { m } else { n });
                assert!(split.threads <= threads && split.threads <= split.chunks);
            }
        }
    }

    #[test]
    fn small_products_stay_on_the_calling_thread() {
        assert_eq!(Split::new(10, 128, 32, 8, MIN_FLOPS_PER_THREAD).threads, 1);
        assert_eq!(Split::new(128, 784, 32, 2, MIN_FLOPS_PER_THREAD).threads, 2);
    }

    /// Products from several user threads at once, each wanting the workers:
    /// whoever finds them busy computes alone, and every result is right.
    #[test]
    fn concurrent_callers_all_get_the_right_product() {
        let (m, k, n) = (40, 50, 60);
        let a = values(m * k, 1.0);
        let b = values(k * n, 2.0);
        let expected = naive(MatRef::col_major(&a, m, k), MatRef::col_major(&b, k, n));
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    let mut c = vec![0.0; m * n];
                    for _ in 0..200 {
                        gemm_with(2, 0, 1.0, MatRef::col_major(&a, m, k), MatRef::col_major(&b, k, n), 0.0, &mut c, m);
                        for (got, want) in c.iter().zip(&expected) {
                            assert!((f64::from(*got) - want).abs() < 1e-3, "{got} vs {want}");
                        }
                    }
                });
            }
        });
    }

    /// Padded operands and output: `A` with columns 16 values apart on a
    /// cache line (read in place), `C` with columns `m + 5` apart, whose
    /// padding stays untouched.
    #[test]
    fn padded_columns_are_read_and_written_in_place() {
        for (m, k, n) in [(121usize, 288usize, 64usize), (13, 9, 32), (676, 9, 7)] {
            let lda = m.next_multiple_of(16);
            let mut storage = vec![0.0f32; lda * k + 16];
            let skip = storage.as_ptr().align_offset(64).min(16);
            let a_values = values(lda * k, 1.0);
            storage[skip..skip + lda * k].copy_from_slice(&a_values);
            let a = MatRef::col_major_ld(&storage[skip..skip + lda * k], m, k, lda);
            let b_values = values(k * n, 2.0);
            let b = MatRef::col_major(&b_values, k, n);
            let ldc = m + 5;
            let mut c = vec![f32::NAN; ldc * n];
            gemm_ld(1.0, a, b, 0.0, &mut c, ldc);
            let dense: Vec<f32> = (0..k).flat_map(|p| a_values[p * lda..p * lda + m].to_vec()).collect();
            let expected = naive(MatRef::col_major(&dense, m, k), b);
            for j in 0..n {
                for i in 0..m {
                    let (got, want) = (f64::from(c[i + j * ldc]), expected[i + j * m]);
                    assert!((got - want).abs() < 1e-3, "{m}x{k}x{n}: ({i}, {j}): {got} vs {want}");
                }
                assert!(
                    c[j * ldc + m..(j + 1) * ldc].iter().all(|v| v.is_nan()),
                    "the padding of column {j} is left alone"
                );
            }
        }
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
