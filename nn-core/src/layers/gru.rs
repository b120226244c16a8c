use super::recurrent::{Cell, ForwardStep};
use crate::kernels::cell::gru_forward;
#[cfg(feature = "std")]
use {
    super::recurrent::{BackwardStep, OnnxCell, Recurrent},
    crate::kernels::cell::gru_backward,
    crate::onnx::Attr,
};

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
#[cfg(feature = "std")]
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
        gru_forward(gates, bias, hidden, h_prev, h);
    }

    #[cfg(feature = "std")]
    fn backward(step: BackwardStep<'_>) {
        let BackwardStep { dh, gates, hidden, h_prev, dgates, dhidden, dh_prev, .. } = step;
        gru_backward(dh, gates, hidden, h_prev, dgates, dhidden, dh_prev);
    }

    /// ONNX's `GRU` with `linear_before_reset = 1` (the reset gate applied
    /// to the recurrent projection, bias included: Keras' `reset_after`, and
    /// PyTorch's GRU); its gates z, r, h are nn's (PyTorch's) r, z, n as 1,
    /// 0, 2.
    #[cfg(feature = "std")]
    fn onnx(_directions: usize) -> crate::Result<OnnxCell> {
        let attributes = vec![("linear_before_reset", Attr::Int(1))];
        Ok(OnnxCell { op: "GRU", gates: &[1, 0, 2], attributes })
    }
}
