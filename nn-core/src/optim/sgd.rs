use super::{Clock, LearningRate, Optimizer, SlotState};
use crate::parallel::zip_parts;

/// Stochastic gradient descent, with Keras' momentum, Nesterov momentum and
/// legacy learning-rate `decay`.
///
/// At step `t` (0 for the first), with learning rate `η` (a constant or a
/// [`Schedule`](super::Schedule)), decay `d`, momentum `μ`, gradient `g` and
/// velocity `v` (0 at the start):
///
/// ```text
/// η_t = η(t) / (1 + d·t)
/// v  ← μ·v − η_t·g
/// θ  ← θ + v                  (nesterov = false)
/// θ  ← θ + μ·v − η_t·g        (nesterov = true)
/// ```
///
/// With `μ = 0` this is `θ ← θ − η_t·g`, and no velocity is kept. Keras'
/// defaults: `η = 0.01` ([`Sgd::default`]), `μ = 0`, no Nesterov, `d = 0`.
///
/// The tutorials' `SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)`:
///
/// ```
/// use nn_core::optim::{Optimizer, Sgd};
///
/// let mut sgd = Sgd::new(0.01).decay(1e-6).momentum(0.9).nesterov(true);
/// let mut theta = [1.0];
/// sgd.begin_step();
/// sgd.update(0, &mut theta, &[2.0]);
/// // v = 0.9·0 − 0.01·2 = −0.02; θ = 1 + 0.9·(−0.02) − 0.01·2 = 0.962
/// assert!((theta[0] - 0.962).abs() < 1e-6);
/// ```
#[derive(Debug, Clone)]
pub struct Sgd {
    clock: Clock,
    momentum: f32,
    nesterov: bool,
    velocity: SlotState,
}

impl Sgd {
    /// SGD with learning rate `learning_rate`: a number or a schedule.
    pub fn new(learning_rate: impl Into<LearningRate>) -> Self {
        Sgd { clock: Clock::new(learning_rate.into()), momentum: 0.0, nesterov: false, velocity: SlotState::default() }
    }

    /// Momentum `μ` in `[0, 1)`: how much of the last update is kept (Keras' default 0).
    pub fn momentum(self, momentum: f32) -> Self {
        Sgd { momentum, ..self }
    }

    /// Nesterov momentum: step from where the momentum is taking the parameters.
    pub fn nesterov(self, nesterov: bool) -> Self {
        Sgd { nesterov, ..self }
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

impl Default for Sgd {
    /// Keras' default learning rate, 0.01, without momentum.
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl Optimizer for Sgd {
    fn begin_step(&mut self) {
        self.clock.tick();
    }

    /// Without momentum, `θ ← θ − η_t·g`.
    fn plain_step(&self) -> Option<f32> {
        (self.momentum == 0.0 && self.clock.iterations > 0).then_some(self.clock.rate)
    }

    /// An update before any [`Optimizer::begin_step`] begins the first step.
    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]) {
        if self.clock.iterations == 0 {
            self.begin_step();
        }
        let (lr, mu, nesterov) = (self.clock.rate, self.momentum, self.nesterov);
        let grads = &grads[..params.len()];
        if mu == 0.0 {
            zip_parts([params], grads, |[p], g| sgd_step(p, g, lr));
        } else {
            let velocity = self.velocity.get(slot, params.len());
            zip_parts([params, velocity], grads, |[p, v], g| momentum_step(p, g, v, [lr, mu], nesterov));
        }
    }
}

crate::cpu::with_avx2! {
    /// `θ ← θ − η·g`: plain SGD's update, also applied by the layers that
    /// update themselves in the backward pass (`Layer::backward_sgd`).
    pub(crate) fn sgd_step(params: &mut [f32], grads: &[f32], lr: f32) {
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= lr * g;
        }
    }
}

