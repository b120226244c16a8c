//! One step of a GRU's view.

use super::recurrent::Step;
use crate::act::gate;

/// One GRU step (as [`layers::GruCell`](crate::layers::GruCell), Keras'
/// `reset_after=True`): `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`,
/// `n = tanh(x_n + r ⊙ h_n)` and `h = (1 − z) ⊙ n + z ⊙ h_prev`, where `x_·`
/// are the input's projections and `h_·` the previous output's, each with
/// its bias.
pub struct GruStep;

impl Step for GruStep {
    const GATES: usize = 3;
    const SEPARATE_HIDDEN: bool = true;

    fn step(gates: &mut [f32], hidden: &[f32], h: &mut [f32], _c: &mut [f32]) {
        let u = h.len();
        for (g, z) in gates[..2 * u].iter_mut().zip(hidden) {
            *g += z;
        }
        gate::sigmoid_in_place(&mut gates[..2 * u]);
        let (rz, n) = gates.split_at_mut(2 * u);
        let (r, z) = rz.split_at(u);
        for k in 0..u {
            n[k] += r[k] * hidden[2 * u + k];
        }
        gate::tanh_in_place(&mut n[..u]);
        for k in 0..u {
            h[k] = (1.0 - z[k]) * n[k] + z[k] * h[k];
        }
    }
}
