//! What the CPU can do, detected once, and element-wise loops compiled for it.
//!
//! The crate is built for the baseline of its target (SSE2 on x86-64), so that its
//! binaries run anywhere. Hot element-wise loops (optimiser updates, the
//! exponentials of softmax and sigmoid) are compiled a second time with AVX2 and FMA enabled and chosen at run time with
//! [`with_avx2!`](crate::cpu::with_avx2). Rust never fuses a multiply and an add on
//! its own, and vectorised square roots and divisions round exactly, so both
//! copies give bit-identical results: the choice changes speed, never numbers.
//! A few loops bound by how much work the core keeps in flight (the LSTM's
//! step, the gate functions) get a third copy with AVX-512
//! ([`with_avx512!`](crate::cpu::with_avx512)), the same bits again.
//! One exception: [`add_product`], a matrix times one sample, fuses its
//! multiplies and adds with FMA (as the matrix product does), so its results
//! round differently from the baseline copy's, the same on every CPU with FMA.
//! Without std there is no run-time detection, and only the baseline copy.

#[cfg(all(target_arch = "x86_64", feature = "std"))]
use std::sync::atomic::{AtomicU8, Ordering};

/// `detect()`, asked once and remembered in `state` (0 unknown, 1 no, 2 yes).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
fn detected_once(state: &AtomicU8, detect: impl FnOnce() -> bool) -> bool {
    match state.load(Ordering::Relaxed) {
        0 => {
            let yes = detect();
            state.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
        known => known == 2,
    }
}

/// Whether this CPU has AVX2 and FMA (detected once).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
pub fn has_avx2_fma() -> bool {
    static DETECTED: AtomicU8 = AtomicU8::new(0);
    detected_once(&DETECTED, || is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}

/// Define a function whose body is also compiled with AVX2 and FMA enabled, and
/// run that copy when the CPU has them.
macro_rules! with_avx2 {
    ($(#[$meta:meta])* $vis:vis fn $name:ident $(<$(const $generic:ident: $kind:ty),* $(,)?>)?
        ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name $(<$(const $generic: $kind),*>)? ($($arg: $ty),*) $(-> $ret)? {
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2 $(<$(const $generic: $kind),*>)? ($($arg: $ty),*) $(-> $ret)? $body
                if $crate::cpu::has_avx2_fma() {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2 $(::<$($generic),*>)? ($($arg),*) };
                }
            }
            $body
        }
    };
}
pub(crate) use with_avx2;

/// Whether this CPU has AVX-512 (its foundation and 256-bit forms) besides
/// AVX2 and FMA (detected once).
#[cfg(all(target_arch = "x86_64", feature = "std"))]
pub fn has_avx512() -> bool {
    static DETECTED: AtomicU8 = AtomicU8::new(0);
    detected_once(&DETECTED, || {
        has_avx2_fma() && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl")
    })
}

/// [`with_avx2!`], with a third copy of the body compiled with AVX-512 too,
/// run when the CPU has it: for loops bound by how much work the core keeps
/// in flight rather than by its arithmetic units, where sixteen values an
/// instruction let twice as many overlap. (The Zen 4 cores run a 512-bit
/// operation as two 256-bit halves, so arithmetic-bound loops gain nothing:
/// `nn-core/src/gemm/mod.rs`.) The same bits as the other copies, for the
/// same reasons.
macro_rules! with_avx512 {
    ($(#[$meta:meta])* $vis:vis fn $name:ident ($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        $vis fn $name ($($arg: $ty),*) $(-> $ret)? {
            #[cfg(all(target_arch = "x86_64", feature = "std"))]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                fn avx512($($arg: $ty),*) $(-> $ret)? $body
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? $body
                if $crate::cpu::has_avx512() {
                    // SAFETY: the CPU has AVX-512 F and VL, AVX2 and FMA, checked just above.
                    return unsafe { avx512($($arg),*) };
                }
                if $crate::cpu::has_avx2_fma() {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body
        }
    };
}
pub(crate) use with_avx512;

/// Partial sums [`sum`] and [`add_product`] keep: two AVX registers' worth, so the
/// additions of a long sum overlap instead of waiting on each other.
const LANES: usize = 16;

with_avx2! {
    /// The sum of `values`, as `LANES` interleaved partial sums added
    /// together at the end in a fixed order: it vectorises (a plain running
    /// sum waits four cycles on each addition), and gives the same result on
    /// every CPU and at every call.
    #[cfg(feature = "std")]
    pub(crate) fn sum(values: &[f32]) -> f32 {
        let mut lanes = [0.0f32; LANES];
        let chunks = values.chunks_exact(LANES);
        let rest = chunks.remainder();
        for chunk in chunks {
            for (lane, v) in lanes.iter_mut().zip(chunk) {
                *lane += v;
            }
        }
        for (lane, v) in lanes.iter_mut().zip(rest) {
            *lane += v;
        }
        lanes.iter().sum()
    }
}

/// `Σ row[k] · x[k]` in `LANES` interleaved partial sums (`lanes[k % LANES]`),
/// the last chunk padded with zeros, the lanes then added as a tree (lane `j`
/// and `j + 8`, then `j + 4`, `j + 2`, `j + 1`): the baseline arithmetic of
/// [`add_product`], one row.
fn row_product(row: &[f32], x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let (row_chunks, row_rest) = row.as_chunks::<LANES>();
    let (x_chunks, x_rest) = x.as_chunks::<LANES>();
    for (w, v) in row_chunks.iter().zip(x_chunks) {
        for j in 0..LANES {
            lanes[j] += w[j] * v[j];
        }
    }
    if !x_rest.is_empty() {
        let (mut w, mut v) = ([0.0f32; LANES], [0.0f32; LANES]);
        w[..row_rest.len()].copy_from_slice(row_rest);
        v[..x_rest.len()].copy_from_slice(x_rest);
        for j in 0..LANES {
            lanes[j] += w[j] * v[j];
        }
    }
    let mut width = LANES / 2;
    while width > 0 {
        for j in 0..width {
            lanes[j] += lanes[j + width];
        }
        width /= 2;
    }
    lanes[0]
}

/// `out[r] += Σ_k matrix[r · cols + k] · x[k]` for each of `out.len()` rows,
/// `cols = x.len()`: a matrix stored row-major (`[rows, cols]`, as PyTorch
/// stores a weight) times one sample, the products of one sample through a
/// dense or recurrent layer's weights. Every row in `LANES` interleaved
/// partial sums added as a tree at the end ([`row_product`]). With AVX2 and
/// FMA, four rows at a time share each load of `x`, and each product is
/// fused with its addition (a one-sample pass is bound by reading the
/// weights, and this halves its instructions), so those results round
/// differently from the baseline's, as the matrix product's do; a layer and
/// its view on one machine run the same copy and agree bit for bit.
pub(crate) fn add_product(matrix: &[f32], x: &[f32], out: &mut [f32]) {
    let cols = x.len();
    if cols == 0 {
        return;
    }
    assert!(matrix.len() >= out.len() * cols, "a [{}, {cols}] matrix in {} values", out.len(), matrix.len());
    #[cfg(all(target_arch = "x86_64", feature = "std"))]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA, and `matrix` holds `out.len()`
        // rows of `x.len()` values, both checked just above.
        return unsafe { fused::add_product(matrix, x, out) };
    }
    for (out, row) in out.iter_mut().zip(matrix.chunks_exact(cols)) {
        *out += row_product(row, x);
    }
}

/// [`add_product`] with AVX2 and FMA.
#[cfg(all(target_arch = "x86_64", feature = "std"))]
mod fused {
    use super::LANES;
    use core::arch::x86_64::*;

    /// # Safety
    ///
    /// The CPU has AVX2 and FMA; `x` is not empty; `matrix` holds at least
    /// `out.len()` rows of `x.len()` values.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn add_product(matrix: &[f32], x: &[f32], out: &mut [f32]) {
        let (blocks, rest) = out.as_chunks_mut::<4>();
        let mut row = 0;
        for block in blocks {
            // SAFETY: rows `row..row + 4` lie in `matrix` (the caller's promise).
            unsafe { rows::<4>(matrix, row, x, block) };
            row += 4;
        }
        for out in rest {
            // SAFETY: as above, for row `row`.
            unsafe { rows::<1>(matrix, row, x, core::array::from_mut(out)) };
            row += 1;
        }
    }

    /// The `LANES` values from `at` of `x` and of each of `R` rows from
    /// `first` (masked: those of `masks`, zeros for the rest), multiplied
    /// and added into the rows' lanes.
    ///
    /// # Safety
    ///
    /// AVX2 and FMA; the values read lie in `x` and in rows `first..first +
    /// R` of `cols` values from `w`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    #[allow(clippy::too_many_arguments)]
    unsafe fn chunk<const R: usize, const MASKED: bool>(
        acc: &mut [[__m256; 2]; R],
        w: *const f32,
        first: usize,
        cols: usize,
        x: *const f32,
        at: usize,
        masks: [__m256i; 2],
    ) {
        // SAFETY: the caller's promise.
        unsafe {
            let load = |p: *const f32, half: usize| {
                if MASKED {
                    _mm256_maskload_ps(p.add(half * 8), masks[half])
                } else {
                    _mm256_loadu_ps(p.add(half * 8))
                }
            };
            let v = [load(x.add(at), 0), load(x.add(at), 1)];
            for (i, acc) in acc.iter_mut().enumerate() {
                let row = w.add((first + i) * cols + at);
                acc[0] = _mm256_fmadd_ps(load(row, 0), v[0], acc[0]);
                acc[1] = _mm256_fmadd_ps(load(row, 1), v[1], acc[1]);
            }
        }
    }

    /// `out[i] += Σ_k matrix[(first + i) · cols + k] · x[k]` for `R` rows,
    /// each in two registers of eight lanes, the last chunk loaded masked
    /// (zeros past the row's end), the lanes then added in a fixed order.
    ///
    /// # Safety
    ///
    /// As [`add_product`], with rows `first..first + R` in `matrix`.
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn rows<const R: usize>(matrix: &[f32], first: usize, x: &[f32], out: &mut [f32; R]) {
        let cols = x.len();
        let (full, rest) = (cols / LANES, cols % LANES);
        debug_assert!(matrix.len() >= (first + R) * cols);
        let lane_mask: [i32; LANES] = core::array::from_fn(|j| if j < rest { -1 } else { 0 });
        let w = matrix.as_ptr();
        // SAFETY (every load below): chunk `k < full` lies in `x` and in each
        // row; the masked loads read only the `rest` values that remain.
        unsafe {
            let masks =
                [_mm256_loadu_si256(lane_mask.as_ptr().cast()), _mm256_loadu_si256(lane_mask.as_ptr().add(8).cast())];
            let mut acc = [[_mm256_setzero_ps(); 2]; R];
            for k in 0..full {
                chunk::<R, false>(&mut acc, w, first, cols, x.as_ptr(), k * LANES, masks);
            }
            if rest > 0 {
                chunk::<R, true>(&mut acc, w, first, cols, x.as_ptr(), full * LANES, masks);
            }
            if let (4, Ok(out)) = (R, <&mut [f32; 4]>::try_from(&mut out[..])) {
                // Four rows' sums at once: lane j of row i and j + 8, then
                // neighbours in pairs across the rows, then the halves.
                let s: [__m256; 4] = core::array::from_fn(|i| _mm256_add_ps(acc[i][0], acc[i][1]));
                let h = _mm256_hadd_ps(_mm256_hadd_ps(s[0], s[1]), _mm256_hadd_ps(s[2], s[3]));
                let q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps::<1>(h));
                _mm_storeu_ps(out.as_mut_ptr(), _mm_add_ps(_mm_loadu_ps(out.as_ptr()), q));
                return;
            }
            for (out, acc) in out.iter_mut().zip(acc) {
                let s = _mm256_add_ps(acc[0], acc[1]);
                let s = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
                let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
                let s = _mm_add_ss(s, _mm_shuffle_ps::<1>(s, s));
                *out += _mm_cvtss_f32(s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// A matrix times one sample, in the copy this CPU runs and in the
    /// baseline's rows, within rounding of the exact products, for shapes
    /// around the four rows and the sixteen lanes (a partial last block of
    /// rows, a masked last chunk of columns); the outputs are added to.
    #[test]
    fn add_product_adds_each_rows_product() {
        for rows in [1, 3, 4, 5, 9, 512] {
            for cols in [1, 12, 15, 16, 17, 28, 128] {
                let matrix: Vec<f32> = (0..rows * cols).map(|i| ((i as f32) * 0.37).sin()).collect();
                let x: Vec<f32> = (0..cols).map(|i| ((i as f32) * 0.11).cos()).collect();
                let mut out: Vec<f32> = (0..rows).map(|r| r as f32).collect();
                super::add_product(&matrix, &x, &mut out);
                for r in 0..rows {
                    let row = &matrix[r * cols..(r + 1) * cols];
                    let exact: f64 = row.iter().zip(&x).map(|(w, v)| f64::from(*w) * f64::from(*v)).sum();
                    let bound = 1e-5 * (1.0 + exact.abs() + r as f64);
                    let (got, baseline) = (f64::from(out[r]) - r as f64, f64::from(super::row_product(row, &x)));
                    assert!((got - exact).abs() < bound, "{rows}x{cols}, row {r}: {got} vs {exact}");
                    assert!((baseline - exact).abs() < bound, "{rows}x{cols}, row {r}: baseline {baseline} vs {exact}");
                }
            }
        }
        let mut untouched = [1.0f32, 2.0];
        super::add_product(&[], &[], &mut untouched);
        assert_eq!(untouched, [1.0, 2.0], "a product over no columns adds nothing");
    }

    /// Within rounding of the exact sum, for lengths around the lanes.
    #[test]
    fn sum_adds_every_value() {
        for len in [0, 1, 15, 16, 17, 100, 21_632] {
            let values: Vec<f32> = (0..len).map(|i| ((i as f32) * 0.37).sin()).collect();
            let exact: f64 = values.iter().map(|v| f64::from(*v)).sum();
            let got = f64::from(super::sum(&values));
            assert!((got - exact).abs() < 1e-4 * (1.0 + exact.abs()), "{len}: {got} vs {exact}");
        }
    }
}
