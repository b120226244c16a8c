use super::recurrent::{BackwardStep, Cell, ForwardStep, OnnxCell, Recurrent};
use crate::act::gate;
use crate::onnx::Attr;

/// A gated recurrent unit layer (Keras' `GRU` with its default
/// `reset_after=True`, PyTorch's `nn.GRU`): `T` steps of `F` features in, `U`
/// units; the last step's output, or every step's with `SEQ`. See
/// [`Recurrent`] and [`GruCell`].
///
/// # Shapes
///
/// `[T, F]` in, `U` out (`[T, U]` with `SEQ`); `weight_ih_l0` `[3U, F]`,
/// `weight_hh_l0` `[3U, U]`, `bias_ih_l0` and `bias_hh_l0` `[3U]`, gates in
/// PyTorch's order r, z, n. Keras and PyTorch both keep the two biases.
///
/// ```
/// use nn_core::layers::{Gru, Layer};
///
/// assert_eq!(<Gru<20, 16, 32, true> as Layer>::PARAMS, 3 * 32 * (16 + 32 + 2));
/// ```
pub type Gru<const T: usize, const F: usize, const U: usize, const SEQ: bool> = Recurrent<GruCell, T, F, U, SEQ>;

/// One GRU step: `r = σ(x_r + h_r)`, `z = σ(x_z + h_z)`,
/// `n = tanh(x_n + r ⊙ h_n)` and `h = (1 − z) ⊙ n + z ⊙ h_prev`, where `x_·`
/// are the input's projections and `h_·` the previous output's (each with
/// its bias). `σ` and `tanh` are the LSTM's (see [`LstmCell`](super::LstmCell)).
pub struct GruCell;

impl Cell for GruCell {
    const GATES: usize = 3;
    const STATE: usize = 0;
    const SEPARATE_HIDDEN: bool = true;
    const NAME: &'static str = "gru";

    fn forward(step: ForwardStep<'_>) {
        let ForwardStep { gates, bias, hidden, h_prev, h, .. } = step;
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

    fn backward(step: BackwardStep<'_>) {
        let BackwardStep { dh, gates, hidden, h_prev, dgates, dhidden, dh_prev, .. } = step;
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

    /// ONNX's `GRU` with `linear_before_reset = 1` (the reset gate applied
    /// to the recurrent projection, bias included: Keras' `reset_after`, and
    /// PyTorch's GRU); its gates z, r, h are nn's (PyTorch's) r, z, n as 1,
    /// 0, 2.
    fn onnx(_directions: usize) -> crate::Result<OnnxCell> {
        let attributes = vec![("linear_before_reset", Attr::Int(1))];
        Ok(OnnxCell { op: "GRU", gates: &[1, 0, 2], attributes })
    }
}
