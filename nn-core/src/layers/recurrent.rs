//! What the recurrent layers share: the loop over time that calls a cell's
//! step, its gradient through time, and the weights in PyTorch's layout.
//! Each kind (`lstm.rs`, `gru.rs`, `simple_rnn.rs`) is a [`Cell`]: the
//! arithmetic of one step, on one sample.

use super::{load_f32, Aligned64, Backward, Layer, Mode, Tensor, TensorSource};
use crate::gemm::{gemm, MatRef};
use crate::init::Init;
use rand::Rng;
use std::marker::PhantomData;

/// The arithmetic of one step of a recurrent layer on one sample, between
/// the matrix products that the layer makes for the whole batch.
///
/// Before a step, `gates` holds the input's projection `W_ih · x_t + b_ih`
/// and `hidden` the previous output's `W_hh · h_{t-1} + b_hh`, `GATES · U`
/// values each, in PyTorch's order of the gates.
pub trait Cell: Send + Sync + 'static {
    /// Gates per unit: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n), 1
    /// for a simple RNN.
    const GATES: usize;
    /// Whether the cell carries a state besides its output (an LSTM's `c`).
    const MEMORY: bool;
    /// Whether its backward pass needs each step's `hidden` (a GRU's `n`
    /// gate multiplies it by the reset gate).
    const KEEPS_HIDDEN: bool;
    /// The name in `network!`, for summaries and messages.
    const NAME: &'static str;

    /// One step forward: from `gates` and `hidden` (and `h_prev`, `c_prev`),
    /// the new output `h` and state `c`; `gates` is left holding what the
    /// backward pass needs (the gates' values).
    fn forward(step: ForwardStep<'_>);

    /// One step backward: from `dh`, the gradient of the loss with respect to
    /// this step's output, and `dc`, with respect to its state (replaced by
    /// the gradient with respect to the previous state), the gradients with
    /// respect to `gates` (before the step) into `dgates`, to `hidden` into
    /// `dhidden`, and what reaches `h_prev` other than through `W_hh` added
    /// into `dh_prev`.
    fn backward(step: BackwardStep<'_>);
}

/// What one forward step of a [`Cell`] works on, for one sample.
pub struct ForwardStep<'a> {
    /// `G·U` values: the input's projection before, the gates' values after.
    pub gates: &'a mut [f32],
    /// `G·U` values: the previous output's projection.
    pub hidden: &'a [f32],
    /// The previous output (zeros at the first step).
    pub h_prev: &'a [f32],
    /// The previous state (zeros at the first step; empty without memory).
    pub c_prev: &'a [f32],
    /// Receives the state (empty without memory).
    pub c: &'a mut [f32],
    /// Receives the output.
    pub h: &'a mut [f32],
}

/// What one backward step of a [`Cell`] works on, for one sample.
pub struct BackwardStep<'a> {
    /// The gradient with respect to this step's output.
    pub dh: &'a [f32],
    /// The gradient with respect to this step's state on entry, the previous
    /// state's on return (empty without memory).
    pub dc: &'a mut [f32],
    /// The gates as the forward step left them.
    pub gates: &'a [f32],
    /// The previous output's projection (empty unless the cell keeps them).
    pub hidden: &'a [f32],
    /// The previous output, as in the forward step.
    pub h_prev: &'a [f32],
    /// The previous state, as in the forward step.
    pub c_prev: &'a [f32],
    /// This step's state.
    pub c: &'a [f32],
    /// This step's output.
    pub h: &'a [f32],
    /// Receives the gradient with respect to the input's projection.
    pub dgates: &'a mut [f32],
    /// Receives the gradient with respect to the previous output's projection.
    pub dhidden: &'a mut [f32],
    /// The gradient reaching the previous output other than through `W_hh`
    /// is added here (a GRU's `z ⊙ h_prev`).
    pub dh_prev: &'a mut [f32],
}

