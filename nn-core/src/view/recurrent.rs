//! What the recurrent layers' views share: the loop over time, each step's
//! projections read from the weights where they lie, and the tensors in
//! PyTorch's layout. Each kind (`lstm.rs`, `gru.rs`, `simple_rnn.rs`) is a
//! [`Step`]: the arithmetic of one step.

use super::{Error, Infer, Prefix, Weights};
use core::marker::PhantomData;

/// The arithmetic of one step of a recurrent layer's view, between the
/// projections of the step's input and of the previous output (as
/// [`layers::Cell`](crate::layers::Cell) is for the layers).
pub trait Step {
    /// Gates per unit: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n), 1
    /// for a simple RNN.
    const GATES: usize;
    /// Whether the previous output's projection stays apart from the
    /// input's, with `bias_hh` its own (a GRU); otherwise the two
    /// projections and the two biases are added before the step.
    const SEPARATE_HIDDEN: bool;

    /// One step: from the gates' pre-activations in `gates` (`G·U` values,
    /// PyTorch's gate order) and, when kept apart, the previous output's
    /// projection in `hidden`, the new output into `h` (which holds the
    /// previous one) and the new state into `c` (which holds the previous
    /// state; an LSTM's cell, unused by the others). `gates` is scratch.
    fn step(gates: &mut [f32], hidden: &[f32], h: &mut [f32], c: &mut [f32]);
}

/// The view of [`layers::Recurrent`](crate::layers::Recurrent) (an
/// [`Lstm`](crate::layers::Lstm), [`Gru`](crate::layers::Gru) or
/// [`SimpleRnn`](crate::layers::SimpleRnn)): `T` steps of `F` features in,
/// the cell `C` run over them with `U` units, one step at a time; out the
/// last step's output, or every step's with `SEQ`.
///
/// The state lives in arrays of `U` values on the stack, and the gates in
/// arrays of `4 · U` (the most gates a cell has).
///
/// # Shapes
///
/// `[T, F]` in, `U` out (`[T, U]` with `SEQ`); `weight_ih_l0` `[G·U, F]`,
/// `weight_hh_l0` `[G·U, U]`, `bias_ih_l0` and `bias_hh_l0` `[G·U]`, as
/// PyTorch names them.
///
/// ```
/// use nn::view::{Infer, LstmStep, RecurrentView};
///
/// type RowLstm = RecurrentView<LstmStep, 28, 28, 128, false>;
/// assert_eq!((<RowLstm as Infer>::INPUT, <RowLstm as Infer>::OUTPUT), (28 * 28, 128));
/// ```
pub struct RecurrentView<C, const T: usize, const F: usize, const U: usize, const SEQ: bool>(PhantomData<C>);

/// Where one direction of a recurrent layer keeps its parameters.
#[derive(Debug, Clone, Copy)]
pub struct RecurrentParams<'a> {
    /// `[G·U, F]`, row-major.
    pub weight_ih: &'a [f32],
    /// `[G·U, U]`, row-major.
    pub weight_hh: &'a [f32],
    /// `[G·U]`.
    pub bias_ih: &'a [f32],
    /// `[G·U]`: added to the input's projection with `bias_ih` (an LSTM or
    /// a simple RNN, which nn saves as zeros), or to the previous output's
    /// (a GRU).
    pub bias_hh: &'a [f32],
}

impl<C: Step, const T: usize, const F: usize, const U: usize, const SEQ: bool> RecurrentView<C, T, F, U, SEQ> {
    const ROWS: usize = C::GATES * U;

    /// The tensors of one direction, their names ending in `suffix` (`""`,
    /// or `"_reverse"` for the backward direction of a bidirectional layer).
    pub(crate) fn load_suffixed<'a>(
        weights: &mut Weights<'a>,
        prefix: &Prefix,
        reverse: bool,
    ) -> Result<RecurrentParams<'a>, Error> {
        let rows = Self::ROWS;
        let [weight_ih, weight_hh, bias_ih, bias_hh] = if reverse {
            ["weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse"]
        } else {
            ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
        };
        Ok(RecurrentParams {
            weight_ih: weights.f32s(prefix, weight_ih, &[rows, F])?,
            weight_hh: weights.f32s(prefix, weight_hh, &[rows, U])?,
            bias_ih: weights.f32s(prefix, bias_ih, &[rows])?,
            bias_hh: weights.f32s(prefix, bias_hh, &[rows])?,
        })
    }

    /// The layer over `input` (`[T, F]`), its steps in order or, with
    /// `reverse`, from the last to the first; after each step `emit(t, last,
    /// h)`: the step `t` of the input just read, whether it is the last one
    /// read, and the output.
    pub(crate) fn run(
        params: &RecurrentParams<'_>,
        input: &[f32],
        reverse: bool,
        mut emit: impl FnMut(usize, bool, &[f32]),
    ) {
        let rows = Self::ROWS;
        let kept = if C::SEPARATE_HIDDEN { rows } else { 0 };
        let (mut gates, mut hidden) = ([[0.0f32; U]; 4], [[0.0f32; U]; 4]);
        let (gates, hidden) = (&mut gates.as_flattened_mut()[..rows], &mut hidden.as_flattened_mut()[..kept]);
        let (mut h, mut c) = ([0.0f32; U], [0.0f32; U]);
        for s in 0..T {
            let t = if reverse { T - 1 - s } else { s };
            let x = &input[t * F..(t + 1) * F];
            gates.fill(0.0);
            crate::cpu::add_product(params.weight_ih, x, gates);
            if C::SEPARATE_HIDDEN {
                for (g, b) in gates.iter_mut().zip(params.bias_ih.iter().copied()) {
                    *g += b;
                }
                for (v, b) in hidden.iter_mut().zip(params.bias_hh.iter().copied()) {
                    *v = b;
                }
                if s > 0 {
                    crate::cpu::add_product(params.weight_hh, &h, hidden);
                }
            } else {
                if s > 0 {
                    crate::cpu::add_product(params.weight_hh, &h, gates);
                }
                for (g, (b_ih, b_hh)) in
                    gates.iter_mut().zip(params.bias_ih.iter().copied().zip(params.bias_hh.iter().copied()))
                {
                    *g += b_ih + b_hh;
                }
            }
            C::step(gates, hidden, &mut h, &mut c);
            emit(t, s == T - 1, &h);
        }
    }
}

impl<C: Step, const T: usize, const F: usize, const U: usize, const SEQ: bool> Infer
    for RecurrentView<C, T, F, U, SEQ>
{
    const INPUT: usize = T * F;
    const OUTPUT: usize = if SEQ { T * U } else { U };
    type Params<'a> = RecurrentParams<'a>;

    /// `weight_ih_l0` `[G·U, F]`, `weight_hh_l0` `[G·U, U]`, `bias_ih_l0`
    /// and `bias_hh_l0` `[G·U]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<RecurrentParams<'a>, Error> {
        Self::load_suffixed(weights, prefix, false)
    }

    fn forward(params: &RecurrentParams<'_>, input: &[f32], output: &mut [f32]) {
        Self::run(params, input, false, |t, last, h| {
            if SEQ {
                output[t * U..(t + 1) * U].copy_from_slice(h);
            } else if last {
                output[..U].copy_from_slice(h);
            }
        });
    }
}
