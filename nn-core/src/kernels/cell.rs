//! The arithmetic of one step of a recurrent cell on one sample, between
//! the matrix products that a layer makes for the whole batch: LSTM, GRU and
//! simple RNN, forward and backward, gates in PyTorch's order. Each function
//! works on the slices of one sample; none needs the heap.

use crate::act::{gate, Activation};

/// What one forward step of a cell works on, for one sample.
pub struct ForwardStep<'a> {
    /// `G·U` values: the pre-activations but for the bias before, the
    /// gates' values after.
    pub gates: &'a mut [f32],
    /// `G·U` values: the bias of the input's projection (`bias_ih`), for the
    /// cell to add to `gates` before anything else (in the same pass as its
    /// gate functions, rather than a pass of its own over every sample's
    /// gates: 1-2% of `predict`'s time).
    pub bias: &'a [f32],
    /// `G·U` values: the previous output's projection (empty unless kept apart).
    pub hidden: &'a [f32],
    /// The previous output (zeros at the first step).
    pub h_prev: &'a [f32],
    /// The previous step's state, the cell's `STATE` values per unit (zeros
    /// at the first step; empty for a cell without state).
    pub c_prev: &'a [f32],
    /// Receives this step's state, the cell's `STATE` values per unit.
    pub c: &'a mut [f32],
    /// Receives the output.
    pub h: &'a mut [f32],
}

/// What one backward step of a cell works on, for one sample.
pub struct BackwardStep<'a> {
    /// The gradient with respect to this step's output.
    pub dh: &'a [f32],
    /// The gradient with respect to this step's state (its first `U`
    /// values) on entry, the previous state's on return (empty for a cell
    /// without state).
    pub dc: &'a mut [f32],
    /// The gates as the forward step left them.
    pub gates: &'a [f32],
    /// The previous output's projection (empty unless kept apart).
    pub hidden: &'a [f32],
    /// The previous output, as in the forward step.
    pub h_prev: &'a [f32],
    /// The previous state, as in the forward step.
    pub c_prev: &'a [f32],
    /// This step's state values, as the forward step left them.
    pub c: &'a [f32],
    /// This step's output.
    pub h: &'a [f32],
    /// Receives the gradient with respect to the gates' pre-activations.
    pub dgates: &'a mut [f32],
    /// Receives the gradient with respect to the previous output's
    /// projection (empty unless kept apart).
    pub dhidden: &'a mut [f32],
    /// Zeros on entry; the gradient reaching the previous output other than
    /// through `W_hh` is added here (a GRU's `z ⊙ dh`).
    pub dh_prev: &'a mut [f32],
}

crate::cpu::with_avx512! {
    /// One LSTM step forward on one sample: the gates' values `i = σ(·)`,
    /// `f = σ(·)`, `g = tanh(·)`, `o = σ(·)` in place of their
    /// pre-activations (`gates + bias`), the state `c = f ⊙ c_prev + i ⊙ g`
    /// into `c`, the output `h = o ⊙ tanh(c)` into `h`. Sixteen units at a
    /// time with AVX-512, eight with AVX2, as one function (no multiply and
    /// add is fused outside the gate functions, which fuse theirs
    /// everywhere: every CPU gives the same bits). The gate functions'
    /// chains wait on their divisions, so sixteen values an instruction pay
    /// even where AVX-512's arithmetic is no faster (`docs/performance.md`).
    pub(crate) fn lstm_forward(gates: &mut [f32], bias: &[f32], c_prev: &[f32], c: &mut [f32], h: &mut [f32]) {
        let u = h.len();
        let (c, c_prev, bias) = (&mut c[..u], &c_prev[..u], &bias[..4 * u]);
        for (v, b) in gates[..2 * u].iter_mut().zip(&bias[..2 * u]) {
            *v = gate::sigmoid(*v + b);
        }
        for (v, b) in gates[2 * u..3 * u].iter_mut().zip(&bias[2 * u..3 * u]) {
            *v = gate::tanh(*v + b);
        }
        for (v, b) in gates[3 * u..4 * u].iter_mut().zip(&bias[3 * u..]) {
            *v = gate::sigmoid(*v + b);
        }
        let (i, rest) = gates[..4 * u].split_at(u);
        let (f, rest) = rest.split_at(u);
        let (g, o) = rest.split_at(u);
        for k in 0..u {
            c[k] = f[k] * c_prev[k] + i[k] * g[k];
            h[k] = o[k] * gate::tanh(c[k]);
        }
    }
}