crate::cpu::with_avx2! {
    /// One momentum step with `[η, μ]`, Nesterov's or the classic one.
    fn momentum_step(params: &mut [f32], grads: &[f32], velocity: &mut [f32], constants: [f32; 2], nesterov: bool) {
        let [lr, mu] = constants;
        if nesterov {
            for ((p, g), v) in params.iter_mut().zip(grads).zip(velocity) {
                *v = mu * *v - lr * g;
                *p += mu * *v - lr * g;
            }
        } else {
            for ((p, g), v) in params.iter_mut().zip(grads).zip(velocity) {
                *v = mu * *v - lr * g;
                *p += *v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::tests::{assert_close, minimise_quadratic, trajectory};
    use crate::optim::ExponentialDecay;

    /// The gradients fed to θ = 1 in the hand-computed tests.
    const GRADS: [f32; 3] = [0.5, -1.0, 2.0];

    #[test]
    fn steps_against_the_gradient() {
        let mut params = [1.0, -2.0];
        Sgd::new(0.5).update(0, &mut params, &[2.0, -4.0]);
        assert_eq!(params, [0.0, 0.0]);
    }

    #[test]
    fn plain_steps_match_the_formula() {
        // θ = 1 − 0.1·0.5 = 0.95; 0.95 − 0.1·(−1) = 1.05; 1.05 − 0.1·2 = 0.85
        assert_close(&trajectory(Sgd::new(0.1), &GRADS), &[0.95, 1.05, 0.85], 1e-6);
    }

    #[test]
    fn momentum_steps_match_the_formula() {
        // v = 0.9·0 − 0.1·0.5 = −0.05,          θ = 1 − 0.05 = 0.95
        // v = 0.9·(−0.05) − 0.1·(−1) = 0.055,   θ = 0.95 + 0.055 = 1.005
        // v = 0.9·0.055 − 0.1·2 = −0.1505,      θ = 1.005 − 0.1505 = 0.8545
        assert_close(&trajectory(Sgd::new(0.1).momentum(0.9), &GRADS), &[0.95, 1.005, 0.8545], 1e-6);
    }

    #[test]
    fn nesterov_steps_match_the_formula() {
        // v = −0.05,   θ = 1 + 0.9·(−0.05) − 0.1·0.5 = 1 − 0.045 − 0.05 = 0.905
        // v = 0.055,   θ = 0.905 + 0.9·0.055 + 0.1 = 0.905 + 0.0495 + 0.1 = 1.0545
        // v = −0.1505, θ = 1.0545 + 0.9·(−0.1505) − 0.2 = 1.0545 − 0.13545 − 0.2 = 0.71905
        let sgd = Sgd::new(0.1).momentum(0.9).nesterov(true);
        assert_close(&trajectory(sgd, &GRADS), &[0.905, 1.0545, 0.71905], 1e-6);
    }

    #[test]
    fn decay_divides_the_rate_by_one_plus_decay_times_step() {
        // η_0 = 0.1,   θ = 1 − 0.1·0.5 = 0.95
        // η_1 = 0.1 / (1 + 0.5·1) = 0.0666667, θ = 0.95 + 0.0666667 = 1.0166667
        // η_2 = 0.1 / (1 + 0.5·2) = 0.05,      θ = 1.0166667 − 0.05·2 = 0.9166667
        let mut sgd = Sgd::new(0.1).decay(0.5);
        assert_close(&trajectory(&mut sgd, &GRADS), &[0.95, 1.016_666_7, 0.916_666_7], 1e-6);
        assert_eq!((sgd.iterations(), sgd.current_learning_rate()), (3, 0.05));
    }

    #[test]
    fn a_schedule_sets_each_steps_rate() {
        // η = 0.1, 0.05, 0.025: θ = 1 − 0.05 = 0.95; 0.95 + 0.05 = 1.0; 1.0 − 0.05 = 0.95
        let sgd = Sgd::new(ExponentialDecay::new(0.1, 1, 0.5).unwrap());
        assert_close(&trajectory(sgd, &GRADS), &[0.95, 1.0, 0.95], 1e-6);
        // With the legacy decay on top: η_1 = 0.05 / (1 + 1·1) = 0.025, θ = 0.95 + 0.025 = 0.975
        let sgd = Sgd::new(ExponentialDecay::new(0.1, 1, 0.5).unwrap()).decay(1.0);
        assert_close(&trajectory(sgd, &GRADS[..2]), &[0.95, 0.975], 1e-6);
    }

    #[test]
    fn velocities_are_kept_per_slot() {
        let mut sgd = Sgd::new(0.1).momentum(0.5);
        let (mut a, mut b) = ([0.0], [0.0, 0.0]);
        for _ in 0..2 {
            sgd.begin_step();
            sgd.update(0, &mut a, &[1.0]);
            sgd.update(1, &mut b, &[-1.0, 0.0]);
        }
        // Slot 0: v = −0.1, then 0.5·(−0.1) − 0.1 = −0.15; θ = −0.1 − 0.15 = −0.25. Slot 1 mirrors it.
        assert_close(&[a[0], b[0], b[1]], &[-0.25, 0.25, 0.0], 1e-6);
    }

    #[test]
    fn every_variant_minimises_a_quadratic() {
        for sgd in [Sgd::new(0.1), Sgd::new(0.05).momentum(0.9), Sgd::new(0.05).momentum(0.9).nesterov(true)] {
            let (before, after) = minimise_quadratic(sgd.clone(), 300);
            assert!(after < 1e-4 * before, "{sgd:?}: loss {before} -> {after}");
        }
        let (before, after) = minimise_quadratic(Sgd::new(0.1).decay(1e-3), 300);
        assert!(after < 1e-3 * before, "with decay: loss {before} -> {after}");
    }
}
