use super::recurrent::{Cell, ForwardStep};
use crate::act::Activation;
use crate::kernels::cell::simple_rnn_forward;
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::recurrent::{BackwardStep, OnnxCell, Recurrent},
    crate::kernels::cell::simple_rnn_backward,
    crate::onnx::Attr,
};

/// A fully connected recurrent layer (Keras' `SimpleRNN`, PyTorch's
/// `nn.RNN`): `h = A(W_ih · x_t + b_ih + W_hh · h_{t-1} + b_hh)`, with
/// activation `A` (Keras' default: tanh). See [`Recurrent`].
///
/// # Shapes
///
/// `[T, F]` in, `U` out (`[T, U]` with `SEQ`); `weight_ih_l0` `[U, F]`,
/// `weight_hh_l0` `[U, U]`, one bias `[U]` (PyTorch's two added), as Keras.
///
/// ```
/// use nn_core::act::Tanh;
/// use nn_core::layers::{Layer, SimpleRnn};
///
/// assert_eq!(<SimpleRnn<10, 3, 8, false, Tanh> as Layer>::PARAMS, 8 * (3 + 8 + 1));
/// ```
#[cfg(feature = "std")]
pub type SimpleRnn<const T: usize, const F: usize, const U: usize, const SEQ: bool, A> =
    Recurrent<SimpleRnnCell<A>, T, F, U, SEQ>;

/// One simple RNN step: `h = A(x + h_prev')`, the sum of the two projections.
pub struct SimpleRnnCell<A: Activation>(PhantomData<A>);

impl<A: Activation> Cell for SimpleRnnCell<A> {
    const GATES: usize = 1;
    const STATE: usize = 0;
    const SEPARATE_HIDDEN: bool = false;
    const NAME: &'static str = "simple_rnn";

    /// `gates` keeps the pre-activations, which the derivative of an
    /// activation such as GELU or swish needs ([`Activation::NEEDS_INPUT`]).
    fn forward(step: ForwardStep<'_>) {
        let ForwardStep { gates, bias, h, .. } = step;
        simple_rnn_forward::<A>(gates, bias, h);
    }

    #[cfg(feature = "std")]
    fn backward(step: BackwardStep<'_>) {
        let BackwardStep { dh, h, gates, dgates, .. } = step;
        simple_rnn_backward::<A>(dh, gates, h, dgates);
    }

    /// ONNX's `RNN` with the activation as it names it, once per direction;
    /// an activation it does not know (GELU, swish) is an error.
    #[cfg(feature = "std")]
    fn onnx(directions: usize) -> crate::Result<OnnxCell> {
        let Some(activation) = A::onnx_rnn() else {
            let reason = format!("ONNX's RNN operator has no `{}` activation", A::NAME);
            return Err(crate::Error::export(reason));
        };
        let mut attributes = vec![("activations", Attr::Texts(vec![activation.name.to_string(); directions]))];
        if let Some(alpha) = activation.alpha {
            attributes.push(("activation_alpha", Attr::Floats(vec![alpha; directions])));
        }
        if let Some(beta) = activation.beta {
            attributes.push(("activation_beta", Attr::Floats(vec![beta; directions])));
        }
        Ok(OnnxCell { op: "RNN", gates: &[0], attributes })
    }
}
