//! The gate functions of the LSTM's and the GRU's cells: tanh as one rational
//! function, `x · P(x²) / Q(x²)`, and the sigmoid from it,
//! `σ(x) = (1 + tanh(x / 2)) / 2`.
//!
//! [`Tanh`](super::Tanh) and [`Sigmoid`](super::Sigmoid) compute an
//! exponential and a division for each value, and tanh its polynomial near 0
//! besides: an LSTM step spent a fifth of its time in them at inference.
//! These take one division and ten multiply-adds: tanh at 0.32 ns a value
//! against 0.74, the sigmoid at 0.39 against 0.51 (one core, slices of 128
//! and 256 values). They are within 3.5e-7 of tanh, relative, and 2e-7 of
//! the sigmoid, absolute (the activations are within 2e-7 and 2.5e-7,
//! relative), which a gate's value, multiplied into a sum of a few of them,
//! does not notice. The sigmoid keeps absolute accuracy only: below about
//! -16 its values (under 1e-7) are not to be read relatively, and below -18
//! it is 0, where [`Sigmoid`](super::Sigmoid) keeps relative accuracy down to
//! 1e-38.

use super::exp::{Fused, MulAdd};

/// Beyond ±9 tanh is 1 to within `f32`'s rounding (1 - tanh 9 = 3e-8).
const LIMIT: f32 = 9.0;

/// `P` and `Q` of `tanh(x) ≈ x · P(x²) / Q(x²)` on `[-9, 9]`, lowest power
/// first: the fit of least maximal relative error (Lawson's iteration over
/// 6,000 points, in f64: 6.7e-9), rounded to `f32`.
const P: [f32; 7] =
    [1.0, 0.130_840_24, 0.003_103_971_7, 1.115_446_9e-5, -2.022_585_5e-8, 5.278_236e-11, -8.489_395e-14];
const Q: [f32; 4] = [1.0, 0.464_173_53, 0.024_495_24, 2.546_167_8e-4];

/// `c[0] + c[1]·z + ...`, by Horner's rule with fused multiply-adds.
#[inline(always)]
fn polynomial<const N: usize>(c: &[f32; N], z: f32) -> f32 {
    c[..N - 1].iter().rev().fold(c[N - 1], |sum, &k| Fused::mul_add(sum, z, k))
}

/// `tanh(x)`, in `[-1, 1]`; NaN stays NaN.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    let x = x.clamp(-LIMIT, LIMIT);
    let z = x * x;
    (x * polynomial(&P, z) / polynomial(&Q, z)).clamp(-1.0, 1.0)
}

/// `σ(x) = 1 / (1 + e^-x)`, in `[0, 1]`; NaN stays NaN.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    Fused::mul_add(0.5, tanh(0.5 * x), 0.5)
}

crate::cpu::with_avx512! {
    /// `v ← tanh(v)` for every value, sixteen at a time with AVX-512, eight
    /// with AVX2 (the same bits as [`tanh`] value by value).
    pub(crate) fn tanh_in_place(values: &mut [f32]) {
        for v in values {
            *v = tanh(*v);
        }
    }
}

crate::cpu::with_avx512! {
    /// `v ← σ(v)` for every value, sixteen at a time with AVX-512, eight
    /// with AVX2 (the same bits as [`sigmoid`] value by value).
    pub(crate) fn sigmoid_in_place(values: &mut [f32]) {
        for v in values {
            *v = sigmoid(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{assert_relative_error_below, matches_scalar_bit_for_bit};

    /// Every value from -12 to 12 a 4096th apart, and some far and tiny ones.
    fn grid() -> impl Iterator<Item = f32> + Clone {
        let edges = [1e-30, -1e-30, 1e-7, -1e-7, 8.999, 9.0, -9.0, 30.0, -30.0, 1e30, -1e30];
        (-12 * 4096..=12 * 4096).map(|i| i as f32 / 4096.0).filter(|x| *x != 0.0).chain(edges)
    }

    #[test]
    fn tanh_is_within_a_few_units_in_the_last_place() {
        assert_relative_error_below("gate tanh", 3.5e-7, grid().map(|x| (x, tanh(x))), f64::tanh);
    }

    #[test]
    fn sigmoid_is_within_2e7_absolute() {
        for x in grid() {
            let want = 1.0 / (1.0 + (-f64::from(x)).exp());
            let got = f64::from(sigmoid(x));
            assert!((got - want).abs() < 2e-7, "gate sigmoid at {x}: {got} against {want}");
        }
    }

    /// The rational function's rounding would reach just past 1 between
    /// about 8.7 and 9; the values stay within the functions' ranges.
    #[test]
    fn values_stay_in_range_near_the_limit() {
        let mut x = 7.0f32;
        while x <= 10.0 {
            assert!(tanh(x) <= 1.0 && tanh(-x) >= -1.0, "tanh at {x}: {}", tanh(x));
            assert!((0.0..=1.0).contains(&sigmoid(2.0 * x)) && (0.0..=1.0).contains(&sigmoid(-2.0 * x)));
            x = x.next_up();
        }
    }

    #[test]
    fn tanh_is_odd_and_sigmoid_symmetric() {
        for x in grid() {
            assert_eq!(tanh(-x).to_bits(), (-tanh(x)).to_bits(), "tanh at {x}");
            assert!((sigmoid(x) + sigmoid(-x) - 1.0).abs() <= 1.2e-7, "sigmoid at {x}");
        }
    }

    #[test]
    fn saturates_and_keeps_nan() {
        assert_eq!([tanh(0.0), tanh(f32::INFINITY), tanh(f32::NEG_INFINITY)], [0.0, 1.0, -1.0]);
        assert_eq!([sigmoid(0.0), sigmoid(1e6), sigmoid(-1e6)], [0.5, 1.0, 0.0]);
        assert!(tanh(f32::NAN).is_nan() && sigmoid(f32::NAN).is_nan());
    }

    #[test]
    fn the_slice_loops_match_the_scalar_functions() {
        matches_scalar_bit_for_bit("gate tanh", tanh_in_place, tanh);
        matches_scalar_bit_for_bit("gate sigmoid", sigmoid_in_place, sigmoid);
    }
}
