use super::exp::exp;
use super::Activation;
use crate::init::Init;

/// The logistic function: `1 / (1 + exp(-z))`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sigmoid;

impl Activation for Sigmoid {
    const NAME: &'static str = "sigmoid";
    const INIT: Init = Init::GlorotUniform;

    fn forward(values: &mut [f32], _rows: usize) {
        sigmoid_in_place(values);
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= a * (1.0 - a);
        }
    }
}

/// The logistic function, evaluated without overflow for large `|z|` (the
/// exponential is of `-|z|`, at most 1), in a form loops vectorise.
#[inline(always)]
pub(crate) fn sigmoid(z: f32) -> f32 {
    let e = exp(-z.abs());
    if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    }
}

crate::cpu::with_avx2! {
    /// `v ← sigmoid(v)` for every value, eight at a time where the CPU allows.
    fn sigmoid_in_place(values: &mut [f32]) {
        for v in values {
            *v = sigmoid(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_one_half_at_zero_and_saturates_without_nan() {
        let mut v = [0.0, 1000.0, -1000.0];
        Sigmoid::forward(&mut v, 3);
        assert_eq!(v, [0.5, 1.0, 0.0]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Sigmoid>(&crate::act::tests::SAMPLE, 3);
    }
}