crate::cpu::with_avx512! {
    /// One LSTM step backward on one sample: from `dh` and `dc` (the
    /// state's gradient, replaced by the previous state's) to the gates'
    /// pre-activations, with the gates `i, f, g, o` and the state `c` the
    /// forward step kept (`tanh(c)` computed again: the same bits as the
    /// forward step's, and cheaper than keeping it in memory,
    /// `docs/performance.md`). Sixteen units
    /// at a time with AVX-512, eight with AVX2 (each value computed as in the
    /// plain loop: no multiply and add is fused, so every CPU gives the same
    /// bits).
    pub(crate) fn lstm_backward(dh: &[f32], dc: &mut [f32], gates: &[f32], c_prev: &[f32], c: &[f32], dgates: &mut [f32]) {
        let u = dh.len();
        let (dc, c_prev, c) = (&mut dc[..u], &c_prev[..u], &c[..u]);
        let (i, rest) = gates[..4 * u].split_at(u);
        let (f, rest) = rest.split_at(u);
        let (g, o) = rest.split_at(u);
        let (di, rest) = dgates[..4 * u].split_at_mut(u);
        let (df, rest) = rest.split_at_mut(u);
        let (dg, d_o) = rest.split_at_mut(u);
        for k in 0..u {
            let tc = gate::tanh(c[k]);
            let dct = dc[k] + dh[k] * o[k] * (1.0 - tc * tc);
            d_o[k] = dh[k] * tc * o[k] * (1.0 - o[k]);
            di[k] = dct * g[k] * i[k] * (1.0 - i[k]);
            df[k] = dct * c_prev[k] * f[k] * (1.0 - f[k]);
            dg[k] = dct * i[k] * (1.0 - g[k] * g[k]);
            dc[k] = dct * f[k];
        }
    }
}

/// One GRU step forward on one sample (Keras' `reset_after=True`):
/// `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`, `n = tanh(x_n + r ⊙ h_n)` and
/// `h = (1 − z) ⊙ n + z ⊙ h_prev`, where `x_·` are the input's projections
/// in `gates` (`bias` still to add) and `h_·` the previous output's in
/// `hidden` (with its bias); the gates' values are left in `gates`.
pub(crate) fn gru_forward(gates: &mut [f32], bias: &[f32], hidden: &[f32], h_prev: &[f32], h: &mut [f32]) {
    let u = h.len();
    gates.iter_mut().zip(bias).for_each(|(g, b)| *g += b);
    for (g, z) in gates[..2 * u].iter_mut().zip(hidden) {
        *g += z;
    }
    gate::sigmoid_in_place(&mut gates[..2 * u]);
    let (rz, n) = gates.split_at_mut(2 * u);
    let (r, z) = rz.split_at(u);
    for k in 0..u {
        n[k] += r[k] * hidden[2 * u + k];
    }
    gate::tanh_in_place(n);
    for k in 0..u {
        h[k] = (1.0 - z[k]) * n[k] + z[k] * h_prev[k];
    }
}

/// One GRU step backward on one sample: from `dh`, with the gates `r, z, n`
/// and the previous output's projection `hidden` of the forward step, the
/// gradients to the gates' pre-activations into `dgates` and to `hidden`
/// into `dhidden`; `z ⊙ dh` is added to `dh_prev`.
pub(crate) fn gru_backward(
    dh: &[f32],
    gates: &[f32],
    hidden: &[f32],
    h_prev: &[f32],
    dgates: &mut [f32],
    dhidden: &mut [f32],
    dh_prev: &mut [f32],
) {
    let u = dh.len();
    let (r, rest) = gates.split_at(u);
    let (z, n) = rest.split_at(u);
    let (dr, rest) = dgates.split_at_mut(u);
    let (dz, dn) = rest.split_at_mut(u);
    let (dhr, rest) = dhidden.split_at_mut(u);
    let (dhz, dhn) = rest.split_at_mut(u);
    for k in 0..u {
        let dn_pre = dh[k] * (1.0 - z[k]) * (1.0 - n[k] * n[k]);
        let dz_pre = dh[k] * (h_prev[k] - n[k]) * z[k] * (1.0 - z[k]);
        let dr_pre = dn_pre * hidden[2 * u + k] * r[k] * (1.0 - r[k]);
        dh_prev[k] += dh[k] * z[k];
        (dr[k], dz[k], dn[k]) = (dr_pre, dz_pre, dn_pre);
        (dhr[k], dhz[k], dhn[k]) = (dr_pre, dz_pre, dn_pre * r[k]);
    }
}

