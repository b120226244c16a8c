use super::exp::exp;
use super::tanh::tanh;
use super::Activation;
#[cfg(feature = "std")]
use crate::error::Result;
use crate::init::Init;
#[cfg(feature = "std")]
use crate::onnx::{Graph, Value};
use std::f32::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

/// Gaussian error linear unit: `z · Φ(z)`, with `Φ` the standard normal CDF.
///
/// `Gelu` (or `Gelu<false>`) is the exact form, `Φ(z) = erfc(-z/√2) / 2`, as Keras'
/// `gelu` and PyTorch's `nn.GELU()` compute it by default. `Gelu<true>` is the
/// tanh approximation of Keras' `approximate=True` (PyTorch's
/// `approximate='tanh'`): `z/2 · (1 + tanh(√(2/π)·(z + 0.044715·z³)))`.
///
/// GELU dips below zero and comes back (its minimum is near `z = -0.75`), so two
/// inputs can give one output and the derivative `Φ(z) + z·φ(z)` needs the input:
/// [`Activation::NEEDS_INPUT`] is true.
///
/// ```
/// use nn_core::act::{Activation, Gelu};
///
/// // Φ(1) = 0.8413447, so GELU(1) = 0.8413447; the approximation is within 1e-3.
/// let (mut exact, mut approximate) = ([1.0f32], [1.0f32]);
/// <Gelu>::forward(&mut exact, 1);
/// Gelu::<true>::forward(&mut approximate, 1);
/// assert!((exact[0] - 0.841_344_7).abs() < 1e-6);
/// assert!((approximate[0] - exact[0]).abs() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gelu<const APPROXIMATE: bool = false>;

/// `√(2/π)`.
const SQRT_2_OVER_PI: f32 = FRAC_2_SQRT_PI * FRAC_1_SQRT_2;
/// The cubic coefficient of the tanh approximation.
const CUBIC: f32 = 0.044_715;

impl<const APPROXIMATE: bool> Activation for Gelu<APPROXIMATE> {
    const NAME: &'static str = if APPROXIMATE { "gelu_approximate" } else { "gelu" };
    const INIT: Init = Init::GlorotUniform;
    const NEEDS_INPUT: bool = true;

    /// Opset 17 has no `Gelu` (it comes in opset 20): the exact form as
    /// `z · (1 + Erf(z / √2)) / 2`, the approximation as
    /// `z · (1 + Tanh(√(2/π) · (z + 0.044715 · z³))) / 2`.
    #[cfg(feature = "std")]
    fn onnx(graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        let dims = &input.dims;
        let name = |step: &str| format!("{prefix}gelu.{step}");
        let apply = |graph: &mut Graph, op: &str, step: &str, a: &str, b: &str| {
            let inputs: Vec<&str> = [a, b].into_iter().filter(|i| !i.is_empty()).collect();
            graph.node(op, &name(step), &inputs, Vec::new(), dims).name
        };
        let x = input.name.as_str();
        let inner = if APPROXIMATE {
            let cubic = graph.scalar(&name("cubic"), CUBIC);
            let scale = graph.scalar(&name("scale"), SQRT_2_OVER_PI);
            let square = apply(graph, "Mul", "square", x, x);
            let cube = apply(graph, "Mul", "cube", &square, x);
            let term = apply(graph, "Mul", "cubic_term", &cube, &cubic);
            let sum = apply(graph, "Add", "sum", x, &term);
            let scaled = apply(graph, "Mul", "scaled", &sum, &scale);
            apply(graph, "Tanh", "tanh", &scaled, "")
        } else {
            let scale = graph.scalar(&name("scale"), FRAC_1_SQRT_2);
            let scaled = apply(graph, "Mul", "scaled", x, &scale);
            apply(graph, "Erf", "erf", &scaled, "")
        };
        let (one, half) = (graph.scalar(&name("one"), 1.0), graph.scalar(&name("half"), 0.5));
        let plus_one = apply(graph, "Add", "plus_one", &inner, &one);
        let product = apply(graph, "Mul", "product", x, &plus_one);
        let out = apply(graph, "Mul", "out", &product, &half);
        Ok(Value { name: out, dims: dims.clone() })
    }

    fn forward(values: &mut [f32], _rows: usize) {
        if APPROXIMATE {
            gelu_tanh_in_place(values);
        } else {
            gelu_in_place(values);
        }
    }

    /// # Panics
    ///
    /// Always: GELU's derivative is not a function of its output. Layers call
    /// [`Activation::backward_from_input`] instead, as [`Activation::NEEDS_INPUT`] says.
    fn backward(_out: &[f32], _grad: &mut [f32], _rows: usize) {
        panic!("GELU's derivative needs its input: call `backward_from_input`");
    }

    #[cfg(feature = "std")]
    fn backward_from_input(z: &[f32], grad: &mut [f32], _rows: usize) {
        if APPROXIMATE {
            gelu_tanh_backward(z, grad);
        } else {
            gelu_backward(z, grad);
        }
    }
}

