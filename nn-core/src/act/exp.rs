//! `exp` and `exp_m1` in a form the compiler turns into vector instructions,
//! for the activations that exponentiate every value (softmax, sigmoid, ELU,
//! and through them swish, tanh, softplus and GELU).
//!
//! The standard library's `f32::exp` is a call into the system's maths library
//! for each value, which no loop around it can vectorise. [`exp`] is Cephes'
//! `expf` written with plain arithmetic, comparisons and bit casts: the
//! argument is split as `x = n·ln 2 + r` with `|r| <= ln 2 / 2` (Cody and
//! Waite's two-part `ln 2`, so that `n·ln 2` is exact), `e^r` is a degree-6
//! polynomial, and `2^n` is built in the exponent bits. Its relative error is
//! at most 7.9e-8, about one unit in the last place (the tests check every
//! 1/1024 of the range). Every operation rounds as IEEE says and Rust never fuses a
//! multiply and an add, so the baseline and the AVX2 copies of the loops that
//! use it (see [`crate::cpu`]) give bit-identical results.

/// Largest `x` whose `e^x` is finite in `f32`: `ln(f32::MAX)`.
const MAX_ARG: f32 = 88.722_83;
/// Smallest `x` whose `e^x` is a normal `f32`: `ln(f32::MIN_POSITIVE)`. Below
/// it the result is 0 (true values there are below 1.2e-38).
const MIN_ARG: f32 = -87.336_55;
const LOG2_E: f32 = std::f32::consts::LOG2_E;
/// `ln 2` in two parts: the first with few enough bits that `n · LN2_HI` is
/// exact for every `n` used, the second the rest.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// `1.5 · 2^23`: adding and subtracting it rounds a float below `2^22` in
/// magnitude to the nearest integer (ties to even).
const ROUND: f32 = 12_582_912.0;

/// How `a·b + c` is computed: rounded after the product and after the sum
/// ([`Separate`]), or once ([`Fused`], one FMA instruction where the CPU has
/// it). Either way every CPU gives the same bits: a fused multiply-add
/// rounds once by definition, in an instruction or in the maths library.
pub(crate) trait MulAdd {
    fn mul_add(a: f32, b: f32, c: f32) -> f32;
}

/// `a·b + c` as two operations, each rounded.
pub(crate) struct Separate;

/// `a·b + c` rounded once: half the instructions of [`Separate`] in loops
/// compiled for FMA (the activations of the recurrent layers' gates), but a
/// call into the maths library for each value where the CPU has no FMA.
pub(crate) struct Fused;

impl MulAdd for Separate {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

impl MulAdd for Fused {
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
}

/// `e^x`: NaN for NaN, `+inf` above [`MAX_ARG`], 0 below [`MIN_ARG`] and for `-inf`.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    exp_with::<Separate>(x)
}

/// [`exp`] with its products and sums computed as `M` says.
#[inline(always)]
pub(crate) fn exp_with<M: MulAdd>(x: f32) -> f32 {
    // `clamp` keeps NaN, which therefore passes through.
    let (y, n) = reduced::<M>(x.clamp(MIN_ARG, MAX_ARG));
    // 2^n for n in [-126, 128], in two factors whose exponents are in range.
    let half = n >> 1;
    let y = y * two_to(half) * two_to(n.wrapping_sub(half));
    if x > MAX_ARG {
        f32::INFINITY
    } else if x < MIN_ARG {
        0.0
    } else {
        y
    }
}

/// Largest argument of [`exp_saturating`]: `e^88` is about 1.65e38, finite.
const SATURATING_MAX: f32 = 88.0;

/// `e^x` for functions that saturate (the logistic function, `tanh`), which
/// need no more than that the result is huge above 88 and tiny below -87:
/// `x` is clamped to `[MIN_ARG, 88]`, so that `2^n` is one factor and neither
/// end needs a check. NaN for NaN.
#[inline(always)]
pub(crate) fn exp_saturating<M: MulAdd>(x: f32) -> f32 {
    let (y, n) = reduced::<M>(x.clamp(MIN_ARG, SATURATING_MAX));
    y * two_to(n)
}

/// For `c` in `[MIN_ARG, MAX_ARG]` (or NaN), `e^c` as `y · 2^n`: `y` from
/// the polynomial, in about `[0.7, 1.42]`, and `n`.
#[inline(always)]
fn reduced<M: MulAdd>(c: f32) -> (f32, i32) {
    let t = M::mul_add(c, LOG2_E, ROUND);
    let n = t - ROUND;
    let r = M::mul_add(-n, LN2_LO, M::mul_add(-n, LN2_HI, c));
    let mut p = 1.987_569_1e-4;
    for coefficient in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 0.5] {
        p = M::mul_add(p, r, coefficient);
    }
    let y = M::mul_add(p, r * r, r) + 1.0;
    // `t`'s low bits hold n: reading them (rather than `n as i32`, whose
    // saturation is done lane by lane) keeps the loop in vector registers. For
    // NaN the bits are meaningless and `y`, NaN, stays NaN.
    (y, (t.to_bits() as i32).wrapping_sub(ROUND.to_bits() as i32))
}

