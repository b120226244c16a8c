//! Optimisers, one file each. An optimiser sees a network's parameters as a
//! fixed sequence of flat tensors (`slot` 0, 1, ...) with their gradients.

mod sgd;

pub use sgd::Sgd;

/// Updates parameters from their gradients.
pub trait Optimizer: Send {
    /// Called once per training step, before the step's [`Optimizer::update`] calls.
    fn begin_step(&mut self) {}

    /// Update the parameter tensor numbered `slot` from its gradient.
    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]);
}

/// A borrowed optimiser keeps its state (momenta, step count) across `fit` calls.
impl<T: Optimizer + ?Sized> Optimizer for &mut T {
    fn begin_step(&mut self) {
        (**self).begin_step();
    }

    fn update(&mut self, slot: usize, params: &mut [f32], grads: &[f32]) {
        (**self).update(slot, params, grads);
    }
}