// The four loops are plain arithmetic (the `exp`, `tanh` and `erfc` here
// choose between their pieces with selects), so they run eight values at a
// time where the CPU allows.
crate::cpu::with_avx2! {
    /// `v ← v·Φ(v)`.
    fn gelu_in_place(values: &mut [f32]) {
        for v in values {
            *v *= normal_cdf(*v);
        }
    }
}

crate::cpu::with_avx2! {
    /// `g ← g·(Φ(z) + z·φ(z))`, with `φ(z) = exp(-z²/2) / √(2π)`.
    #[cfg(feature = "std")]
    fn gelu_backward(z: &[f32], grad: &mut [f32]) {
        for (g, &z) in grad.iter_mut().zip(z) {
            *g *= normal_cdf(z) + z * exp(-0.5 * z * z) * (0.5 * FRAC_2_SQRT_PI * FRAC_1_SQRT_2);
        }
    }
}

crate::cpu::with_avx2! {
    /// `v ← v/2 · (1 + tanh(√(2/π)·(v + 0.044715·v³)))`.
    fn gelu_tanh_in_place(values: &mut [f32]) {
        for v in values {
            let t = tanh(SQRT_2_OVER_PI * (*v + CUBIC * *v * *v * *v));
            *v = 0.5 * *v * (1.0 + t);
        }
    }
}

crate::cpu::with_avx2! {
    /// The derivative of the tanh approximation, with `u = √(2/π)(z + c·z³)`:
    /// `(1 + tanh u)/2 + z/2 · (1 - tanh² u) · √(2/π)(1 + 3c·z²)`.
    #[cfg(feature = "std")]
    fn gelu_tanh_backward(z: &[f32], grad: &mut [f32]) {
        for (g, &z) in grad.iter_mut().zip(z) {
            let t = tanh(SQRT_2_OVER_PI * (z + CUBIC * z * z * z));
            *g *= 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * z * z);
        }
    }
}

/// `Φ(z) = erfc(-z/√2) / 2`, accurate in the lower tail too.
#[inline(always)]
fn normal_cdf(z: f32) -> f32 {
    0.5 * erfc(-z * FRAC_1_SQRT_2)
}