/// `2^k` for `k` in `[-126, 127]`, built in the exponent bits.
#[inline(always)]
fn two_to(k: i32) -> f32 {
    f32::from_bits((k.wrapping_add(127) as u32) << 23)
}

/// `|x|` below which [`exp_m1`] sums its series: `e^x - 1` would cancel there.
const EXP_M1_SERIES: f32 = std::f32::consts::LN_2;

/// `e^x - 1`, accurate near 0 too (where `exp(x) - 1` loses its digits to
/// cancellation): for `|x| < ln 2` the Taylor series to `x^10 / 10!` (the
/// rest is below 5e-10 of the result), elsewhere `exp(x) - 1`, which there
/// is at least half of `e^x` in size. NaN for NaN, -1 for `-inf`.
#[inline(always)]
pub(crate) fn exp_m1(x: f32) -> f32 {
    const INV_FACTORIALS: [f32; 9] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
    ];
    let mut q = INV_FACTORIALS[8];
    for c in INV_FACTORIALS[..8].iter().rev() {
        q = q * x + c;
    }
    let series = x + (x * x) * q;
    let direct = exp(x) - 1.0;
    if x.abs() < EXP_M1_SERIES {
        series
    } else {
        direct
    }
}

crate::cpu::with_avx2! {
    /// `v ← e^v` for every value, eight at a time where the CPU allows.
    pub(crate) fn exp_in_place(values: &mut [f32]) {
        for v in values {
            *v = exp(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error against `f64`'s `exp` at every 1/1024 step from
    /// `MIN_ARG` to `MAX_ARG`, and at the values next to 0 and the ends.
    #[test]
    fn is_within_one_unit_in_the_last_place_over_the_whole_range() {
        let steps = ((MAX_ARG - MIN_ARG) * 1024.0) as i32;
        let grid = (0..=steps).map(|i| MIN_ARG + i as f32 / 1024.0);
        let edges = [0.0, 1e-30, -1e-30, 1e-7, -1e-7, f32::EPSILON, MAX_ARG, MIN_ARG, 0.5, -0.5, 1.0, -1.0];
        let results = grid.chain(edges).map(|x| (x, exp(x)));
        crate::act::tests::assert_relative_error_below("exp", 1e-7, results, f64::exp);
        assert_eq!(exp(0.0), 1.0);
    }

    #[test]
    fn keeps_nan_and_saturates_outside_the_range() {
        assert!(exp(f32::NAN).is_nan());
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(88.8), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(-100.0), 0.0);
        assert!(exp(MAX_ARG).is_finite());
    }

    /// Relative error of `exp_m1` against `f64` at every 1/4096 from -20 to
    /// 20, where the two ways of computing it meet (`±ln 2`), and near 0.
    #[test]
    fn exp_m1_is_accurate_near_zero_and_across_the_switch() {
        let grid = (-20 * 4096..=20 * 4096).map(|i| i as f32 / 4096.0);
        let ln2 = std::f32::consts::LN_2;
        let edges = [1e-30, -1e-30, 1e-7, -1e-7, 1e-3, -1e-3, ln2, -ln2, ln2.next_down(), (-ln2).next_up()];
        let results = grid.chain(edges).filter(|x| *x != 0.0).map(|x| (x, exp_m1(x)));
        crate::act::tests::assert_relative_error_below("exp_m1", 2e-7, results, f64::exp_m1);
        assert_eq!(exp_m1(0.0), 0.0);
        assert_eq!(exp_m1(f32::NEG_INFINITY), -1.0);
        assert_eq!(exp_m1(-100.0), -1.0);
        assert_eq!(exp_m1(f32::INFINITY), f32::INFINITY);
        assert!(exp_m1(f32::NAN).is_nan());
    }

    /// The slice form computes exactly what the scalar form does, on either
    /// copy of the loop (lengths that leave remainders after 8 lanes).
    #[test]
    fn the_slice_form_matches_the_scalar_form_bit_for_bit() {
        let values: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.731).sin() * 90.0).collect();
        let mut out = values.clone();
        exp_in_place(&mut out);
        for (x, y) in values.iter().zip(&out) {
            assert_eq!(y.to_bits(), exp(*x).to_bits(), "x = {x}");
        }
    }
}
