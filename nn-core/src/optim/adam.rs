use super::{Clock, LearningRate, Optimizer, SlotState};

/// Adam: steps scaled by running estimates of the gradients' first and second
/// moments, in Keras' form (bias correction folded into the rate, `ε` outside the
/// square root).
///
/// At step `t` (1 for the first), with learning rate `η`, legacy decay `d`,
/// gradient `g`, and `m`, `v` starting at 0:
///
/// ```text
/// η_t = η(t−1) / (1 + d·(t−1)) · sqrt(1 − β₂^t) / (1 − β₁^t)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − η_t·m / (sqrt(v) + ε)
/// ```
///
/// Keras' defaults: `η = 0.001`, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-7`, `d = 0`.
///
/// ```
/// use nn_core::optim::{Adam, Optimizer};
///
/// let mut adam = Adam::default();
/// let mut theta = [1.0];
/// adam.begin_step();
/// adam.update(0, &mut theta, &[4.0]);
/// // η_1 = 0.001·sqrt(1 − 0.999)/(1 − 0.9) = 0.000316228, m = 0.1·4 = 0.4,
/// // v = 0.001·16 = 0.016: θ = 1 − 0.000316228·0.4/(0.126491 + 1e-7) = 1 − 0.001 = 0.999
/// assert!((theta[0] - 0.999).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct Adam {
    clock: Clock,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    /// `η_t` with the bias correction of the current step.
    step_size: f32,
    moments: SlotState,
}

impl Adam {
    /// Adam with learning rate `learning_rate` (a number or a schedule) and Keras'
    /// other defaults.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        Adam {
            clock: Clock::new(learning_rate.into()),
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            step_size: 0.0,
            moments: SlotState::default(),
        }
    }

    /// The decay `β₁` of the first-moment (mean) estimate (default 0.9).
    pub fn beta_1(self, beta_1: f32) -> Self {
        Adam { beta_1, ..self }
    }

    /// The decay `β₂` of the second-moment estimate (default 0.999).
    pub fn beta_2(self, beta_2: f32) -> Self {
        Adam { beta_2, ..self }
    }

    /// `ε`, added to `sqrt(v)` for stability (default 1e-7).
    pub fn epsilon(self, epsilon: f32) -> Self {
        Adam { epsilon, ..self }
    }

    /// Keras' legacy inverse-time decay: the rate at step `t` is divided by `1 + decay·(t−1)`.
    pub fn decay(mut self, decay: f32) -> Self {
        self.clock.decay = decay;
        self
    }

    /// Steps begun so far.
    pub fn iterations(&self) -> u64 {
        self.clock.iterations
    }

    /// The learning rate of the current step before bias correction,
    /// `η(t−1) / (1 + d·(t−1))` (0 before the first step).
    pub fn current_learning_rate(&self) -> f32 {
        self.clock.rate
    }
}

impl Default for Adam {
    /// Keras' defaults: learning rate 0.001, `β₁ = 0.9`, `β₂ = 0.999`, `ε = 1e-7`.
    fn default() -> Self {
        Adam::new(0.001)
    }
}

impl Optimizer for Adam {
    fn begin_step(&mut self) {
        let t = self.clock.tick() as f64;
        let (beta_1, beta_2) = (f64::from(self.beta_1), f64::from(self.beta_2));
        let correction = (1.0 - beta_2.powf(t)).sqrt() / (1.0 - beta_1.powf(t));
        self.step_size = (f64::from(self.clock.rate) * correction) as f32;
    }

    /// An update before any [`Optimizer::begin_step`] begins the first step.
    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]) {
        if self.clock.iterations == 0 {
            self.begin_step();
        }
        let n = params.len();
        let (m, v) = self.moments.get(slot, 2 * n).split_at_mut(n);
        let constants = [self.step_size, self.beta_1, self.beta_2, self.epsilon];
        crate::parallel::zip_parts([params, m, v], &grads[..n], |[p, m, v], g| adam_step(p, g, m, v, constants));
    }
}

crate::cpu::with_avx2! {
    /// One Adam update of a tensor: `[α_t, β₁, β₂, ε]`.
    fn adam_step(params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32], constants: [f32; 4]) {
        let [alpha, beta_1, beta_2, eps] = constants;
        for (((p, g), m), v) in params.iter_mut().zip(grads).zip(m).zip(v) {
            *m += (g - *m) * (1.0 - beta_1);
            *v += (g * g - *v) * (1.0 - beta_2);
            *p -= alpha * *m / (v.sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::tests::{assert_close, minimise_quadratic, trajectory};
    use crate::optim::InverseTimeDecay;

    #[test]
    fn has_keras_defaults() {
        let a = Adam::default();
        assert_eq!((a.beta_1, a.beta_2, a.epsilon, a.clock.learning_rate.at(0)), (0.9, 0.999, 1e-7, 0.001));
    }

    #[test]
    fn steps_match_the_formula() {
        // t = 1, g = 0.5, η = 0.1:
        //   η_1 = 0.1·sqrt(1 − 0.999)/(1 − 0.9) = 0.1·0.0316228/0.1 = 0.0316228
        //   m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025, sqrt(v) = 0.0158114
        //   θ = 1 − 0.0316228·0.05/(0.0158114 + 1e-7) = 1 − 0.0999994 = 0.9000006
        // t = 2, g = −1:
        //   η_2 = 0.1·sqrt(1 − 0.998001)/(1 − 0.81) = 0.1·0.0447102/0.19 = 0.0235317
        //   m = 0.9·0.05 + 0.1·(−1) = −0.055, v = 0.999·0.00025 + 0.001·1 = 0.00124975
        //   sqrt(v) = 0.0353518, θ = 0.9000006 + 0.0235317·0.055/0.0353519 = 0.9000006 + 0.0366102 = 0.9366108
        assert_close(&trajectory(Adam::new(0.1), &[0.5, -1.0]), &[0.900_000_6, 0.936_610_8], 1e-6);
    }

    #[test]
    fn decay_and_schedules_scale_the_rate_before_bias_correction() {
        // η(1) = 0.1 / (1 + 1·1) = 0.05 at the second step, so its move is half
        // the one above: 0.0366102 / 2 = 0.0183051, θ = 0.9000006 + 0.0183051 = 0.9183057.
        let expected = [0.900_000_6, 0.918_305_7];
        assert_close(&trajectory(Adam::new(0.1).decay(1.0), &[0.5, -1.0]), &expected, 1e-6);
        assert_close(
            &trajectory(Adam::new(InverseTimeDecay::new(0.1, 1, 1.0).unwrap()), &[0.5, -1.0]),
            &expected,
            1e-6,
        );
    }

    #[test]
    fn minimises_a_quadratic() {
        for adam in [Adam::new(0.05), Adam::new(0.05).beta_1(0.5).beta_2(0.99)] {
            let (before, after) = minimise_quadratic(adam.clone(), 1000);
            assert!(after < 1e-3 * before, "{adam:?}: loss {before} -> {after}");
        }
    }
}
