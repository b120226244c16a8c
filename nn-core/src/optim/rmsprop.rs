use super::{Clock, LearningRate, Optimizer, SlotState};
use crate::parallel::zip_parts;

/// RMSprop: each parameter's step divided by a running root mean square of its
/// gradients, as Keras computes it.
///
/// At step `t` (0 for the first), with learning rate `η`, legacy decay `d`, decay
/// factor `ρ`, gradient `g`, and `s`, `ḡ`, `m` starting at 0:
///
/// ```text
/// η_t = η(t) / (1 + d·t)
/// s ← ρ·s + (1 − ρ)·g²
/// ḡ ← ρ·ḡ + (1 − ρ)·g                 (centered only)
/// Δ = η_t·g / sqrt(s − ḡ² + ε)         (ḡ = 0 unless centered)
/// m ← μ·m + Δ;  θ ← θ − m              (momentum μ > 0)
/// θ ← θ − Δ                            (μ = 0)
/// ```
///
/// Keras' defaults: `η = 0.001`, `ρ = 0.9`, `μ = 0`, `ε = 1e-7`, not centered,
/// `d = 0`. Only the running averages in use are kept: `s` always, `m` with
/// momentum, `ḡ` when centered.
///
/// ```
/// use nn_core::optim::{Optimizer, RmsProp};
///
/// let mut rmsprop = RmsProp::new(0.01);
/// let mut theta = [1.0];
/// rmsprop.begin_step();
/// rmsprop.update(0, &mut theta, &[2.0]);
/// // s = 0.1·4 = 0.4; θ = 1 − 0.01·2 / sqrt(0.4 + 1e-7) = 1 − 0.0316228 = 0.9683772
/// assert!((theta[0] - 0.968_377_2).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct RmsProp {
    clock: Clock,
    rho: f32,
    momentum: f32,
    epsilon: f32,
    centered: bool,
    state: SlotState,
}

impl RmsProp {
    /// RMSprop with learning rate `learning_rate` (a number or a schedule) and
    /// Keras' other defaults.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        RmsProp {
            clock: Clock::new(learning_rate.into()),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            state: SlotState::default(),
        }
    }

    /// The decay factor `ρ` of the running average of squared gradients (default 0.9).
    pub fn rho(self, rho: f32) -> Self {
        RmsProp { rho, ..self }
    }

    /// Momentum `μ` applied to the steps (default 0).
    pub fn momentum(self, momentum: f32) -> Self {
        RmsProp { momentum, ..self }
    }

    /// `ε`, added under the square root for stability (default 1e-7).
    pub fn epsilon(self, epsilon: f32) -> Self {
        RmsProp { epsilon, ..self }
    }

    /// Divide by the gradients' running variance instead of their running mean
    /// square (default false).
    pub fn centered(self, centered: bool) -> Self {
        RmsProp { centered, ..self }
    }

    /// Keras' legacy inverse-time decay: the rate at step `t` is divided by `1 + decay·t`.
    pub fn decay(mut self, decay: f32) -> Self {
        self.clock.decay = decay;
        self
    }

    /// Steps begun so far.
    pub fn iterations(&self) -> u64 {
        self.clock.iterations
    }

    /// The learning rate `η_t` of the current step (0 before the first).
    pub fn current_learning_rate(&self) -> f32 {
        self.clock.rate
    }
}

impl Default for RmsProp {
    /// Keras' defaults: learning rate 0.001, `ρ = 0.9`, no momentum, `ε = 1e-7`.
    fn default() -> Self {
        RmsProp::new(0.001)
    }
}

impl Optimizer for RmsProp {
    fn begin_step(&mut self) {
        self.clock.tick();
    }

    /// An update before any [`Optimizer::begin_step`] begins the first step.
    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]) {
        if self.clock.iterations == 0 {
            self.begin_step();
        }
        let constants = [self.clock.rate, self.rho, self.momentum, self.epsilon];
        let n = params.len();
        let grads = &grads[..n];
        let (momentum, centered) = (self.momentum > 0.0, self.centered);
        let buffers = 1 + usize::from(momentum) + usize::from(centered);
        let state = self.state.get(slot, buffers * n);
        // The state holds the mean square, then the steps (with momentum), then
        // the mean (centred); each part of the tensor gets its part of each.
        let (mean_square, rest) = state.split_at_mut(n);
        match (momentum, centered) {
            (true, true) => {
                let (steps, mean) = rest.split_at_mut(n);
                zip_parts([params, mean_square, steps, mean], grads, |[p, s, st, m], g| {
                    rms_step(p, g, s, st, m, constants, centered)
                });
            }
            (true, false) => zip_parts([params, mean_square, rest], grads, |[p, s, st], g| {
                rms_step(p, g, s, st, &mut [], constants, centered)
            }),
            (false, true) => zip_parts([params, mean_square, rest], grads, |[p, s, m], g| {
                rms_step(p, g, s, &mut [], m, constants, centered)
            }),
            (false, false) => zip_parts([params, mean_square], grads, |[p, s], g| {
                rms_step(p, g, s, &mut [], &mut [], constants, centered)
            }),
        }
    }
}

