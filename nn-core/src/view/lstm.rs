//! One step of an LSTM's view.

use super::recurrent::Step;
use crate::act::gate;

/// One LSTM step (as [`layers::LstmCell`](crate::layers::LstmCell), with its
/// gate functions):
/// `i = σ(·)`, `f = σ(·)`, `g = tanh(·)`, `o = σ(·)` of the gates'
/// pre-activations, `c = f ⊙ c_prev + i ⊙ g` and `h = o ⊙ tanh(c)`.
pub struct LstmStep;

impl Step for LstmStep {
    const GATES: usize = 4;
    const SEPARATE_HIDDEN: bool = false;

    fn step(gates: &mut [f32], _hidden: &[f32], h: &mut [f32], c: &mut [f32]) {
        let u = h.len();
        gate::sigmoid_in_place(&mut gates[..2 * u]);
        gate::tanh_in_place(&mut gates[2 * u..3 * u]);
        gate::sigmoid_in_place(&mut gates[3 * u..4 * u]);
        let (i, rest) = gates.split_at_mut(u);
        let (f, rest) = rest.split_at_mut(u);
        let (g, o) = rest.split_at_mut(u);
        for k in 0..u {
            c[k] = f[k] * c[k] + i[k] * g[k];
        }
        // `g` is spent: it takes tanh(c).
        g.copy_from_slice(c);
        gate::tanh_in_place(g);
        for k in 0..u {
            h[k] = o[k] * g[k];
        }
    }
}
