//! The loop over time of a recurrent layer, for a batch: the input's
//! projections, each step's recurrent product for the whole batch and a
//! cell's step ([`Steps`], the arithmetic of `cell.rs`) sample by sample,
//! time-major (`[t][n][·]`), the samples shared between threads; and
//! backpropagation through time. Over slices: the layer
//! (`layers/recurrent.rs`, whose docs say how the products are shared out)
//! owns the weights and the buffers.

use super::cell::{BackwardStep, ForwardStep};
use crate::gemm::{gemm, MatRef};
use crate::parallel::for_each_rows_of_steps;
use std::marker::PhantomData;

/// The arithmetic of one step of a recurrent cell on one sample, as the
/// loop over time calls it (every recurrent layer's cell is one).
///
/// Before a step, `gates` holds the gates' pre-activations in PyTorch's
/// order (`G · U` values) but for the bias, which the cell adds first: the
/// input's projection `W_ih · x_t` and, unless the cell keeps it apart
/// ([`Steps::SEPARATE_HIDDEN`]), the previous output's `W_hh · h_{t-1}`.
pub(crate) trait Steps {
    /// Gates per unit.
    const GATES: usize;
    /// Values per unit that the cell keeps besides its output.
    const STATE: usize;
    /// Whether the previous output's projection stays apart from the
    /// input's, with a bias of its own.
    const SEPARATE_HIDDEN: bool;

    /// One step forward.
    fn forward(step: ForwardStep<'_>);

    /// One step backward.
    fn backward(step: BackwardStep<'_>);
}

/// The loop over time of a cell `S` with `U` units over `T` steps of `F`
/// features; out every step's output when `SEQ`, else the last step's.
pub(crate) struct Recurrence<S, const T: usize, const F: usize, const U: usize, const SEQ: bool>(PhantomData<S>);

/// A recurrent layer's parameters, as the loop reads them.
#[derive(Clone, Copy)]
pub(crate) struct Weights<'a> {
    /// `[G·U, F]`, row-major (PyTorch's layout).
    pub weight_ih: &'a [f32],
    /// `[G·U, U]`, row-major.
    pub weight_hh: &'a [f32],
    /// `G·U`, added to the input's projection.
    pub bias_ih: &'a [f32],
    /// `G·U`, added to the previous output's projection when the cell keeps
    /// it apart; empty otherwise.
    pub bias_hh: &'a [f32],
}

/// The memory of [`Recurrence::forward`], every sequence time-major, each
/// slice of the length named (`steps = T · batch`; the aligned ones start
/// on a 64-byte line). What it holds after the pass is what the backward
/// pass reads.
pub(crate) struct ForwardMemory<'a> {
    /// The input: `F · steps`.
    pub x: &'a mut [f32],
    /// Every step's gates: [`Recurrence::ROWS`]` · steps`, aligned.
    pub gates: &'a mut [f32],
    /// Every step's hidden projections kept apart:
    /// [`Recurrence::KEPT`]` · steps`, aligned.
    pub hidden: &'a mut [f32],
    /// Every step's output: `U · steps`.
    pub h: &'a mut [f32],
    /// Every step's state values: [`Recurrence::STATE`]` · steps`.
    pub c: &'a mut [f32],
    /// Zeros, the state and output before the first step: `U.max(STATE)`.
    pub zeros: &'a [f32],
    /// `W_hh`, its columns [`Recurrence::FORWARD_LD`] apart:
    /// `FORWARD_LD · U`, aligned.
    pub weight_hh: &'a mut [f32],
}

