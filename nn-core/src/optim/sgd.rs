use super::Optimizer;

/// Plain stochastic gradient descent: `θ ← θ - η · g`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sgd {
    /// The learning rate `η`.
    pub learning_rate: f32,
}

impl Sgd {
    /// SGD with learning rate `learning_rate`.
    pub fn new(learning_rate: f32) -> Self {
        Sgd { learning_rate }
    }
}

impl Default for Sgd {
    /// Keras' default learning rate, 0.01.
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl Optimizer for Sgd {
    fn update(&mut self, _slot: usize, params: &mut [f32], grads: &[f32]) {
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= self.learning_rate * g;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_against_the_gradient() {
        let mut params = [1.0, -2.0];
        Sgd::new(0.5).update(0, &mut params, &[2.0, -4.0]);
        assert_eq!(params, [0.0, 0.0]);
    }
}