/// A recurrent layer: a sequence of `T` steps of `F` features in, the cell
/// `C` run over it with `U` units; out the last step's output (`U` values),
/// or, when `SEQ` (Keras' `return_sequences=True`), every step's (`[T, U]`).
///
/// The weights are PyTorch's: `weight_ih` `[G·U, F]`, `weight_hh` `[G·U, U]`,
/// `bias_ih` and `bias_hh` `[G·U]`, for `G` gates in PyTorch's order. Keras
/// keeps one bias where PyTorch keeps two, so `PARAMS` counts PyTorch's
/// (an LSTM of 128 units on 28 features: 80,896; Keras says 80,384); the
/// network computes the same function either way.
///
/// A batch's input projections, `W_ih · x_t` for every step, are one matrix
/// product; each step then makes one product for the whole batch, `W_hh ·
/// h_{t-1}`, and the cell's arithmetic sample by sample. The backward pass
/// goes through time in reverse (backpropagation through time), with one
/// product per step for the gradient to `h_{t-1}` and one for `W_hh`'s, and
/// one product each for `W_ih`'s gradient and the input's after the loop.
pub struct Recurrent<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> {
    /// `G·U x F`, column-major (the transpose of PyTorch's row-major `[G·U, F]`).
    pub weight_ih: Aligned64,
    /// `G·U x U`, column-major.
    pub weight_hh: Aligned64,
    /// `G·U`, added to the input's projection.
    pub bias_ih: Aligned64,
    /// `G·U`, added to the previous output's projection.
    pub bias_hh: Aligned64,
    cell: PhantomData<C>,
}

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Recurrent<C, T, F, U, SEQ> {
    const ROWS: usize = C::GATES * U;

    /// Keras' initialisation: `W_ih` from `kernel` (Keras: Glorot uniform),
    /// `W_hh` from `recurrent` (Keras: orthogonal), biases zero (an LSTM's
    /// forget gate's `b_ih` one, Keras' `unit_forget_bias`).
    pub fn with_init<R: Rng + ?Sized>(kernel: Init, recurrent: Init, rng: &mut R) -> Self {
        let mut layer = Self::zeroed();
        // Keras draws its kernel as [F, G·U]: fan-in F, fan-out G·U.
        kernel.fill(&mut layer.weight_ih, F, Self::ROWS, rng);
        // Keras' recurrent kernel is [U, G·U]; an orthogonal one has
        // orthonormal rows, which our `G·U x U` (its transpose) has as columns.
        recurrent.fill(&mut layer.weight_hh, Self::ROWS, U, rng);
        if C::GATES == 4 {
            layer.bias_ih[U..2 * U].fill(1.0);
        }
        layer
    }

    /// Keras' initialisation from a seeded generator.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    /// The loop over time of the forward pass: each step's product `W_hh ·
    /// h_{t-1}` for the whole batch, then the cell on each sample. `gates`
    /// holds the input projections; `h_all` and `c_all` receive every step's
    /// output and state (sample-major, as the input).
    fn steps(
        &self,
        gates: &mut [f32],
        hidden: &mut [f32],
        h_all: &mut [f32],
        c_all: &mut [f32],
        zeros: &[f32],
        batch: usize,
    ) {
        let rows = Self::ROWS;
        for t in 0..T {
            let hidden =
                if C::KEEPS_HIDDEN { &mut hidden[t * rows * batch..(t + 1) * rows * batch] } else { &mut hidden[..] };
            for column in hidden.chunks_exact_mut(rows) {
                column.copy_from_slice(&self.bias_hh);
            }
            if t > 0 {
                // W_hh · h_{t-1} for the whole batch; sample n's h_{t-1} is at step n·T + t - 1.
                let h_prev = MatRef::col_major_ld(&h_all[(t - 1) * U..], U, batch, T * U);
                gemm(1.0, MatRef::col_major(&self.weight_hh, rows, U), h_prev, 1.0, hidden);
            }
            for n in 0..batch {
                let j = n * T + t;
                let (h_before, h_rest) = h_all.split_at_mut(j * U);
                let (c_before, c_rest) = c_all.split_at_mut(if C::MEMORY { j * U } else { 0 });
                C::forward(ForwardStep {
                    gates: &mut gates[j * rows..(j + 1) * rows],
                    hidden: &hidden[n * rows..(n + 1) * rows],
                    h_prev: previous::<U>(h_before, zeros, t, j),
                    c_prev: if C::MEMORY { previous::<U>(c_before, zeros, t, j) } else { &zeros[..0] },
                    c: if C::MEMORY { &mut c_rest[..U] } else { &mut [] },
                    h: &mut h_rest[..U],
                });
            }
        }
    }

    /// The tensors, each name ending in `suffix` (`""`, or `"_reverse"` for
    /// the backward direction of a bidirectional layer).
    pub(crate) fn tensors_suffixed(&self, prefix: &str, suffix: &str, visit: &mut dyn FnMut(Tensor<'_>)) {
        let rows = Self::ROWS;
        let named = |name: &str| format!("{prefix}{name}_l0{suffix}");
        visit(Tensor {
            name: named("weight_ih"),
            shape: vec![rows, F],
            values: transpose(&self.weight_ih, rows, F).into(),
        });
        visit(Tensor {
            name: named("weight_hh"),
            shape: vec![rows, U],
            values: transpose(&self.weight_hh, rows, U).into(),
        });
        visit(Tensor { name: named("bias_ih"), shape: vec![rows], values: self.bias_ih[..].into() });
        visit(Tensor { name: named("bias_hh"), shape: vec![rows], values: self.bias_hh[..].into() });
    }

    /// Load what [`Recurrent::tensors_suffixed`] names.
    pub(crate) fn load_suffixed(
        &mut self,
        prefix: &str,
        suffix: &str,
        source: &mut TensorSource<'_>,
    ) -> crate::Result<()> {
        let rows = Self::ROWS;
        let mut row_major = vec![0.0; rows * F.max(U)];
        load_f32(source, prefix, &format!("weight_ih_l0{suffix}"), &[rows, F], &mut row_major[..rows * F])?;
        self.weight_ih.copy_from_slice(&transpose(&row_major[..rows * F], F, rows));
        load_f32(source, prefix, &format!("weight_hh_l0{suffix}"), &[rows, U], &mut row_major[..rows * U])?;
        self.weight_hh.copy_from_slice(&transpose(&row_major[..rows * U], U, rows));
        load_f32(source, prefix, &format!("bias_ih_l0{suffix}"), &[rows], &mut self.bias_ih)?;
        load_f32(source, prefix, &format!("bias_hh_l0{suffix}"), &[rows], &mut self.bias_hh)
    }
}

/// The output or state of step `j - 1` in `all` (`U` values a step), or the
/// zeros before the first step, when step `j` is at time `t`.
fn previous<'a, const U: usize>(all: &'a [f32], zeros: &'a [f32], t: usize, j: usize) -> &'a [f32] {
    if t > 0 {
        &all[(j - 1) * U..j * U]
    } else {
        &zeros[..U]
    }
}

/// The transpose of the `rows x cols` column-major `values`, column-major.
fn transpose(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; rows * cols];
    transpose_into(values, rows, cols, &mut out);
    out
}