/// The memory of [`Recurrence::backward`], as [`ForwardMemory`].
pub(crate) struct BackwardMemory<'a> {
    /// The forward pass's `x`, `h`, `c`, `zeros` and `hidden`.
    pub x: &'a [f32],
    pub h: &'a [f32],
    pub c: &'a [f32],
    pub zeros: &'a [f32],
    pub hidden: &'a [f32],
    /// The forward pass's gates, replaced by the gradients to their
    /// pre-activations: `ROWS · steps`, aligned.
    pub gates: &'a mut [f32],
    /// One step's gradients to the gates' pre-activations: `ROWS · batch`, aligned.
    pub dgates: &'a mut [f32],
    /// Every step's gradients to the hidden projections kept apart:
    /// `KEPT · steps`, aligned.
    pub dhidden: &'a mut [f32],
    /// The gradient reaching the current step's output from the next step:
    /// `U · batch`.
    pub carry: &'a mut [f32],
    /// The gradient with respect to the current step's state:
    /// [`Recurrence::MEMORY`]` · batch`.
    pub dc: &'a mut [f32],
    /// `W_hh`'s transpose, its columns [`Recurrence::BACKWARD_LD`] apart:
    /// `BACKWARD_LD · ROWS`, aligned.
    pub transposed: &'a mut [f32],
    /// The gradient to the input, time-major: `F · steps` when the input's
    /// gradient is wanted, else empty.
    pub dx: &'a mut [f32],
}

impl<S: Steps, const T: usize, const F: usize, const U: usize, const SEQ: bool> Recurrence<S, T, F, U, SEQ> {
    /// Gates' values per sample and step: `G · U`.
    pub const ROWS: usize = S::GATES * U;
    /// Hidden projections kept apart per sample and step.
    pub const KEPT: usize = if S::SEPARATE_HIDDEN { Self::ROWS } else { 0 };
    /// State values per sample and step.
    pub const STATE: usize = S::STATE * U;
    /// Values of the state's gradient per sample.
    pub const MEMORY: usize = if S::STATE > 0 { U } else { 0 };
    /// The column stride of the forward pass's copy of `W_hh`.
    pub const FORWARD_LD: usize = spaced_stride(Self::ROWS);
    /// The column stride of the backward pass's transpose of `W_hh`.
    pub const BACKWARD_LD: usize = spaced_stride(U);

    /// Fewest samples worth a thread of their own in a step: a matrix
    /// product's worth of work.
    fn min_per_thread() -> usize {
        crate::gemm::MIN_FLOPS_PER_THREAD.div_ceil(2 * Self::ROWS * U)
    }

