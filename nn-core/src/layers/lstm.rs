use super::recurrent::{Cell, ForwardStep};
use crate::kernels::cell::lstm_forward;
#[cfg(feature = "std")]
use {
    super::recurrent::{BackwardStep, OnnxCell, Recurrent},
    crate::kernels::cell::lstm_backward,
};

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
#[cfg(feature = "std")]
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

    #[cfg(feature = "std")]
    fn backward(step: BackwardStep<'_>) {
        let BackwardStep { dh, dc, gates, c_prev, c, dgates, .. } = step;
        lstm_backward(dh, dc, gates, c_prev, c, dgates);
    }

    /// ONNX's `LSTM`, its default activations (sigmoid, tanh, tanh); its
    /// gates i, o, f, c are nn's (PyTorch's) i, f, g, o as 0, 3, 1, 2.
    #[cfg(feature = "std")]
    fn onnx(_directions: usize) -> crate::Result<OnnxCell> {
        Ok(OnnxCell { op: "LSTM", gates: &[0, 3, 1, 2], attributes: Vec::new() })
    }
}
