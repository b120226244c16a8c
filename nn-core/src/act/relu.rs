use super::Activation;
use crate::init::Init;

/// Rectified linear unit: `max(0, z)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relu;

impl Activation for Relu {
    const NAME: &'static str = "relu";
    const INIT: Init = Init::HeUniform;

    fn forward(values: &mut [f32], _rows: usize) {
        for v in values {
            *v = v.max(0.0);
        }
    }

    fn backward(out: &[f32], grad: &mut [f32], _rows: usize) {
        for (g, a) in grad.iter_mut().zip(out) {
            if *a <= 0.0 {
                *g = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_negatives_to_zero() {
        let mut v = [-1.0, 0.0, 2.5];
        Relu::forward(&mut v, 3);
        assert_eq!(v, [0.0, 0.0, 2.5]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        crate::act::tests::gradient_check::<Relu>(&crate::act::tests::SAMPLE, 3);
    }
}