/// One simple RNN step forward on one sample: `h = A(gates + bias)`, the
/// pre-activations (the sum of the two projections and the bias) kept in
/// `gates`, which the derivative of an activation such as GELU or swish
/// needs ([`Activation::NEEDS_INPUT`]).
pub(crate) fn simple_rnn_forward<A: Activation>(gates: &mut [f32], bias: &[f32], h: &mut [f32]) {
    gates.iter_mut().zip(bias).for_each(|(g, b)| *g += b);
    h.copy_from_slice(gates);
    A::forward(h, h.len());
}

/// One simple RNN step backward on one sample: `dh` through the activation
/// at the output `h` (or at the pre-activations `gates`, when it needs
/// them) into `dgates`. (Only with std: so is an activation's
/// [`Activation::backward_from_input`].)
#[cfg(feature = "std")]
pub(crate) fn simple_rnn_backward<A: Activation>(dh: &[f32], gates: &[f32], h: &[f32], dgates: &mut [f32]) {
    dgates.copy_from_slice(dh);
    if A::NEEDS_INPUT {
        A::backward_from_input(gates, dgates, h.len());
    } else {
        A::backward(h, dgates, h.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(k · 0.37).sin() · scale`, values of both signs and sizes.
    fn values(n: usize, scale: f32, phase: f32) -> Vec<f32> {
        (0..n).map(|k| (k as f32 * 0.37 + phase).sin() * scale).collect()
    }

    /// The LSTM's step functions, in whichever copy this CPU runs (AVX-512,
    /// AVX2 or the plain one), give the bits of the plain arithmetic written
    /// value by value with the scalar gate functions: results do not depend
    /// on the CPU. 40 units: two and a half vectors of 16, five of 8.
    #[test]
    fn the_lstm_steps_give_the_bits_of_the_plain_arithmetic_on_every_cpu() {
        const U: usize = 40;
        let (z, bias, c_prev) = (values(4 * U, 6.0, 0.1), values(4 * U, 0.5, 0.7), values(U, 2.0, 1.3));
        let (mut gates, mut c, mut h) = (z.clone(), vec![0.0; U], vec![0.0; U]);
        lstm_forward(&mut gates, &bias, &c_prev, &mut c, &mut h);
        for k in 0..U {
            let pre = |g: usize| z[g * U + k] + bias[g * U + k];
            let (i, f, g, o) =
                (gate::sigmoid(pre(0)), gate::sigmoid(pre(1)), gate::tanh(pre(2)), gate::sigmoid(pre(3)));
            let state = f * c_prev[k] + i * g;
            let expected = [i, f, g, o, state, o * gate::tanh(state)];
            let got = [gates[k], gates[U + k], gates[2 * U + k], gates[3 * U + k], c[k], h[k]];
            assert_eq!(got.map(f32::to_bits), expected.map(f32::to_bits), "forward, unit {k}");
        }
        let (dh, dc_in) = (values(U, 0.3, 2.1), values(U, 0.2, 0.4));
        let (mut dc, mut dgates) = (dc_in.clone(), vec![0.0; 4 * U]);
        lstm_backward(&dh, &mut dc, &gates, &c_prev, &c, &mut dgates);
        for k in 0..U {
            let (i, f, g, o, tc) = (gates[k], gates[U + k], gates[2 * U + k], gates[3 * U + k], gate::tanh(c[k]));
            let dct = dc_in[k] + dh[k] * o * (1.0 - tc * tc);
            let expected = [
                dct * g * i * (1.0 - i),
                dct * c_prev[k] * f * (1.0 - f),
                dct * i * (1.0 - g * g),
                dh[k] * tc * o * (1.0 - o),
                dct * f,
            ];
            let got = [dgates[k], dgates[U + k], dgates[2 * U + k], dgates[3 * U + k], dc[k]];
            assert_eq!(got.map(f32::to_bits), expected.map(f32::to_bits), "backward, unit {k}");
        }
    }
}