/// `erfc(x)`: the `erfcf` of FreeBSD's and musl's maths libraries (Sun's
/// rational approximations on `|x| < 0.84375`, `< 1.25`, `< 1/0.35` and up
/// to 28), every piece computed and the right one selected, so that loops
/// over it vectorise. Beyond `|x| = 10` the result is 0 or 2 (the true
/// tail there is below 1e-44). NaN for NaN.
#[inline(always)]
fn erfc(x: f32) -> f32 {
    const ERX: f32 = 8.450_629e-1;
    let a = x.abs();
    // |x| < 0.84375: erf(x) = x + x·P(x²)/Q(x²).
    let z = x * x;
    let r = 1.283_791_6e-1 + z * (-3.250_421e-1 + z * (-2.848_175e-2 + z * (-5.770_270_2e-3 + z * -2.376_301_7e-5)));
    let s =
        1.0 + z * (3.979_172e-1 + z * (6.502_225e-2 + z * (5.081_306e-3 + z * (1.324_947_4e-4 + z * -3.960_228_2e-6))));
    let y = r / s;
    let near_zero = if x < 0.25 { 1.0 - (x + x * y) } else { 0.5 - (x - 0.5 + x * y) };
    // 0.84375 <= |x| < 1.25: erfc(|x|) = 1 - erx - P(|x| - 1)/Q(|x| - 1).
    let t = a - 1.0;
    let p = -2.362_118_6e-3
        + t * (4.148_561e-1
            + t * (-3.722_078_8e-1
                + t * (3.183_466_2e-1 + t * (-1.108_946_95e-1 + t * (3.547_830_5e-2 + t * -2.166_375_5e-3)))));
    let q = 1.0
        + t * (1.064_208_8e-1
            + t * (5.403_979_4e-1
                + t * (7.182_865_6e-2 + t * (1.261_712_2e-1 + t * (1.363_708_4e-2 + t * 1.198_45e-2)))));
    let middle = 1.0 - ERX - p / q;
    // 1.25 <= |x|: erfc(|x|) = exp(-x² - 0.5625 + R(1/x²)/S(1/x²)) / |x|,
    // with one set of coefficients below 1/0.35 and another above.
    let c = a.clamp(1.25, 10.0);
    let w = 1.0 / (c * c);
    let low = c < 1.0 / 0.35;
    let pick = |below: f32, above: f32| if low { below } else { above };
    let r = pick(-9.864_944e-3, -9.864_943e-3)
        + w * (pick(-6.938_585_6e-1, -7.992_832_7e-1)
            + w * (pick(-1.055_862_6e1, -1.775_795_6e1)
                + w * (pick(-6.237_533e1, -1.606_363_8e2)
                    + w * (pick(-1.623_966_7e2, -6.375_664_7e2)
                        + w * (pick(-1.846_050_9e2, -1.025_095_1e3)
                            + w * (pick(-8.128_744e1, -4.835_192e2) + w * pick(-9.814_329, 0.0)))))));
    let s = 1.0
        + w * (pick(1.965_127_2e1, 3.033_806e1)
            + w * (pick(1.376_577_6e2, 3.257_925e2)
                + w * (pick(4.345_659e2, 1.536_729_6e3)
                    + w * (pick(6.453_872_7e2, 3.199_858_2e3)
                        + w * (pick(4.290_081_5e2, 2.553_050_3e3)
                            + w * (pick(1.086_35e2, 4.745_285_4e2)
                                + w * (pick(6.570_249_6, -2.244_095_2e1) + w * pick(-6.042_441_4e-2, 0.0))))))));
    // `c` rounded to 11 significant bits, so that `-h²` is exact.
    let h = f32::from_bits(c.to_bits() & 0xffff_e000);
    let tail = exp(-h * h - 0.5625) * exp((h - c) * (h + c) + r / s) / c;
    let tail = if a >= 10.0 { 0.0 } else { tail };
    let upper = if a < 1.25 { middle } else { tail };
    let reflected = if x < 0.0 { 2.0 - upper } else { upper };
    let value = if a < 0.843_75 { near_zero } else { reflected };
    // NaN fails every comparison above; keep it NaN.
    if x.is_nan() {
        x
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::tests::{gradient_check, SAMPLE};

    #[test]
    fn matches_tabulated_values_of_the_normal_cdf() {
        // Φ(-1) = 0.15865525, Φ(0.5) = 0.69146246, Φ(2) = 0.97724987, from tables:
        // GELU(-1) = -0.15865525, GELU(0.5) = 0.34573123, GELU(2) = 1.95449974.
        let mut v = [-1.0, 0.5, 2.0];
        <Gelu>::forward(&mut v, 3);
        for (got, want) in v.iter().zip([-0.158_655_25, 0.345_731_23, 1.954_499_7]) {
            assert!((got - want).abs() < 1e-6, "{v:?}");
        }
    }

    #[test]
    fn the_approximation_follows_its_formula() {
        // z = 1: u = 0.79788456 · 1.044715 = 0.83356197, tanh u = 0.68238398,
        // GELU ≈ 0.5 · 1.68238398 = 0.84119199.
        let mut v = [1.0];
        Gelu::<true>::forward(&mut v, 1);
        assert!((v[0] - 0.841_192).abs() < 1e-6, "{}", v[0]);
        assert_eq!((<Gelu>::NAME, Gelu::<true>::NAME), ("gelu", "gelu_approximate"));
    }

    /// `erfc` against `libm`'s double-precision `erfc` at every 1/1024 from
    /// -10 to 10 and at the edges of its pieces: relative error, so the
    /// small values of the upper tail (`Φ` of GELU's negative inputs) count
    /// as much as the others (values under 1e-37, near the end of `f32`'s
    /// normal range, are left out).
    #[test]
    fn erfc_matches_double_precision() {
        let points =
            (-10 * 1024..=10 * 1024).map(|i| i as f32 / 1024.0).chain([1e-30, -1e-30, 0.843_75, 1.25, 1.0 / 0.35]);
        let results = points.filter(|x| libm::erfc(f64::from(*x)) >= 1e-37).map(|x| (x, erfc(x)));
        crate::act::tests::assert_relative_error_below("erfc", 2.5e-7, results, libm::erfc);
        assert!(erfc(f32::NAN).is_nan());
        assert_eq!((erfc(f32::INFINITY), erfc(f32::NEG_INFINITY)), (0.0, 2.0));
        assert_eq!((erfc(30.0), erfc(-30.0), erfc(0.0)), (0.0, 2.0, 1.0));
    }

    #[test]
    fn the_slice_loops_match_the_scalar_functions() {
        let exact = |v: f32| v * normal_cdf(v);
        crate::act::tests::matches_scalar_bit_for_bit("gelu", |v| <Gelu>::forward(v, 1), exact);
        let approximate = |v: f32| 0.5 * v * (1.0 + tanh(SQRT_2_OVER_PI * (v + CUBIC * v * v * v)));
        crate::act::tests::matches_scalar_bit_for_bit("gelu_approximate", |v| Gelu::<true>::forward(v, 1), approximate);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        // Either side of the minimum near -0.75, where one output has two inputs.
        let points = [-0.4, -1.2, -4.0, 3.0];
        gradient_check::<Gelu>(&SAMPLE, 3);
        gradient_check::<Gelu>(&points, 2);
        gradient_check::<Gelu<true>>(&SAMPLE, 3);
        gradient_check::<Gelu<true>>(&points, 2);
    }
}
