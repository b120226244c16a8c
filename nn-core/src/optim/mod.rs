#![cfg(feature = "std")]
//! Optimisers, one file each, and learning-rate schedules. An optimiser sees a
//! network's parameters as a fixed sequence of flat tensors (`slot` 0, 1, ...)
//! with their gradients.
//!
//! Each optimiser has Keras' default hyper-parameters and formulas, and keeps its
//! state (velocities, moment estimates) in one buffer per slot, allocated on the
//! first step and reused after, so a training step allocates nothing once warm.

mod adam;
mod rmsprop;
pub mod schedule;
mod sgd;

pub use adam::Adam;
pub use rmsprop::RmsProp;
pub use schedule::{ExponentialDecay, InverseTimeDecay, LearningRate, PiecewiseConstantDecay, Schedule};
pub(crate) use sgd::sgd_step;
pub use sgd::Sgd;

/// Updates parameters from their gradients.
pub trait Optimizer: Send {
    /// Called once per training step, before the step's [`Optimizer::update`] calls.
    fn begin_step(&mut self) {}

    /// Update the parameter tensor numbered `slot` from its gradient.
    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]);

    /// `Some(η)` when this step's update of every tensor is `θ ← θ − η·g` and
    /// nothing else (SGD without momentum); asked after [`Optimizer::begin_step`].
    /// A training step then lets the layers apply it as they compute the
    /// gradients ([`Layer::backward_sgd`](crate::layers::Layer::backward_sgd))
    /// instead of calling [`Optimizer::update`]. `None` by default.
    fn plain_step(&self) -> Option<f32> {
        None
    }
}

/// A borrowed optimiser keeps its state (momenta, step count) across `fit` calls.
impl<T: Optimizer + ?Sized> Optimizer for &mut T {
    fn begin_step(&mut self) {
        (**self).begin_step();
    }

    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]) {
        (**self).update(slot, params, grads);
    }

    fn plain_step(&self) -> Option<f32> {
        (**self).plain_step()
    }
}

/// Per-slot optimiser state: for each parameter tensor, one buffer of zeros made
/// on its first update and the same memory on every later one.
#[derive(Debug, Clone, Default)]
struct SlotState(Vec<Vec<f32>>);

impl SlotState {
    /// The `len` values kept for `slot`; zeros the first time (or if the slot's
    /// length changed, as when the optimiser moves to another network).
    fn get(&mut self, slot: usize, len: usize) -> &mut [f32] {
        if self.0.len() <= slot {
            self.0.resize_with(slot + 1, Vec::new);
        }
        let state = &mut self.0[slot];
        if state.len() != len {
            state.clear();
            state.resize(len, 0.0);
        }
        state
    }
}

/// The step counter and the learning rate of the current step, shared by the
/// optimisers: `begin_step` evaluates the rate (schedule, then Keras' legacy
/// `decay`) for the step about to be taken.
#[derive(Debug, Clone)]
struct Clock {
    learning_rate: LearningRate,
    decay: f32,
    /// Steps begun so far; the current one is `iterations - 1`.
    iterations: u64,
    /// The rate of the current step.
    rate: f32,
}

impl Clock {
    fn new(learning_rate: LearningRate) -> Self {
        Clock { learning_rate, decay: 0.0, iterations: 0, rate: 0.0 }
    }

    /// Begin the next step; returns its number from 1 (Keras' `iterations + 1`).
    fn tick(&mut self) -> u64 {
        let step = self.iterations;
        self.rate = schedule::legacy_decay(self.learning_rate.at(step), self.decay, step);
        self.iterations += 1;
        self.iterations
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::Optimizer;

    /// Run `optimizer` for `steps` steps on the quadratic
    /// `L = ½ Σ c_i (θ_i - t_i)²` over two parameter tensors (slots), from θ = 0,
    /// and return the loss before and after.
    pub fn minimise_quadratic(mut optimizer: impl Optimizer, steps: usize) -> (f32, f32) {
        let targets: [&[f32]; 2] = [&[1.0, -2.0, 0.5], &[3.0, -1.0]];
        let curvature: [&[f32]; 2] = [&[1.0, 4.0, 0.25], &[2.0, 0.5]];
        let mut params = vec![vec![0.0f32; 3], vec![0.0; 2]];
        let mut grads = [vec![0.0f32; 3], vec![0.0; 2]];
        let loss = |params: &[Vec<f32>]| -> f32 {
            (0..2)
                .map(|s| {
                    let terms = params[s].iter().zip(targets[s]).zip(curvature[s]);
                    terms.map(|((p, t), c)| 0.5 * c * (p - t) * (p - t)).sum::<f32>()
                })
                .sum()
        };
        let before = loss(&params);
        for _ in 0..steps {
            optimizer.begin_step();
            for slot in 0..2 {
                for i in 0..params[slot].len() {
                    grads[slot][i] = curvature[slot][i] * (params[slot][i] - targets[slot][i]);
                }
                optimizer.update(slot, &mut params[slot], &grads[slot]);
            }
        }
        (before, loss(&params))
    }

    /// Feed `optimizer` the gradients `grads`, one per step, for the single
    /// parameter θ = 1 in slot 0, and return θ after each step.
    pub fn trajectory(mut optimizer: impl Optimizer, grads: &[f32]) -> Vec<f32> {
        let mut theta = [1.0f32];
        grads
            .iter()
            .map(|g| {
                optimizer.begin_step();
                optimizer.update(0, &mut theta, &[*g]);
                theta[0]
            })
            .collect()
    }

    /// Every value within `tolerance` of the one computed by hand.
    pub fn assert_close(got: &[f32], want: &[f64], tolerance: f64) {
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((f64::from(*g) - w).abs() <= tolerance, "step {}: got {g}, want {w}", i + 1);
        }
    }
}
