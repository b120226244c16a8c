//! `dense`: a fully connected layer, as a view runs it.

use super::{Error, Infer, Prefix, Weights};
use crate::act::Activation;
use core::marker::PhantomData;

/// The view of [`layers::Dense`](crate::layers::Dense):
/// `output = A(weight · input + bias)`, each output a dot product of a row
/// of the weight, read where it lies, with the input.
///
/// # Shapes
///
/// `[I]` in, `[O]` out; the weight is `[O, I]` (PyTorch's `Linear.weight`),
/// the bias `[O]`.
///
/// ```
/// use nn::prelude::*;
/// use nn::view::{DenseView, Infer, Prefix, Weights};
///
/// network! {
///     pub struct OneLayer { input: 3, dense(2, tanh) }
/// }
///
/// let net = OneLayer::seeded(1);
/// let bytes = net.to_bytes();
/// let mut weights = Weights::parse(&bytes)?;
/// // Module 0 of the network: `0.weight` [2, 3] and `0.bias` [2].
/// let params = DenseView::<3, 2, Tanh>::load(&mut weights, &Prefix::ROOT.module(0)?)?;
/// let mut out = [0.0; 2];
/// DenseView::<3, 2, Tanh>::forward(&params, &[1.0, -1.0, 0.5], &mut out);
/// let expected = net.forward([1.0, -1.0, 0.5]);
/// assert!((out[0] - expected[0]).abs() < 1e-6 && (out[1] - expected[1]).abs() < 1e-6);
/// # Ok::<(), nn::view::Error>(())
/// ```
pub struct DenseView<const I: usize, const O: usize, A>(PhantomData<A>);

/// Where a dense layer's parameters lie.
#[derive(Debug, Clone, Copy)]
pub struct DenseParams<'a> {
    /// `[O, I]`, row-major: output `o`'s weights are values `o · I..(o + 1) · I`.
    pub weight: &'a [f32],
    /// `[O]`.
    pub bias: &'a [f32],
}

impl<const I: usize, const O: usize, A: Activation> Infer for DenseView<I, O, A> {
    const INPUT: usize = I;
    const OUTPUT: usize = O;
    type Params<'a> = DenseParams<'a>;

    /// `weight` `[O, I]` and `bias` `[O]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<DenseParams<'a>, Error> {
        Ok(DenseParams { weight: weights.f32s(prefix, "weight", &[O, I])?, bias: weights.f32s(prefix, "bias", &[O])? })
    }

    fn forward(params: &DenseParams<'_>, input: &[f32], output: &mut [f32]) {
        let output = &mut output[..O];
        for (o, b) in output.iter_mut().zip(params.bias.iter().copied()) {
            *o = b;
        }
        crate::cpu::add_product(params.weight, &input[..I], output);
        A::forward(output, O);
    }
}
