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
    const STATE: usize = 2;
    const SEPARATE_HIDDEN: bool = false;
    const NAME: &'static str = "lstm";

    /// `c` receives the state `c`, then `tanh(c)` for the backward pass.
    fn forward(step: ForwardStep<'_>) {
        let ForwardStep { gates, bias, c_prev, c, h, .. } = step;
        lstm_forward(gates, bias, c_prev, c, h);
    }

    fn backward(step: BackwardStep<'_>) {
        let BackwardStep { dh, dc, gates, c_prev, c, dgates, .. } = step;
        lstm_backward(dh, dc, gates, c_prev, &c[dh.len()..2 * dh.len()], dgates);
    }

    /// ONNX's `LSTM`, its default activations (sigmoid, tanh, tanh); its
    /// gates i, o, f, c are nn's (PyTorch's) i, f, g, o as 0, 3, 1, 2.
    fn onnx(_directions: usize) -> crate::Result<OnnxCell> {
        Ok(OnnxCell { op: "LSTM", gates: &[0, 3, 1, 2], attributes: Vec::new() })
    }
}

crate::cpu::with_avx2! {
    /// One sample's step forward: the gates' values in place of their
    /// pre-activations (`gates + bias`), `c` and `tanh(c)` into `c`'s two halves, the output
    /// into `h`. Eight units at a time where the CPU allows, as one function
    /// (no multiply and add is fused outside the gate functions, which fuse
    /// theirs everywhere: every CPU gives the same bits).
    fn lstm_forward(gates: &mut [f32], bias: &[f32], c_prev: &[f32], c: &mut [f32], h: &mut [f32]) {
        let u = h.len();
        let (c, tanh_c) = c[..2 * u].split_at_mut(u);
        let (c_prev, bias) = (&c_prev[..u], &bias[..4 * u]);
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
            tanh_c[k] = gate::tanh(c[k]);
        }
        for k in 0..u {
            h[k] = o[k] * tanh_c[k];
        }
    }
}

crate::cpu::with_avx2! {
    /// One sample's step backward: from `dh` and `dc` (the state's gradient,
    /// replaced by the previous state's) to the gates' pre-activations, with
    /// the gates `i, f, g, o` and `tanh(c)` the forward step kept. Eight units
    /// at a time where the CPU allows (each value computed as in the plain
    /// loop: no multiply and add is fused, so every CPU gives the same bits).
    fn lstm_backward(dh: &[f32], dc: &mut [f32], gates: &[f32], c_prev: &[f32], tanh_c: &[f32], dgates: &mut [f32]) {
        let u = dh.len();
        let (dc, c_prev, tanh_c) = (&mut dc[..u], &c_prev[..u], &tanh_c[..u]);
        let (i, rest) = gates[..4 * u].split_at(u);
        let (f, rest) = rest.split_at(u);
        let (g, o) = rest.split_at(u);
        let (di, rest) = dgates[..4 * u].split_at_mut(u);
        let (df, rest) = rest.split_at_mut(u);
        let (dg, d_o) = rest.split_at_mut(u);
        for k in 0..u {
            let tc = tanh_c[k];
            let dct = dc[k] + dh[k] * o[k] * (1.0 - tc * tc);
            d_o[k] = dh[k] * tc * o[k] * (1.0 - o[k]);
            di[k] = dct * g[k] * i[k] * (1.0 - i[k]);
            df[k] = dct * c_prev[k] * f[k] * (1.0 - f[k]);
            dg[k] = dct * i[k] * (1.0 - g[k] * g[k]);
            dc[k] = dct * f[k];
        }
    }
}