    /// The loop over time for `batch` samples of `input` (`batch x [T, F]`)
    /// into `output` (`batch x [T, U]` with `SEQ`, else `batch x U`).
    pub fn forward(weights: Weights<'_>, input: &[f32], output: &mut [f32], batch: usize, memory: ForwardMemory<'_>) {
        let (rows, steps) = (Self::ROWS, batch * T);
        let ForwardMemory { x, gates, hidden, h, c, zeros, weight_hh: spaced } = memory;
        reorder::<T>(input, x, F, batch, false);
        // The input projections: for a small batch, those of every step of
        // every sample in one product; for a large one, each step's inside the
        // time loop, just before the step reads them (see
        // `PER_STEP_PROJECTION_BYTES`). The same sums either way. (The cell
        // adds the bias, step by step, after the recurrent projection.)
        // Row-major `[G·U, F]` is the transpose of a column-major `F x G·U`.
        let weight_ih = MatRef::col_major(weights.weight_ih, F, rows).t();
        let per_step = rows * steps * size_of::<f32>() > PER_STEP_PROJECTION_BYTES;
        if !per_step {
            gemm(1.0, weight_ih, MatRef::col_major(x, F, steps), 0.0, gates);
        }
        let x = &*x;
        let (kept, state) = (Self::KEPT, Self::STATE);
        let ld = Self::FORWARD_LD;
        super::transpose_into(weights.weight_hh, U, rows, spaced, ld);
        let weight_hh = MatRef::col_major_ld(spaced, rows, U, ld);
        // Each thread takes its samples through every step: a sample's steps
        // depend on its own earlier steps only.
        let blocks = [
            (&mut gates[..rows * steps], rows, T),
            (&mut hidden[..kept * steps], kept, T),
            (&mut h[..U * steps], U, T),
            (&mut c[..state * steps], state, T),
        ];
        for_each_rows_of_steps(
            batch,
            Self::min_per_thread(),
            blocks,
            |samples, [mut gates, mut hidden, mut h, mut c]| {
                let n = samples.len();
                for t in 0..T {
                    let (gates, hidden) = (gates.step(t), hidden.step(t));
                    if per_step {
                        let first = t * batch + samples.start;
                        let x_t = MatRef::col_major(&x[F * first..F * (first + n)], F, n);
                        gemm(1.0, weight_ih, x_t, 0.0, &mut *gates);
                    }
                    let (h_prev, h_t) = h.previous_and_step(t);
                    let (c_prev, c_t) = c.previous_and_step(t);
                    // W_hh · h_{t-1} for these samples, into their gates or kept apart.
                    if S::SEPARATE_HIDDEN {
                        for column in hidden.chunks_exact_mut(rows) {
                            column.copy_from_slice(weights.bias_hh);
                        }
                    }
                    if t > 0 {
                        let previous = MatRef::col_major(h_prev, U, n);
                        gemm(
                            1.0,
                            weight_hh,
                            previous,
                            1.0,
                            if S::SEPARATE_HIDDEN { &mut *hidden } else { &mut *gates },
                        );
                    }
                    for k in 0..n {
                        S::forward(ForwardStep {
                            gates: &mut gates[k * rows..(k + 1) * rows],
                            bias: weights.bias_ih,
                            hidden: &hidden[k * kept..(k + 1) * kept],
                            h_prev: sample_of(h_prev, zeros, t, k, U),
                            c_prev: sample_of(c_prev, zeros, t, k, state),
                            c: &mut c_t[k * state..(k + 1) * state],
                            h: &mut h_t[k * U..(k + 1) * U],
                        });
                    }
                }
            },
        );
        if SEQ {
            reorder::<T>(h, output, U, batch, true);
        } else {
            output[..U * batch].copy_from_slice(&h[(T - 1) * U * batch..]);
        }
    }

