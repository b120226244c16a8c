//! `Identity`: `N` values in, the same `N` out. The branch of a block that
//! is its input itself (the skip of a residual connection written as a
//! branch of [`Add`](super::Add), or a branch of [`Concat`](super::Concat)
//! that passes its input on).

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{Backward, Layer, Mode},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// `N` values in, the same `N` out, with no tensors: PyTorch's
/// `nn.Identity()`. It is both the layer and its view.
///
/// # Shapes
///
/// `[N]` in (any shape of `N` values), the same out.
///
/// ```
/// use nn::layers::Identity;
/// use nn::view::Infer;
///
/// let mut out = [0.0; 3];
/// <Identity<3> as Infer>::forward(&(), &[1.0, -2.0, 0.5], &mut out);
/// assert_eq!(out, [1.0, -2.0, 0.5]);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Identity<const N: usize>;

impl<const N: usize> Infer for Identity<N> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    type Params<'a> = ();

    fn load(_: &mut Weights<'_>, _: &Prefix) -> Result<(), Error> {
        Ok(())
    }

    fn forward(_: &(), input: &[f32], output: &mut [f32]) {
        output[..N].copy_from_slice(&input[..N]);
    }
}

#[cfg(feature = "std")]
/// The input copied to the output; the gradient copied back.
impl<const N: usize> Layer for Identity<N> {
    const INPUT: usize = N;
    const OUTPUT: usize = N;
    const PARAMS: usize = 0;
    const STATE: usize = 0;
    type Buffers = ();

    fn init<R: Rng + ?Sized>(_: &mut R) -> Self {
        Identity
    }

    fn zeroed() -> Self {
        Identity
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        output[..N * batch].copy_from_slice(&input[..N * batch]);
    }

    fn backward_batch(&self, pass: Backward<'_, ()>, _: &mut Self) {
        if let Some(grad_input) = pass.grad_input {
            grad_input[..N * pass.batch].copy_from_slice(&pass.grad[..N * pass.batch]);
        }
    }

    crate::no_parts!();

    /// No operator: the input value is the output, shape and all.
    fn onnx(&self, _: &mut Graph, _: &str, input: Value) -> crate::Result<Value> {
        Ok(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

    /// The gradient to the input is the output's gradient, unchanged.
    #[test]
    fn gradients_match_finite_differences() {
        testing::gradient_check(&Identity::<5>, &testing::values(10, 0.3), 2, false, 1e-2, 1e-3);
    }

    /// The layer and its view give back their input, bit for bit, and the
    /// ONNX form adds no operator: the input value is the output.
    #[test]
    fn the_output_is_the_input() {
        let x = testing::values(4, 0.8);
        let (out, _) = testing::forward(&Identity::<4>, &x, 1, false);
        assert_eq!(out, x);
        let mut viewed = [0.0; 4];
        <Identity<4> as Infer>::forward(&(), &x, &mut viewed);
        assert_eq!(viewed[..], x[..]);
        let mut graph = Graph::new();
        let input = Value { name: "input".into(), dims: vec![2, 2] };
        assert_eq!(Identity::<4>.onnx(&mut graph, "0.", input.clone()).unwrap(), input);
    }
}
