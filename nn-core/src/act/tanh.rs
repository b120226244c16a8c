use super::Activation;
use crate::init::Init;

/// Hyperbolic tangent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tanh;

impl Activation for Tanh {
    const NAME: &'static str = "tanh";
    const INIT: Init = Init::GlorotUniform;

    fn forward(values: &mut [f32], _rows: usize) {
        for v in values {
            *v = v.tanh();
        }
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            *g *= 1.0 - a * a;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Tanh>(&crate::act::tests::SAMPLE, 3);
    }
}
