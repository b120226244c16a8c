use super::recurrent::{BackwardStep, Cell, ForwardStep, OnnxCell, Recurrent};
use crate::act::gate;

/// A long short-term memory layer (Keras' `LSTM`, PyTorch's `nn.LSTM`):
/// `T` steps of `F` features in, `U` units; the last step's output, or every
/// step's with `SEQ`. See [`Recurrent`] for the weights and the loop, and
/// [`LstmCell`] for a step.
///
/// # Shapes
///
/// `[T, F]` in, `U` out (`[T, U]` with `SEQ`); `weight_ih_l0` `[4U, F]`,
/// `weight_hh_l0` `[4U, U]`, one bias `[4U]` (PyTorch's `bias_ih_l0` and
/// `bias_hh_l0` added), gates in PyTorch's order i, f, g, o.
///
/// ```
/// use nn_core::layers::{Layer, Lstm};
///
/// // lstm(128) on 28 steps of 28 features: Keras' 80,384 parameters.
/// assert_eq!(<Lstm<28, 28, 128, false> as Layer>::PARAMS, 80_384);
/// assert_eq!(<Lstm<28, 28, 128, true> as Layer>::OUTPUT, 28 * 128);
/// ```
pub type Lstm<const T: usize, const F: usize, const U: usize, const SEQ: bool> = Recurrent<LstmCell, T, F, U, SEQ>;

/// One LSTM step: `i = σ(·)`, `f = σ(·)`, `g = tanh(·)`, `o = σ(·)` of the
/// gates' pre-activations (the input's projection plus the previous output's),
/// `c = f ⊙ c_prev + i ⊙ g` and `h = o ⊙ tanh(c)`. `σ` and `tanh` are the
/// gates' rational approximations (within 3.5e-7 of tanh, relative, and 2e-7
/// of the sigmoid, absolute; `docs/performance.md`), at about half the cost
/// of the [`Sigmoid`](crate::act::Sigmoid) and [`Tanh`](crate::act::Tanh)
/// activations.
pub struct LstmCell;

impl Cell for LstmCell {
    const GATES: usize = 4;
    const STATE: usize = 1;
    const SEPARATE_HIDDEN: bool = false;
    const NAME: &'static str = "lstm";

    /// `c` receives the state `c` (the backward pass computes `tanh(c)`
    /// again rather than read it from memory).
    fn forward(step: ForwardStep<'_>) {
        let ForwardStep { gates, bias, c_prev, c, h, .. } = step;
        lstm_forward(gates, bias, c_prev, c, h);
    }

    fn backward(step: BackwardStep<'_>) {
        let BackwardStep { dh, dc, gates, c_prev, c, dgates, .. } = step;
        lstm_backward(dh, dc, gates, c_prev, c, dgates);
    }

    /// ONNX's `LSTM`, its default activations (sigmoid, tanh, tanh); its
    /// gates i, o, f, c are nn's (PyTorch's) i, f, g, o as 0, 3, 1, 2.
    fn onnx(_directions: usize) -> crate::Result<OnnxCell> {
        Ok(OnnxCell { op: "LSTM", gates: &[0, 3, 1, 2], attributes: Vec::new() })
    }
}

crate::cpu::with_avx512! {
    /// One sample's step forward: the gates' values in place of their
    /// pre-activations (`gates + bias`), the state into `c`, the output
    /// into `h`. Sixteen units at a time with AVX-512,
    /// eight with AVX2, as one function (no multiply and add is fused outside
    /// the gate functions, which fuse theirs everywhere: every CPU gives the
    /// same bits). The gate functions' chains wait on their divisions, so
    /// sixteen values an instruction pay even where AVX-512's arithmetic is
    /// no faster (`docs/performance.md`).
    fn lstm_forward(gates: &mut [f32], bias: &[f32], c_prev: &[f32], c: &mut [f32], h: &mut [f32]) {
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
    /// One sample's step backward: from `dh` and `dc` (the state's gradient,
    /// replaced by the previous state's) to the gates' pre-activations, with
    /// the gates `i, f, g, o` and the state `c` the forward step kept
    /// (`tanh(c)` computed again: the same bits as the forward step's, and
    /// cheaper than keeping it in memory, `docs/performance.md`). Sixteen
    /// units at a time with AVX-512, eight with AVX2 (each value computed as
    /// in the plain loop: no multiply and add is fused, so every CPU gives the
    /// same bits).
    fn lstm_backward(dh: &[f32], dc: &mut [f32], gates: &[f32], c_prev: &[f32], c: &[f32], dgates: &mut [f32]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `(k · 0.37).sin() · scale`, values of both signs and sizes.
    fn values(n: usize, scale: f32, phase: f32) -> Vec<f32> {
        (0..n).map(|k| (k as f32 * 0.37 + phase).sin() * scale).collect()
    }

    /// The step functions, in whichever copy this CPU runs (AVX-512, AVX2 or
    /// the plain one), give the bits of the plain arithmetic written value
    /// by value with the scalar gate functions: results do not depend on
    /// the CPU. 40 units: two and a half vectors of 16, five of 8.
    #[test]
    fn the_steps_give_the_bits_of_the_plain_arithmetic_on_every_cpu() {
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
