//! The micro-kernel: a `MR x NR` block of `C` from packed panels of `A` and `B`.
//!
//! Panels are packed by `super::pack_*`: an `A` panel holds `MR` rows, column by
//! column (`MR` values per step of `k`); a `B` panel holds `NR` columns, row by row.

/// Rows of `C` per micro-kernel call: two AVX registers of 8 `f32`.
pub const MR: usize = 16;
/// Columns of `C` per micro-kernel call (12 accumulators + 3 working registers).
pub const NR: usize = 6;

/// Where the micro-kernel writes: `c[i + j * ldc] = alpha * acc[i][j] + beta * c[..]`
/// for `i < rows`, `j < cols`; with `beta == 0` it never reads `c`.
pub struct Tile {
    pub c: *mut f32,
    pub ldc: usize,
    pub rows: usize,
    pub cols: usize,
    pub alpha: f32,
    pub beta: f32,
}

/// Compute one tile from `kc` steps of the packed panels `a` (`MR * kc` values)
/// and `b` (`NR * kc` values).
///
/// # Safety
/// `a` and `b` hold at least `MR * kc` and `NR * kc` values; `tile.c` is valid for
/// reads and writes of `tile.rows` values in each of `tile.cols` columns spaced
/// `tile.ldc` apart, with `rows <= MR` and `cols <= NR`.
pub unsafe fn run(kc: usize, a: *const f32, b: *const f32, tile: &Tile) {
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2_fma() {
            // SAFETY: the CPU has AVX2 and FMA (checked above); the caller upholds the rest.
            return unsafe { avx2::run(kc, a, b, tile) };
        }
    }
    // SAFETY: upheld by the caller.
    unsafe { portable(kc, a, b, tile) }
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    use std::sync::atomic::{AtomicU8, Ordering};
    static DETECTED: AtomicU8 = AtomicU8::new(0); // 0 unknown, 1 no, 2 yes
    match DETECTED.load(Ordering::Relaxed) {
        0 => {
            let yes = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
            DETECTED.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
        state => state == 2,
    }
}

/// Write a finished accumulator block (column-major `MR x NR`) into the tile.
///
/// # Safety
/// As for [`run`].
#[inline(always)]
unsafe fn store(acc: &[f32; MR * NR], tile: &Tile) {
    for j in 0..tile.cols {
        // SAFETY: column `j < cols` of the tile holds `rows` valid values.
        let column = unsafe { std::slice::from_raw_parts_mut(tile.c.add(j * tile.ldc), tile.rows) };
        let acc = &acc[j * MR..j * MR + tile.rows];
        if tile.beta == 0.0 {
            for (c, a) in column.iter_mut().zip(acc) {
                *c = tile.alpha * a;
            }
        } else {
            for (c, a) in column.iter_mut().zip(acc) {
                *c = tile.alpha * a + tile.beta * *c;
            }
        }
    }
}

/// Any CPU: plain loops the compiler vectorises.
///
/// # Safety
/// As for [`run`].
unsafe fn portable(kc: usize, a: *const f32, b: *const f32, tile: &Tile) {
    // SAFETY: the caller guarantees the panel lengths.
    let (a, b) = unsafe { (std::slice::from_raw_parts(a, MR * kc), std::slice::from_raw_parts(b, NR * kc)) };
    let mut acc = [0.0f32; MR * NR];
    for (a, b) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (j, bj) in b.iter().enumerate() {
            for (c, ai) in acc[j * MR..(j + 1) * MR].iter_mut().zip(a) {
                *c += ai * bj;
            }
        }
    }
    // SAFETY: upheld by the caller.
    unsafe { store(&acc, tile) }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{store, Tile, MR, NR};
    use std::arch::x86_64::*;

    /// # Safety
    /// The CPU supports AVX2 and FMA, and the contract of [`super::run`] holds.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn run(kc: usize, a: *const f32, b: *const f32, tile: &Tile) {
        // SAFETY: every load stays within the panels whose lengths the caller
        // guarantees: step `p` reads a[p*MR .. p*MR+16] and b[p*NR .. p*NR+6].
        unsafe {
            let mut c = [[_mm256_setzero_ps(); 2]; NR];
            let (mut a, mut b) = (a, b);
            for _ in 0..kc {
                let a0 = _mm256_loadu_ps(a);
                let a1 = _mm256_loadu_ps(a.add(8));
                for (j, cj) in c.iter_mut().enumerate() {
                    let bj = _mm256_broadcast_ss(&*b.add(j));
                    cj[0] = _mm256_fmadd_ps(a0, bj, cj[0]);
                    cj[1] = _mm256_fmadd_ps(a1, bj, cj[1]);
                }
                a = a.add(MR);
                b = b.add(NR);
            }
            if tile.rows == MR && tile.cols == NR && tile.alpha == 1.0 {
                let beta = _mm256_set1_ps(tile.beta);
                for (j, cj) in c.iter().enumerate() {
                    let out = tile.c.add(j * tile.ldc);
                    let (mut lo, mut hi) = (cj[0], cj[1]);
                    if tile.beta != 0.0 {
                        lo = _mm256_fmadd_ps(beta, _mm256_loadu_ps(out), lo);
                        hi = _mm256_fmadd_ps(beta, _mm256_loadu_ps(out.add(8)), hi);
                    }
                    _mm256_storeu_ps(out, lo);
                    _mm256_storeu_ps(out.add(8), hi);
                }
                return;
            }
            let mut acc = [0.0f32; MR * NR];
            for (j, cj) in c.iter().enumerate() {
                _mm256_storeu_ps(acc.as_mut_ptr().add(j * MR), cj[0]);
                _mm256_storeu_ps(acc.as_mut_ptr().add(j * MR + 8), cj[1]);
            }
            store(&acc, tile);
        }
    }
}
