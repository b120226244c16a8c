//! One step of a simple RNN's view.

use super::recurrent::Step;
use crate::act::Activation;
use core::marker::PhantomData;

/// One simple RNN step (as [`layers::SimpleRnnCell`](crate::layers::SimpleRnnCell)):
/// `h = A(x + h_prev')`, the activation of the sum of the two projections.
pub struct SimpleRnnStep<A>(PhantomData<A>);

impl<A: Activation> Step for SimpleRnnStep<A> {
    const GATES: usize = 1;
    const SEPARATE_HIDDEN: bool = false;

    fn step(gates: &mut [f32], _hidden: &[f32], h: &mut [f32], _c: &mut [f32]) {
        let u = h.len();
        A::forward(&mut gates[..u], u);
        h.copy_from_slice(&gates[..u]);
    }
}
