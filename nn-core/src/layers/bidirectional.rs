//! `bidirectional(..)`: a recurrent layer over the steps in order and in
//! reverse. Its view runs each direction through the recurrent layers' own
//! one-sample loop, as the layer does on a batch of one.

use super::recurrent::{Cell, RecurrentParams, RecurrentView};
use super::Infer;
use crate::safetensors::{Error, Prefix, Weights};
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::recurrent::{Recurrent, RecurrentBuffers},
    super::{ensure_len, Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::onnx::{Graph, Value},
    rand::Rng,
};

/// The view of [`Bidirectional`]: the recurrent layer over the steps in
/// order and in reverse, the two outputs side by side. With `SEQ`, step `t`
/// of the output is the forward direction's output at `t`, then the
/// backward one's at `t`; without, the forward direction's last output and
/// the backward one's (at step 0).
///
/// # Shapes
///
/// `[T, F]` in, `2U` out (`[T, 2U]` with `SEQ`); the backward direction's
/// tensors end in `_reverse`.
///
/// ```
/// use nn::layers::GruCell;
/// use nn::view::{BidirectionalView, Infer};
///
/// assert_eq!(<BidirectionalView<GruCell, 20, 16, 32, true> as Infer>::OUTPUT, 20 * 64);
/// ```
pub struct BidirectionalView<C, const T: usize, const F: usize, const U: usize, const SEQ: bool>(PhantomData<C>);

/// Where the two directions keep their parameters.
#[derive(Debug, Clone, Copy)]
pub struct BidirectionalParams<'a> {
    /// The direction that reads the steps in order.
    pub forward: RecurrentParams<'a>,
    /// The direction that reads them in reverse (tensors ending in `_reverse`).
    pub backward: RecurrentParams<'a>,
}

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Infer
    for BidirectionalView<C, T, F, U, SEQ>
{
    const INPUT: usize = T * F;
    const OUTPUT: usize = if SEQ { T * 2 * U } else { 2 * U };
    type Params<'a> = BidirectionalParams<'a>;

    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<BidirectionalParams<'a>, Error> {
        Ok(BidirectionalParams {
            forward: RecurrentView::<C, T, F, U, SEQ>::load_direction(weights, prefix, false)?,
            backward: RecurrentView::<C, T, F, U, SEQ>::load_direction(weights, prefix, true)?,
        })
    }

    fn forward(params: &BidirectionalParams<'_>, input: &[f32], output: &mut [f32]) {
        for (direction, reverse) in [(&params.forward, false), (&params.backward, true)] {
            let side = if reverse { U } else { 0 };
            RecurrentView::<C, T, F, U, SEQ>::run(direction, input, reverse, |t, last, h| {
                if SEQ {
                    output[t * 2 * U + side..t * 2 * U + side + U].copy_from_slice(h);
                } else if last {
                    output[side..side + U].copy_from_slice(h);
                }
            });
        }
    }
}

#[cfg(feature = "std")]
/// A recurrent layer run over the sequence in both directions, its two
/// outputs side by side (Keras' `Bidirectional` with `merge_mode="concat"`,
/// PyTorch's `bidirectional=True`): `forward` reads steps `0..T`, `backward`
/// reads them from `T - 1` down to 0. With `SEQ`, step `t` of the output is
/// `forward`'s output at `t` and then `backward`'s at `t`; without, the last
/// outputs of each (`forward`'s at `T - 1`, `backward`'s at 0: PyTorch's
/// `h_n`).
///
/// # Shapes
///
/// `[T, F]` in, `2U` out (`[T, 2U]` with `SEQ`); `backward`'s tensors end in
/// `_reverse`, as PyTorch names them.
///
/// ```
/// use nn_core::layers::{Bidirectional, Layer, LstmCell};
///
/// type Both = Bidirectional<LstmCell, 28, 28, 64, false>;
/// assert_eq!(<Both as Layer>::OUTPUT, 128);
/// assert_eq!(<Both as Layer>::PARAMS, 2 * 4 * 64 * (28 + 64 + 1));
/// ```
pub struct Bidirectional<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> {
    /// The direction that reads the steps in order.
    pub forward: Recurrent<C, T, F, U, SEQ>,
    /// The direction that reads them in reverse.
    pub backward: Recurrent<C, T, F, U, SEQ>,
}