crate::cpu::with_avx2! {
    /// One RMSprop update with `[η, ρ, μ, ε]`: `steps` is empty without
    /// momentum, `mean` empty unless `centered`.
    fn rms_step(
        params: &mut [f32],
        grads: &[f32],
        mean_square: &mut [f32],
        steps: &mut [f32],
        mean: &mut [f32],
        constants: [f32; 4],
        centered: bool,
    ) {
        let [lr, rho, mu, eps] = constants;
        for i in 0..params.len() {
            let g = grads[i];
            mean_square[i] = rho * mean_square[i] + (1.0 - rho) * g * g;
            let mut denominator = mean_square[i];
            if centered {
                mean[i] = rho * mean[i] + (1.0 - rho) * g;
                denominator -= mean[i] * mean[i];
            }
            let step = lr * g / (denominator + eps).sqrt();
            if mu > 0.0 {
                steps[i] = mu * steps[i] + step;
                params[i] -= steps[i];
            } else {
                params[i] -= step;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::tests::{assert_close, minimise_quadratic, trajectory};

    /// The gradients fed to θ = 1 in the hand-computed tests.
    const GRADS: [f32; 2] = [0.5, -1.0];

    #[test]
    fn has_keras_defaults() {
        let r = RmsProp::default();
        assert_eq!(
            (r.rho, r.momentum, r.epsilon, r.centered, r.clock.learning_rate.at(0)),
            (0.9, 0.0, 1e-7, false, 0.001)
        );
    }

    #[test]
    fn plain_steps_match_the_formula() {
        // s = 0.1·0.25 = 0.025;              Δ = 0.01·0.5 / sqrt(0.0250001) = 0.005 / 0.1581142 = 0.0316227
        //                                    θ = 1 − 0.0316227 = 0.9683773
        // s = 0.9·0.025 + 0.1·1 = 0.1225;    Δ = −0.01 / sqrt(0.1225001) = −0.01 / 0.3500001 = −0.0285714
        //                                    θ = 0.9683773 + 0.0285714 = 0.9969487
        assert_close(&trajectory(RmsProp::new(0.01), &GRADS), &[0.968_377_3, 0.996_948_7], 1e-6);
    }

    #[test]
    fn momentum_steps_match_the_formula() {
        // m = 0.0316227,                                θ = 0.9683773
        // m = 0.9·0.0316227 − 0.0285714 = −0.0001110,  θ = 0.9683773 + 0.0001110 = 0.9684883
        assert_close(&trajectory(RmsProp::new(0.01).momentum(0.9), &GRADS), &[0.968_377_3, 0.968_488_3], 1e-6);
    }

    #[test]
    fn centered_steps_match_the_formula() {
        // s = 0.025, ḡ = 0.1·0.5 = 0.05, s − ḡ² = 0.0225
        //   Δ = 0.005 / sqrt(0.0225001) = 0.005 / 0.1500003 = 0.0333333, θ = 0.9666667
        // s = 0.1225, ḡ = 0.9·0.05 − 0.1 = −0.055, s − ḡ² = 0.1225 − 0.003025 = 0.119475
        //   Δ = −0.01 / sqrt(0.1194751) = −0.01 / 0.3456517 = −0.0289309, θ = 0.9955976
        assert_close(&trajectory(RmsProp::new(0.01).centered(true), &GRADS), &[0.966_666_7, 0.995_597_6], 1e-6);
    }

    #[test]
    fn every_variant_minimises_a_quadratic() {
        let variants = [
            RmsProp::new(0.01),
            RmsProp::new(0.01).momentum(0.5),
            RmsProp::new(0.01).centered(true),
            RmsProp::new(0.05).decay(0.01).rho(0.95),
        ];
        for rmsprop in variants {
            let (before, after) = minimise_quadratic(rmsprop.clone(), 1000);
            assert!(after < 1e-3 * before, "{rmsprop:?}: loss {before} -> {after}");
        }
    }
}
