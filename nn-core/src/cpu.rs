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

/// Partial sums [`sum`] and [`dot`] keep: two AVX registers' worth, so the
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

with_avx2! {
    /// `Σ weights[k] · values[k]`, over as many values as `weights` has,
    /// in `LANES` interleaved partial sums as [`sum`] adds: the products of
    /// one sample through a dense or recurrent layer's weights.
    pub(crate) fn dot(weights: &[f32], values: &[f32]) -> f32 {
        let values = &values[..weights.len()];
        let mut lanes = [0.0f32; LANES];
        let (weight_chunks, weight_rest) = weights.as_chunks::<LANES>();
        let (value_chunks, value_rest) = values.as_chunks::<LANES>();
        for (w, v) in weight_chunks.iter().zip(value_chunks) {
            for ((lane, w), v) in lanes.iter_mut().zip(w).zip(v) {
                *lane += w * v;
            }
        }
        for ((lane, w), v) in lanes.iter_mut().zip(weight_rest).zip(value_rest) {
            *lane += w * v;
        }
        lanes.iter().sum()
    }
}

/// `out[r] += Σ_k matrix[r · cols + k] · x[k]` for each of `out.len()` rows,
/// `cols = x.len()`: a matrix stored row-major (`[rows, cols]`, as PyTorch
/// stores a weight) times one sample, each output a [`dot`].
pub(crate) fn add_product(matrix: &[f32], x: &[f32], out: &mut [f32]) {
    let cols = x.len();
    for (out, row) in out.iter_mut().zip(matrix.chunks_exact(cols.max(1))) {
        *out += dot(row, x);
    }
}

#[cfg(test)]
mod tests {
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