#[cfg(feature = "std")]
/// Both directions' memory, and the sequences reversed in time.
#[derive(Default)]
pub struct BidirectionalBuffers {
    forward: RecurrentBuffers,
    backward: RecurrentBuffers,
    /// The input, steps reversed.
    reversed: Vec<f32>,
    /// Each direction's output, and its gradient.
    forward_out: Vec<f32>,
    backward_out: Vec<f32>,
    forward_grad: Vec<f32>,
    backward_grad: Vec<f32>,
    /// The gradient to the reversed input.
    reversed_grad: Vec<f32>,
}

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Clone
    for Bidirectional<C, T, F, U, SEQ>
{
    fn clone(&self) -> Self {
        Bidirectional { forward: self.forward.clone(), backward: self.backward.clone() }
    }
}

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Bidirectional<C, T, F, U, SEQ> {
    /// The same initialisation as the wrapped layer's, each direction its own draws.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    /// Both directions built by `make`, the forward one first.
    pub fn with<R: Rng + ?Sized>(rng: &mut R, make: impl Fn(&mut R) -> Recurrent<C, T, F, U, SEQ>) -> Self {
        let forward = make(rng);
        Bidirectional { forward, backward: make(rng) }
    }

    /// Values of one direction's output per sample.
    const HALF: usize = if SEQ { T * U } else { U };
}

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Layer
    for Bidirectional<C, T, F, U, SEQ>
{
    const INPUT: usize = T * F;
    const OUTPUT: usize = 2 * Self::HALF;
    const PARAMS: usize = 2 * <Recurrent<C, T, F, U, SEQ> as Layer>::PARAMS;
    /// Both directions' gates of every step.
    const WIDEST: usize = super::max_width(&[T * F, 2 * <Recurrent<C, T, F, U, SEQ> as Layer>::WIDEST, Self::OUTPUT]);
    const STATE: usize = 0;
    type Buffers = BidirectionalBuffers;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::with(rng, |rng| Recurrent::init(rng))
    }

    fn zeroed() -> Self {
        Bidirectional { forward: Recurrent::zeroed(), backward: Recurrent::zeroed() }
    }

    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        b: &mut BidirectionalBuffers,
        mode: &mut Mode<'_>,
    ) {
        let half = Self::HALF;
        let reversed = ensure_len(&mut b.reversed, T * F * batch);
        crate::kernels::recurrent::reverse_steps::<T>(input, reversed, F, batch);
        let forward_out = ensure_len(&mut b.forward_out, half * batch);
        let backward_out = ensure_len(&mut b.backward_out, half * batch);
        self.forward.forward_batch(input, forward_out, batch, &mut b.forward, mode);
        self.backward.forward_batch(reversed, backward_out, batch, &mut b.backward, mode);
        for (n, out) in output[..2 * half * batch].chunks_exact_mut(2 * half).enumerate() {
            let (f, r) = (&forward_out[n * half..(n + 1) * half], &backward_out[n * half..(n + 1) * half]);
            if SEQ {
                // Step t: forward's output at t, then backward's (its step T - 1 - t).
                for (t, step) in out.chunks_exact_mut(2 * U).enumerate() {
                    step[..U].copy_from_slice(&f[t * U..(t + 1) * U]);
                    step[U..].copy_from_slice(&r[(T - 1 - t) * U..(T - t) * U]);
                }
            } else {
                out[..U].copy_from_slice(f);
                out[U..].copy_from_slice(r);
            }
        }
    }

    fn backward_batch(&self, pass: Backward<'_, BidirectionalBuffers>, grads: &mut Self) {
        let Backward { input, grad, mut grad_input, batch, buffers: b, .. } = pass;
        let half = Self::HALF;
        let forward_grad = ensure_len(&mut b.forward_grad, half * batch);
        let backward_grad = ensure_len(&mut b.backward_grad, half * batch);
        for (n, g) in grad[..2 * half * batch].chunks_exact(2 * half).enumerate() {
            let (f, r) = (&mut forward_grad[n * half..(n + 1) * half], &mut backward_grad[n * half..(n + 1) * half]);
            if SEQ {
                for (t, step) in g.chunks_exact(2 * U).enumerate() {
                    f[t * U..(t + 1) * U].copy_from_slice(&step[..U]);
                    r[(T - 1 - t) * U..(T - t) * U].copy_from_slice(&step[U..]);
                }
            } else {
                f.copy_from_slice(&g[..U]);
                r.copy_from_slice(&g[U..]);
            }
        }
        let reversed_grad =
            if grad_input.is_some() { Some(ensure_len(&mut b.reversed_grad, T * F * batch)) } else { None };
        let backward_pass = Backward {
            input: &b.reversed[..T * F * batch],
            output: &b.backward_out[..half * batch],
            grad: backward_grad,
            preactivation: false,
            grad_input: reversed_grad,
            batch,
            buffers: &mut b.backward,
        };
        self.backward.backward_batch(backward_pass, &mut grads.backward);
        let forward_pass = Backward {
            input,
            output: &b.forward_out[..half * batch],
            grad: forward_grad,
            preactivation: false,
            grad_input: grad_input.as_deref_mut(),
            batch,
            buffers: &mut b.forward,
        };
        self.forward.backward_batch(forward_pass, &mut grads.forward);
        // The input reaches the output through both directions: the backward
        // one's gradient, its steps put back in order, adds to the forward's.
        if let Some(grad_input) = grad_input {
            let reversed_grad = &b.reversed_grad[..T * F * batch];
            for (to, from) in grad_input[..T * F * batch].chunks_exact_mut(T * F).zip(reversed_grad.chunks_exact(T * F))
            {
                for (t, step) in from.chunks_exact(F).enumerate() {
                    to[(T - 1 - t) * F..(T - t) * F].iter_mut().zip(step).for_each(|(a, g)| *a += g);
                }
            }
        }
    }

    /// The forward direction's tensors, then the backward's with `_reverse`
    /// (`weight_ih_l0_reverse`, ...), as PyTorch's `bidirectional=True`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        self.forward.parts(path, visit);
        self.backward.parts(path, &mut |part| visit(part.suffixed("_reverse")));
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        self.forward.parts_mut(path, visit);
        self.backward.parts_mut(path, &mut |part| visit(part.suffixed("_reverse")));
    }

    /// The cell's ONNX operator with `direction = "bidirectional"`: at each
    /// step (or for the last outputs), the forward direction's output, then
    /// the backward one's.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        super::recurrent::onnx_layer(&[&self.forward, &self.backward], graph, prefix, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::Tanh;
    use crate::kernels::recurrent::reverse_steps;
    use crate::layers::{testing, GruCell, LstmCell, SimpleRnnCell};

    #[test]
    fn gradients_match_finite_differences() {
        let check = |input_len: usize| testing::values(input_len, 0.4);
        testing::gradient_check(
            &Bidirectional::<LstmCell, 3, 2, 3, false>::seeded(1),
            &check(12),
            2,
            false,
            1e-2,
            3e-3,
        );
        testing::gradient_check(&Bidirectional::<GruCell, 3, 2, 3, true>::seeded(2), &check(12), 2, false, 1e-2, 3e-3);
        testing::gradient_check(
            &Bidirectional::<SimpleRnnCell<Tanh>, 4, 2, 2, true>::seeded(3),
            &check(16),
            2,
            false,
            1e-2,
            3e-3,
        );
    }

    /// The backward direction is the same layer run on the reversed sequence.
    #[test]
    fn the_backward_direction_reads_the_steps_in_reverse() {
        let both = Bidirectional::<LstmCell, 4, 2, 3, true>::seeded(4);
        let x = testing::values(8, 0.9);
        let (out, _) = testing::forward(&both, &x, 1, false);
        let mut reversed = vec![0.0; 8];
        reverse_steps::<4>(&x, &mut reversed, 2, 1);
        let (alone, _) = testing::forward(&both.backward, &reversed, 1, false);
        for t in 0..4 {
            assert_eq!(out[t * 6 + 3..t * 6 + 6], alone[(3 - t) * 3..(4 - t) * 3], "step {t}");
        }
        let (forward, _) = testing::forward(&both.forward, &x, 1, false);
        assert_eq!(out[..3], forward[..3]);
        let names: Vec<_> = testing::tensors_of(&both).into_iter().map(|t| t.name).collect();
        assert_eq!(names[4..6], ["weight_ih_l0_reverse", "weight_hh_l0_reverse"]);
    }
}