/// [`transpose`] into `out`.
fn transpose_into(values: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for (j, column) in values[..rows * cols].chunks_exact(rows).enumerate() {
        for (i, v) in column.iter().enumerate() {
            out[i * cols + j] = *v;
        }
    }
}

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Clone for Recurrent<C, T, F, U, SEQ> {
    fn clone(&self) -> Self {
        Recurrent {
            weight_ih: self.weight_ih.clone(),
            weight_hh: self.weight_hh.clone(),
            bias_ih: self.bias_ih.clone(),
            bias_hh: self.bias_hh.clone(),
            cell: PhantomData,
        }
    }
}

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> std::fmt::Debug
    for Recurrent<C, T, F, U, SEQ>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}<[{T}, {F}] -> {U}, return_sequences: {SEQ}>", C::NAME)
    }
}

/// What a recurrent layer keeps between its passes, and its scratch memory.
#[derive(Default)]
pub struct RecurrentBuffers {
    /// Every step's gates (`G·U` per sample and step, sample-major as the input).
    gates: Vec<f32>,
    /// The hidden projections: one step's, or every step's when the cell keeps them.
    hidden: Vec<f32>,
    /// Every step's output, when the layer gives only the last.
    h: Vec<f32>,
    /// Every step's state (an LSTM's `c`).
    c: Vec<f32>,
    /// `U` zeros: the state and output before the first step.
    zeros: Vec<f32>,
    dgates: Vec<f32>,
    dhidden: Vec<f32>,
    dh: Vec<f32>,
    dh_prev: Vec<f32>,
    dc: Vec<f32>,
    /// `W_hh`'s transpose, for the gradient to each previous output.
    weight_hh_t: Vec<f32>,
}

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Layer for Recurrent<C, T, F, U, SEQ> {
    const INPUT: usize = T * F;
    const OUTPUT: usize = if SEQ { T * U } else { U };
    const PARAMS: usize = C::GATES * U * (F + U + 2);
    type Buffers = RecurrentBuffers;

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        Self::with_init(Init::GlorotUniform, Init::Orthogonal, rng)
    }

    fn zeroed() -> Self {
        let rows = Self::ROWS;
        Recurrent {
            weight_ih: Aligned64::zeroed(rows * F),
            weight_hh: Aligned64::zeroed(rows * U),
            bias_ih: Aligned64::zeroed(rows),
            bias_hh: Aligned64::zeroed(rows),
            cell: PhantomData,
        }
    }

    /// # Shapes
    ///
    /// `input`: `batch x [T, F]`; `output`: `batch x [T, U]` with `SEQ`, else `batch x U`.
    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut RecurrentBuffers,
        _: &mut Mode<'_>,
    ) {
        let (rows, steps) = (Self::ROWS, batch * T);
        let b = buffers;
        let gates = super::ensure_len(&mut b.gates, rows * steps);
        // The input projections of every step of every sample: one product.
        for column in gates.chunks_exact_mut(rows) {
            column.copy_from_slice(&self.bias_ih);
        }
        gemm(1.0, MatRef::col_major(&self.weight_ih, rows, F), MatRef::col_major(input, F, steps), 1.0, gates);
        let hidden = super::ensure_len(&mut b.hidden, rows * batch * if C::KEEPS_HIDDEN { T } else { 1 });
        let c_all = super::ensure_len(&mut b.c, if C::MEMORY { U * steps } else { 0 });
        let zeros = super::ensure_len(&mut b.zeros, U);
        if SEQ {
            self.steps(gates, hidden, &mut output[..U * steps], c_all, zeros, batch);
        } else {
            let h_all = super::ensure_len(&mut b.h, U * steps);
            self.steps(gates, hidden, h_all, c_all, zeros, batch);
            for (n, out) in output[..U * batch].chunks_exact_mut(U).enumerate() {
                out.copy_from_slice(&h_all[(n * T + T - 1) * U..(n * T + T) * U]);
            }
        }
    }

    fn backward_batch(&self, pass: Backward<'_, RecurrentBuffers>, grads: &mut Self) {
        let Backward { input, output, grad, grad_input, batch, buffers: b, .. } = pass;
        let (rows, steps) = (Self::ROWS, batch * T);
        let h_all: &[f32] = if SEQ { &output[..U * steps] } else { &b.h[..U * steps] };
        let (gates, c_all, zeros) = (&b.gates[..rows * steps], &b.c[..], &b.zeros[..U]);
        let dgates = super::ensure_len(&mut b.dgates, rows * steps);
        let dhidden = super::ensure_len(&mut b.dhidden, rows * batch);
        let dh = super::ensure_len(&mut b.dh, U * batch);
        let dh_prev = super::ensure_len(&mut b.dh_prev, U * batch);
        let dc = super::ensure_len(&mut b.dc, if C::MEMORY { U * batch } else { 0 });
        dh_prev.fill(0.0);
        dc.fill(0.0);
        let weight_hh_t = super::ensure_len(&mut b.weight_hh_t, rows * U);
        transpose_into(&self.weight_hh, rows, U, weight_hh_t);
        grads.bias_hh.fill(0.0);
        for t in (0..T).rev() {
            // The gradient reaching this step's output: from the layer above
            // (every step with SEQ, else the last) and from the next step.
            for (n, dh) in dh.chunks_exact_mut(U).enumerate() {
                let above = if SEQ {
                    Some(&grad[(n * T + t) * U..(n * T + t + 1) * U])
                } else {
                    (t == T - 1).then(|| &grad[n * U..(n + 1) * U])
                };
                let next = &dh_prev[n * U..(n + 1) * U];
                match above {
                    Some(above) => dh.iter_mut().zip(above).zip(next).for_each(|((d, a), x)| *d = a + x),
                    None => dh.copy_from_slice(next),
                }
            }
            dh_prev.fill(0.0);
            let hidden_t = if C::KEEPS_HIDDEN { &b.hidden[t * rows * batch..(t + 1) * rows * batch] } else { &[][..] };
            for n in 0..batch {
                let j = n * T + t;
                C::backward(BackwardStep {
                    dh: &dh[n * U..(n + 1) * U],
                    dc: if C::MEMORY { &mut dc[n * U..(n + 1) * U] } else { &mut [] },
                    gates: &gates[j * rows..(j + 1) * rows],
                    hidden: if C::KEEPS_HIDDEN { &hidden_t[n * rows..(n + 1) * rows] } else { &[] },
                    h_prev: previous::<U>(h_all, zeros, t, j),
                    c_prev: if C::MEMORY { previous::<U>(c_all, zeros, t, j) } else { &[] },
                    c: if C::MEMORY { &c_all[j * U..(j + 1) * U] } else { &[] },
                    h: &h_all[j * U..(j + 1) * U],
                    dgates: &mut dgates[j * rows..(j + 1) * rows],
                    dhidden: &mut dhidden[n * rows..(n + 1) * rows],
                    dh_prev: &mut dh_prev[n * U..(n + 1) * U],
                });
            }
            for column in dhidden.chunks_exact(rows) {
                grads.bias_hh.iter_mut().zip(column).for_each(|(g, d)| *g += d);
            }
            let dhidden = MatRef::col_major(dhidden, rows, batch);
            if t > 0 {
                // dW_hh += dhidden · h_{t-1}ᵀ; dh_{t-1} += W_hhᵀ · dhidden.
                let h_prev = MatRef::col_major_ld(&h_all[(t - 1) * U..], U, batch, T * U);
                let beta = if t == T - 1 { 0.0 } else { 1.0 };
                gemm(1.0, dhidden, h_prev.t(), beta, &mut grads.weight_hh);
                gemm(1.0, MatRef::col_major(weight_hh_t, U, rows), dhidden, 1.0, dh_prev);
            } else if T == 1 {
                grads.weight_hh.fill(0.0);
            }
        }
        // The input projections' gradients, all steps at once.
        grads.bias_ih.fill(0.0);
        for column in dgates.chunks_exact(rows) {
            grads.bias_ih.iter_mut().zip(column).for_each(|(g, d)| *g += d);
        }
        let dgates = MatRef::col_major(dgates, rows, steps);
        gemm(1.0, dgates, MatRef::col_major(input, F, steps).t(), 0.0, &mut grads.weight_ih);
        if let Some(grad_input) = grad_input {
            gemm(1.0, MatRef::col_major(&self.weight_ih, rows, F).t(), dgates, 0.0, &mut grad_input[..F * steps]);
        }
    }

    fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
        visit(&mut self.weight_ih, &grads.weight_ih);
        visit(&mut self.weight_hh, &grads.weight_hh);
        visit(&mut self.bias_ih, &grads.bias_ih);
        visit(&mut self.bias_hh, &grads.bias_hh);
    }

    fn params(&self, visit: &mut dyn FnMut(&[f32])) {
        visit(&self.weight_ih);
        visit(&self.weight_hh);
        visit(&self.bias_ih);
        visit(&self.bias_hh);
    }

    /// `weight_ih_l0` `[G·U, F]`, `weight_hh_l0` `[G·U, U]`, `bias_ih_l0` and
    /// `bias_hh_l0` `[G·U]`: PyTorch's `nn.LSTM`, `nn.GRU` and `nn.RNN`.
    fn tensors(&self, prefix: &str, visit: &mut dyn FnMut(Tensor<'_>)) {
        self.tensors_suffixed(prefix, "", visit);
    }

    fn load_tensors(&mut self, prefix: &str, source: &mut TensorSource<'_>) -> crate::Result<()> {
        self.load_suffixed(prefix, "", source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Relu, Tanh};
    use crate::layers::testing::{self, gradient_check};
    use crate::layers::{Gru, Lstm, SimpleRnn};

    /// A layer with every bias away from zero, so each term of a step shows.
    fn with_biases<L: Layer>(mut layer: L) -> L {
        let mut k = 0.0f32;
        layer.visit_params(&L::zeroed(), &mut |p, _| {
            for v in p.iter_mut().filter(|v| **v == 0.0 || **v == 1.0) {
                k += 1.0;
                *v += 0.3 * (k * 0.77).sin();
            }
        });
        layer
    }

    fn check<L: Layer + Clone>(layer: L, batch: usize) {
        let input = testing::values(L::INPUT * batch, 0.2);
        gradient_check(&with_biases(layer), &input, batch, false, 1e-2, 3e-3);
    }

    /// Backpropagation through time against finite differences, for every
    /// cell, with and without `return_sequences`, one step and several.
    #[test]
    fn gradients_match_finite_differences() {
        check(Lstm::<4, 3, 5, false>::seeded(1), 3);
        check(Lstm::<4, 3, 5, true>::seeded(2), 2);
        check(Lstm::<1, 2, 3, false>::seeded(3), 2);
        check(Gru::<4, 3, 5, false>::seeded(4), 3);
        check(Gru::<3, 2, 4, true>::seeded(5), 2);
        check(Gru::<12, 2, 3, false>::seeded(9), 2);
        check(Lstm::<12, 2, 3, false>::seeded(10), 2);
        check(SimpleRnn::<4, 3, 5, false, Tanh>::seeded(6), 3);
        check(SimpleRnn::<3, 3, 4, true, Relu>::seeded(7), 2);
    }

    /// An LSTM's forward pass against its equations, written out in f64.
    #[test]
    fn lstm_forward_matches_its_equations() {
        const T: usize = 3;
        let layer = with_biases(Lstm::<T, 2, 3, true>::seeded(8));
        let input = testing::values(2 * T * 2, 0.5);
        let (output, _) = testing::forward(&layer, &input, 2, false);
        let sigmoid = |v: f64| 1.0 / (1.0 + (-v).exp());
        for n in 0..2 {
            let (mut h, mut c) = ([0.0f64; 3], [0.0f64; 3]);
            for t in 0..T {
                let x = &input[(n * T + t) * 2..(n * T + t + 1) * 2];
                // Row r of W_ih is column r of the stored G·U x F matrix.
                let z: Vec<f64> = (0..12)
                    .map(|r| {
                        let wx: f64 = (0..2).map(|f| f64::from(layer.weight_ih[f * 12 + r]) * f64::from(x[f])).sum();
                        let wh: f64 = (0..3).map(|u| f64::from(layer.weight_hh[u * 12 + r]) * h[u]).sum();
                        wx + wh + f64::from(layer.bias_ih[r]) + f64::from(layer.bias_hh[r])
                    })
                    .collect();
                for u in 0..3 {
                    let (i, f, g, o) = (sigmoid(z[u]), sigmoid(z[3 + u]), z[6 + u].tanh(), sigmoid(z[9 + u]));
                    c[u] = f * c[u] + i * g;
                    h[u] = o * c[u].tanh();
                }
                for u in 0..3 {
                    let got = f64::from(output[(n * T + t) * 3 + u]);
                    assert!((got - h[u]).abs() < 1e-6, "sample {n} step {t} unit {u}: {got} vs {}", h[u]);
                }
            }
        }
    }

    /// PyTorch's row-major `[G·U, F]` and back; an LSTM's forget gate starts
    /// with a bias of 1 (Keras' `unit_forget_bias`), the others at 0.
    #[test]
    fn tensors_are_pytorch_layout_and_load_back() {
        let layer = Lstm::<5, 3, 2, false>::seeded(9);
        let tensors = testing::tensors_of(&layer);
        let names: Vec<_> = tensors.iter().map(|t| (t.name.as_str(), t.shape.clone())).collect();
        assert_eq!(
            names,
            [
                ("weight_ih_l0", vec![8, 3]),
                ("weight_hh_l0", vec![8, 2]),
                ("bias_ih_l0", vec![8]),
                ("bias_hh_l0", vec![8])
            ]
        );
        // Row r, column f of [8, 3] is W_ih's (r, f).
        assert_eq!(tensors[0].values.as_f32().unwrap()[5 * 3 + 1], layer.weight_ih[8 + 5]);
        assert_eq!(tensors[2].values.as_f32().unwrap(), [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        let copy = testing::loaded_copy(&layer);
        assert_eq!((copy.weight_ih, copy.weight_hh), (layer.weight_ih.clone(), layer.weight_hh.clone()));
    }
}
