use super::Loss;
use crate::act::Activation;

/// Mean squared error: `mean_i (a_i - y_i)²` per sample.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mse;

impl<A: Activation> Loss<A> for Mse {
    const NAME: &'static str = "mse";

    fn loss_sum(&self, output: &[f32], target: &[f32], rows: usize) -> f64 {
        let squares: f64 = output.iter().zip(target).map(|(a, y)| f64::from(a - y).powi(2)).sum();
        squares / rows as f64
    }

    fn delta(&self, output: &[f32], target: &[f32], rows: usize, delta: &mut [f32]) {
        let scale = 2.0 / output.len() as f32;
        for ((d, a), y) in delta.iter_mut().zip(output).zip(target) {
            *d = scale * (a - y);
        }
        // An activation that needs its input is differentiated by the layer.
        if !A::NEEDS_INPUT {
            A::backward(output, delta, rows);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Elu, Gelu, LeakyRelu, Linear, Relu, Sigmoid, Softmax, Softplus, Swish, Tanh};
    use crate::loss::tests::gradient_check;

    #[test]
    fn is_the_mean_of_squares() {
        let loss = <Mse as Loss<Linear>>::loss_sum(&Mse, &[1.0, 2.0, 0.0, 0.0], &[0.0, 0.0, 0.0, 1.0], 2);
        assert_eq!(loss, 2.5 + 0.5);
    }

    #[test]
    fn gradient_matches_finite_differences_after_each_activation() {
        let z = [0.3, -1.2, 0.8, 1.5, -0.4, 0.1];
        let y = [0.0, 1.0, 0.5, 1.0, 0.0, 0.2];
        gradient_check::<Linear, _>(Mse, &z, &y, 3);
        gradient_check::<Sigmoid, _>(Mse, &z, &y, 3);
        gradient_check::<Tanh, _>(Mse, &z, &y, 3);
        gradient_check::<Relu, _>(Mse, &z, &y, 3);
        gradient_check::<Softmax, _>(Mse, &z, &y, 3);
        gradient_check::<LeakyRelu, _>(Mse, &z, &y, 3);
        gradient_check::<Elu, _>(Mse, &z, &y, 3);
        gradient_check::<Softplus, _>(Mse, &z, &y, 3);
        gradient_check::<Swish, _>(Mse, &z, &y, 3);
        gradient_check::<Gelu, _>(Mse, &z, &y, 3);
    }
}