    /// Backpropagation through time from `grad`, the gradient of the
    /// forward pass's output (`batch x [T, U]` with `SEQ`, else `batch x
    /// U`): the weights' gradients into `weight_ih_grad` and
    /// `weight_hh_grad`, the gradient to the input into `grad_input`
    /// (`batch x [T, F]`) when given; every step's gradients to the gates'
    /// pre-activations are left in `memory.gates`, and to the hidden
    /// projections kept apart in `memory.dhidden` (from which the biases'
    /// gradients are their sums over the steps and samples).
    pub fn backward(
        weights: Weights<'_>,
        grad: &[f32],
        grad_input: Option<&mut [f32]>,
        batch: usize,
        memory: BackwardMemory<'_>,
        (weight_ih_grad, weight_hh_grad): (&mut [f32], &mut [f32]),
    ) {
        let BackwardMemory { x, h, c, zeros, hidden, gates, dgates, dhidden, carry, dc, transposed, dx } = memory;
        let (rows, steps) = (Self::ROWS, batch * T);
        let (kept, state, memory) = (Self::KEPT, Self::STATE, Self::MEMORY);
        carry.fill(0.0);
        dc.fill(0.0);
        let ld = Self::BACKWARD_LD;
        // Row-major `W_hh` is its transpose column-major: copied with its
        // columns spaced.
        for (row, to) in weights.weight_hh.chunks_exact(U).zip(transposed.chunks_exact_mut(ld)) {
            to[..U].copy_from_slice(row);
        }
        let weight_hh_t = MatRef::col_major_ld(transposed, U, rows, ld);
        let blocks = [
            (&mut gates[..rows * steps], rows, T),
            (&mut dgates[..], rows, 1),
            (&mut dhidden[..kept * steps], kept, T),
            (&mut carry[..U * batch], U, 1),
            (&mut dc[..memory * batch], memory, 1),
        ];
        // Each thread takes its samples back through every step, as forward.
        for_each_rows_of_steps(
            batch,
            Self::min_per_thread(),
            blocks,
            |samples, [mut gates, mut dgates, mut dhidden, mut carry, mut dc]| {
                let n = samples.len();
                let mut dh = [0.0f32; U];
                for t in (0..T).rev() {
                    let at = |width: usize| t * batch * width..(t + 1) * batch * width;
                    let (h_prev, c_prev) = (step_before(h, t, batch, U), step_before(c, t, batch, state));
                    let (hidden_t, h_t, c_t) = (&hidden[at(kept)], &h[at(U)], &c[at(state)]);
                    let gates_t = gates.step(t);
                    let (dgates, dhidden, carry, dc) = (dgates.step(0), dhidden.step(t), carry.step(0), dc.step(0));
                    for (k, sample) in samples.clone().enumerate() {
                        // The gradient reaching this step's output: from the next
                        // step (carried, which from here collects the gradient to
                        // h_{t-1}) and from the layer above (every step with SEQ,
                        // else the last). Moved and cleared in one loop: as a copy
                        // and a fill they were calls of `memcpy` and `memset`.
                        let carried = &mut carry[k * U..(k + 1) * U];
                        for (d, c) in dh.iter_mut().zip(carried.iter_mut()) {
                            *d = std::mem::take(c);
                        }
                        let above = if SEQ {
                            Some(&grad[(sample * T + t) * U..(sample * T + t + 1) * U])
                        } else {
                            (t == T - 1).then(|| &grad[sample * U..(sample + 1) * U])
                        };
                        if let Some(above) = above {
                            dh.iter_mut().zip(above).for_each(|(d, a)| *d += a);
                        }
                        S::backward(BackwardStep {
                            dh: &dh,
                            dc: &mut dc[k * memory..(k + 1) * memory],
                            gates: &gates_t[k * rows..(k + 1) * rows],
                            hidden: &hidden_t[sample * kept..(sample + 1) * kept],
                            h_prev: sample_of(h_prev, zeros, t, sample, U),
                            c_prev: sample_of(c_prev, zeros, t, sample, state),
                            c: &c_t[sample * state..(sample + 1) * state],
                            h: &h_t[sample * U..(sample + 1) * U],
                            dgates: &mut dgates[k * rows..(k + 1) * rows],
                            dhidden: &mut dhidden[k * kept..(k + 1) * kept],
                            dh_prev: carried,
                        });
                    }
                    if t > 0 {
                        // dh_{t-1} += W_hhᵀ · (the gradient to this step's hidden projection).
                        let dz = if S::SEPARATE_HIDDEN { &*dhidden } else { &*dgates };
                        gemm(1.0, weight_hh_t, MatRef::col_major(dz, rows, n), 1.0, carry);
                    }
                    // This step's gradients replace its gates, in the cache
                    // lines the cell has just read. (Written into a buffer of
                    // every step's gradients, they made the cache fetch that
                    // buffer's lines from memory first: `docs/performance.md`.)
                    gates_t.copy_from_slice(&dgates[..rows * n]);
                }
            },
        );
        // Every step's gradients to the gates' pre-activations, where the gates were.
        let dgates = &*gates;
        // The weights' gradients, all steps at once: dW_hh = Σ_t dz_t · h_{t-1}ᵀ
        // over the steps after the first (time-major, they are neighbours).
        let dz: &[f32] = if S::SEPARATE_HIDDEN { dhidden } else { dgates };
        if T > 1 {
            // Row-major `[G·U, U]` is column-major h · dzᵀ (U x G·U), whose
            // G·U columns two threads share better than dW_hh's U.
            let later = MatRef::col_major(&dz[rows * batch..], rows, (T - 1) * batch);
            let earlier = MatRef::col_major(&h[..U * (T - 1) * batch], U, (T - 1) * batch);
            gemm(1.0, earlier, later.t(), 0.0, weight_hh_grad);
        } else {
            weight_hh_grad.fill(0.0);
        }
        // dW_ih = Σ_t dgates_t · x_tᵀ, row-major `[G·U, F]`: column-major x · dgatesᵀ.
        let dgates = MatRef::col_major(dgates, rows, steps);
        gemm(1.0, MatRef::col_major(x, F, steps), dgates.t(), 0.0, weight_ih_grad);
        if let Some(grad_input) = grad_input {
            // W_ihᵀ, `F x G·U`, is row-major `W_ih` read column-major.
            gemm(1.0, MatRef::col_major(weights.weight_ih, F, rows), dgates, 0.0, dx);
            reorder::<T>(dx, grad_input, F, batch, true);
        }
    }
}

