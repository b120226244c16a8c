//! What the CPU can do, detected once, and element-wise loops compiled for it.
//!
//! The crate is built for the baseline of its target (SSE2 on x86-64), so that its
//! binaries run anywhere. Hot element-wise loops (optimiser updates, the
//! exponentials of softmax and sigmoid) are compiled a second time with AVX2 and FMA enabled and chosen at run time with
//! [`with_avx2!`](crate::cpu::with_avx2). Rust never fuses a multiply and an add on
//! its own, and vectorised square roots and divisions round exactly, so both
//! copies give bit-identical results: the choice changes speed, never numbers.

/// Whether this CPU has AVX2 and FMA (detected once).
#[cfg(target_arch = "x86_64")]
pub fn has_avx2_fma() -> bool {
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

/// Define a function whose body is also compiled with AVX2 and FMA enabled, and
/// run that copy when the CPU has them.
macro_rules! with_avx2 {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $body:block) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $body
                if $crate::cpu::has_avx2_fma() {
                    // SAFETY: the CPU has AVX2 and FMA, checked just above.
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body
        }
    };
}
pub(crate) use with_avx2;