/// The column stride of the copies of `W_hh` (`rows` rows) and of its
/// transpose that the time loop's products read: `rows` rounded up to whole
/// 64-byte lines (16 values), and to an odd number of them. A product reads
/// a panel of 16 rows of its left matrix one column after another; at a
/// stride of 512 values (2 KiB: an LSTM's 4 x 128 gates) those lines all fall
/// on 2 of the first-level cache's 64 sets, which hold 16 of them, so a
/// panel's 128 lines came from the second level again for every 6 samples.
/// At an odd number of lines they spread over all 64 sets (the same bits;
/// `docs/performance.md`).
const fn spaced_stride(rows: usize) -> usize {
    16 * (rows.div_ceil(16) | 1)
}

/// Above this size of the gates of all steps, a recurrent layer's forward
/// pass makes each step's input projections inside the time loop (for the
/// thread's samples, just before the step's recurrent product adds to them)
/// instead of all of them in one product first. All steps' gates outgrow
/// the caches at a training batch (7.3 MB for `lstm(128)` over 28 steps of
/// 128 samples), so the one product's output went to memory and came back at
/// every step (`docs/performance.md`). Below it (`predict`'s 18 samples:
/// 1 MB), the one product stays faster.
pub(crate) const PER_STEP_PROJECTION_BYTES: usize = 2 << 20;

/// `batch` sequences of `T` steps of `width` values, sample-major
/// (`[n][t][·]`), into time-major order (`[t][n][·]`), or back with `back`.
fn reorder<const T: usize>(from: &[f32], to: &mut [f32], width: usize, batch: usize, back: bool) {
    for n in 0..batch {
        for t in 0..T {
            let (sample, time) = ((n * T + t) * width, (t * batch + n) * width);
            let (src, dst) = if back { (time, sample) } else { (sample, time) };
            to[dst..dst + width].copy_from_slice(&from[src..src + width]);
        }
    }
}

/// Sample `sample`'s `width` values in `block` (a step's values for the
/// batch), or, at the first step (`t == 0`), zeros.
fn sample_of<'a>(block: &'a [f32], zeros: &'a [f32], t: usize, sample: usize, width: usize) -> &'a [f32] {
    if t > 0 {
        &block[sample * width..(sample + 1) * width]
    } else {
        &zeros[..width]
    }
}

/// The block of step `t - 1` in time-major `all` (`width` values for each of
/// `batch` samples), or nothing at the first step.
fn step_before(all: &[f32], t: usize, batch: usize, width: usize) -> &[f32] {
    if t > 0 {
        &all[(t - 1) * batch * width..t * batch * width]
    } else {
        &[]
    }
}

/// Each sample's steps of `width` values in reverse order, from `from` into
/// `to` (sample-major: `batch x [T, width]`), as a bidirectional layer's
/// backward direction reads them.
pub(crate) fn reverse_steps<const T: usize>(from: &[f32], to: &mut [f32], width: usize, batch: usize) {
    for (from, to) in from[..T * width * batch].chunks_exact(T * width).zip(to.chunks_exact_mut(T * width)) {
        for (t, step) in from.chunks_exact(width).enumerate() {
            to[(T - 1 - t) * width..(T - t) * width].copy_from_slice(step);
        }
    }
}
