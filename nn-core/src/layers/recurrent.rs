//! What the recurrent layers share: the layer over a cell, its weights in
//! PyTorch's layout, its view and its ONNX operators. Each kind (`lstm.rs`,
//! `gru.rs`, `simple_rnn.rs`) is a [`Cell`]: the arithmetic of one step, on
//! one sample (`kernels/cell.rs`). The loop over time of one sample,
//! [`one_sample`], is the one forward both a layer (a batch of one) and its
//! view run; the batched loop and its gradient through time are
//! `kernels/recurrent.rs`.

use super::Infer;
use crate::safetensors::{Error, Prefix, Weights as Blob};
use core::marker::PhantomData;
#[cfg(feature = "std")]
use {
    super::{Aligned64, Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::init::Init,
    crate::kernels::recurrent::{BackwardMemory, ForwardMemory, Recurrence, Steps, Weights},
    crate::onnx::{Attr, Graph, Value},
    rand::Rng,
};

pub use crate::kernels::cell::{BackwardStep, ForwardStep};

/// The arithmetic of one step of a recurrent layer on one sample, between
/// the matrix products that the layer makes for the whole batch.
///
/// Before a step, `gates` holds the gates' pre-activations in PyTorch's
/// order (`G · U` values) but for the bias, which the cell adds first: the
/// input's projection `W_ih · x_t` and, unless the cell keeps it apart
/// ([`Cell::SEPARATE_HIDDEN`]), the previous output's `W_hh · h_{t-1}`.
pub trait Cell: Send + Sync + 'static {
    /// Gates per unit: 4 for an LSTM (i, f, g, o), 3 for a GRU (r, z, n), 1
    /// for a simple RNN.
    const GATES: usize;
    /// Values per unit that the cell keeps besides its output, from one step
    /// to the next and for the backward pass: 1 for an LSTM (`c`), 0 for a
    /// GRU or a simple RNN. A cell may keep more than its state proper
    /// (something the backward pass would otherwise compute again); only
    /// the first `U` reach the next step's `c_prev` as something the cell
    /// reads.
    const STATE: usize;
    /// Whether the previous output's projection stays apart from the
    /// input's, with a bias of its own (a GRU's `n` gate multiplies it by the
    /// reset gate; Keras' GRU keeps the two biases too). Otherwise the two
    /// are added before the step, and the layer has one bias, as Keras' LSTM
    /// and SimpleRNN.
    const SEPARATE_HIDDEN: bool;
    /// The name in `network!`, for summaries and messages.
    const NAME: &'static str;

    /// One step forward: from `gates` (and `hidden`, `h_prev`, `c_prev`), the
    /// new output `h` and state `c`; `gates` is left holding what the
    /// backward pass needs (the gates' values).
    fn forward(step: ForwardStep<'_>);

    /// One step backward (only with std): from `dh`, the gradient of the loss with respect to
    /// this step's output, and `dc`, with respect to its state (replaced by
    /// the gradient with respect to the previous state), the gradients with
    /// respect to the gates' pre-activations into `dgates` and, when kept
    /// apart, to `hidden` into `dhidden`; what reaches `h_prev` other than
    /// through `W_hh` is added into `dh_prev`.
    #[cfg(feature = "std")]
    fn backward(step: BackwardStep<'_>);

    /// How ONNX writes the cell (only with std) for a layer of `directions` directions (1,
    /// or 2 for a bidirectional one): its operator, gate order and
    /// attributes. The default is an [`Error::Export`](crate::Error::Export):
    /// a cell that ONNX's recurrent operators cannot express.
    #[cfg(feature = "std")]
    fn onnx(directions: usize) -> crate::Result<OnnxCell> {
        let _ = directions;
        Err(crate::Error::export(format!("ONNX has no operator for the `{}` cell", Self::NAME)))
    }
}

/// One direction's parameters, as the one-sample loop reads them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Direction<'a> {
    /// `[G·U, F]`, row-major.
    pub weight_ih: &'a [f32],
    /// `[G·U, U]`, row-major.
    pub weight_hh: &'a [f32],
    /// `G·U`: the bias the cell adds to the gates (an LSTM's or a simple
    /// RNN's one bias, a GRU's `bias_ih`).
    pub bias: &'a [f32],
    /// `G·U`: the previous output's bias when the cell keeps that projection
    /// apart (a GRU's `bias_hh`); empty otherwise.
    pub hidden_bias: &'a [f32],
}

/// The cell `C` with `U` units over one sample's `T` steps of `F` features
/// (`input`, `[T, F]`), its steps in order or, with `reverse`, from the last
/// to the first; after each step `emit(t, last, h)`: the step `t` of the
/// input just read, whether it is the last one read, and the output. Each
/// step's projections are [`add_product`](crate::cpu::add_product)s of the
/// weights with the input and with the previous output, and its arithmetic the
/// cell's. What [`Recurrent`] runs on a batch of one and [`RecurrentView`]
/// on every sample, so the two agree bit for bit. The state lives on the
/// stack: arrays of `U` values, and `4 · U` for the gates (the most a cell
/// has).
pub(crate) fn one_sample<C: Cell, const T: usize, const F: usize, const U: usize>(
    direction: &Direction<'_>,
    input: &[f32],
    reverse: bool,
    mut emit: impl FnMut(usize, bool, &[f32]),
) {
    const { assert!(C::GATES <= 4 && C::STATE <= 1, "a cell has at most 4 gates and 1 state value per unit") };
    let rows = C::GATES * U;
    let (kept, state) = (if C::SEPARATE_HIDDEN { rows } else { 0 }, C::STATE * U);
    let (mut gates, mut hidden) = ([[0.0f32; U]; 4], [[0.0f32; U]; 4]);
    let (gates, hidden) = (&mut gates.as_flattened_mut()[..rows], &mut hidden.as_flattened_mut()[..kept]);
    // The output and state of the step before and of this one, alternating.
    let ([mut h0, mut h1], [mut c0, mut c1]) = ([[0.0f32; U]; 2], [[0.0f32; U]; 2]);
    for s in 0..T {
        let t = if reverse { T - 1 - s } else { s };
        let ((h_prev, h), (c_prev, c)) =
            if s % 2 == 0 { ((&h0, &mut h1), (&c0, &mut c1)) } else { ((&h1, &mut h0), (&c1, &mut c0)) };
        gates.fill(0.0);
        crate::cpu::add_product(direction.weight_ih, &input[t * F..(t + 1) * F], gates);
        if C::SEPARATE_HIDDEN {
            hidden.copy_from_slice(direction.hidden_bias);
        }
        if s > 0 {
            let to = if C::SEPARATE_HIDDEN { &mut *hidden } else { &mut *gates };
            crate::cpu::add_product(direction.weight_hh, h_prev, to);
        }
        C::forward(ForwardStep {
            gates,
            bias: direction.bias,
            hidden,
            h_prev,
            c_prev: &c_prev[..state],
            c: &mut c[..state],
            h,
        });
        emit(t, s == T - 1, h);
    }
}

/// The view of [`Recurrent`] (an [`Lstm`](super::Lstm), [`Gru`](super::Gru)
/// or [`SimpleRnn`](super::SimpleRnn)): `T` steps of `F` features in, the
/// cell `C` run over them with `U` units through the layer's own loop over
/// time; out the last step's output, or every step's with `SEQ`.
///
/// # Shapes
///
/// `[T, F]` in, `U` out (`[T, U]` with `SEQ`); `weight_ih_l0` `[G·U, F]`,
/// `weight_hh_l0` `[G·U, U]`, `bias_ih_l0` and `bias_hh_l0` `[G·U]`, as
/// PyTorch names them.
///
/// ```
/// use nn::layers::LstmCell;
/// use nn::view::{Infer, RecurrentView};
///
/// type RowLstm = RecurrentView<LstmCell, 28, 28, 128, false>;
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

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> RecurrentView<C, T, F, U, SEQ> {
    /// The tensors of one direction, their names ending in `_reverse` with
    /// `reverse` (the backward direction of a bidirectional layer).
    pub(crate) fn load_direction<'a>(
        weights: &mut Blob<'a>,
        prefix: &Prefix,
        reverse: bool,
    ) -> Result<RecurrentParams<'a>, Error> {
        let rows = C::GATES * U;
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

    /// [`one_sample`] over `input` with `params`: a cell with one bias
    /// (an LSTM, a simple RNN) adds the file's two, summed as the layer sums
    /// them when it loads them.
    pub(crate) fn run(
        params: &RecurrentParams<'_>,
        input: &[f32],
        reverse: bool,
        emit: impl FnMut(usize, bool, &[f32]),
    ) {
        let rows = C::GATES * U;
        let mut summed = [[0.0f32; U]; 4];
        let summed = &mut summed.as_flattened_mut()[..rows];
        let direction = if C::SEPARATE_HIDDEN {
            Direction {
                weight_ih: params.weight_ih,
                weight_hh: params.weight_hh,
                bias: params.bias_ih,
                hidden_bias: params.bias_hh,
            }
        } else {
            for ((sum, b_ih), b_hh) in summed.iter_mut().zip(params.bias_ih).zip(params.bias_hh) {
                *sum = b_ih + b_hh;
            }
            Direction { weight_ih: params.weight_ih, weight_hh: params.weight_hh, bias: summed, hidden_bias: &[] }
        };
        one_sample::<C, T, F, U>(&direction, input, reverse, emit);
    }
}

impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Infer
    for RecurrentView<C, T, F, U, SEQ>
{
    const INPUT: usize = T * F;
    const OUTPUT: usize = if SEQ { T * U } else { U };
    type Params<'a> = RecurrentParams<'a>;

    /// `weight_ih_l0` `[G·U, F]`, `weight_hh_l0` `[G·U, U]`, `bias_ih_l0`
    /// and `bias_hh_l0` `[G·U]`.
    fn load<'a>(weights: &mut Blob<'a>, prefix: &Prefix) -> Result<RecurrentParams<'a>, Error> {
        Self::load_direction(weights, prefix, false)
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

#[cfg(feature = "std")]
/// A [`Cell`] as one of ONNX's recurrent operators.
#[derive(Debug, Clone, PartialEq)]
pub struct OnnxCell {
    /// The operator: `LSTM`, `GRU` or `RNN`.
    pub op: &'static str,
    /// ONNX's order of the gates, as nn's gates (PyTorch's order): ONNX's
    /// gate `k` is nn's gate `gates[k]`.
    pub gates: &'static [usize],
    /// Its attributes besides `hidden_size` and `direction`.
    pub attributes: Vec<(&'static str, Attr)>,
}

#[cfg(feature = "std")]
/// A recurrent layer of one direction, or two (`directions`: the forward
/// one, then the backward one), as ONNX's `LSTM`, `GRU` or `RNN` on `input`
/// (`[T, F]`): its weights `W` `[D, G·U, F]`, `R` `[D, G·U, U]` and `B`
/// `[D, 2·G·U]` (the input's bias, then the recurrent one: zeros for a cell
/// with one bias), gates in ONNX's order. The operators read time-major
/// sequences (`[T, batch, F]`; onnxruntime's CPU kernels do not take
/// `layout = 1`), so a `Transpose` comes first; then every step's output
/// `Y` (`[T, D, batch, U]`) becomes `[T, D·U]` per sample, or the last
/// outputs `Y_h` (`[D, batch, U]`: the backward direction's at step 0)
/// become `[D·U]`, the directions side by side.
pub(crate) fn onnx_layer<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool>(
    directions: &[&Recurrent<C, T, F, U, SEQ>],
    graph: &mut Graph,
    prefix: &str,
    input: Value,
) -> crate::Result<Value> {
    let cell = C::onnx(directions.len())?;
    let input = graph.shaped(input, &[T, F])?;
    let (d, rows) = (directions.len(), C::GATES * U);
    let (mut w, mut r, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for direction in directions {
        direction.onnx_weights(cell.gates, &mut w, &mut r, &mut b);
    }
    let w = graph.constant(&format!("{prefix}W"), &[d, rows, F], &w);
    let r = graph.constant(&format!("{prefix}R"), &[d, rows, U], &r);
    let b = graph.constant(&format!("{prefix}B"), &[d, 2 * rows], &b);
    let name = format!("{prefix}time_major");
    let permute = |perm: &[i64]| vec![("perm", Attr::Ints(perm.to_vec()))];
    let x = graph.operator("Transpose", &name, &[&input.name], permute(&[1, 0, 2]), &[&name]).remove(0);
    let direction = if d == 2 { "bidirectional" } else { "forward" };
    let mut attributes = vec![("hidden_size", Attr::Int(U as i64)), ("direction", Attr::Text(direction.to_string()))];
    attributes.extend(cell.attributes);
    let op = format!("{prefix}{}", cell.op.to_lowercase());
    let inputs = [x.as_str(), &w, &r, &b];
    if SEQ {
        let y = graph.operator(cell.op, &op, &inputs, attributes, &[&format!("{op}.Y")]).remove(0);
        let steps = graph.node("Transpose", &format!("{prefix}steps"), &[&y], permute(&[2, 0, 1, 3]), &[T, d, U]);
        graph.shaped(steps, &[T, d * U])
    } else {
        let outputs = graph.operator(cell.op, &op, &inputs, attributes, &["", &format!("{op}.Y_h")]);
        let last = graph.node("Transpose", &format!("{prefix}last"), &[&outputs[1]], permute(&[1, 0, 2]), &[d, U]);
        graph.shaped(last, &[d * U])
    }
}

#[cfg(feature = "std")]
/// A recurrent layer: a sequence of `T` steps of `F` features in, the cell
/// `C` run over it with `U` units; out the last step's output (`U` values),
/// or, when `SEQ` (Keras' `return_sequences=True`), every step's (`[T, U]`).
///
/// The weights are PyTorch's: `weight_ih` `[G·U, F]`, `weight_hh` `[G·U, U]`
/// for `G` gates in PyTorch's order. An LSTM and a simple RNN have one bias,
/// as Keras' (its parameter count: an LSTM of 128 units on 28 features has
/// 80,384; PyTorch says 80,896 for its two biases, which it adds): weight
/// files give it as PyTorch's `bias_ih` and a zero `bias_hh`, and a file's
/// two biases load as their sum. A GRU keeps both, as Keras and PyTorch do.
///
/// The layer works time-major inside: the input projections of all steps
/// are one matrix product; each step then takes one product for the whole
/// batch, `W_hh · h_{t-1}`, and the cell's arithmetic sample by sample, the
/// samples shared between threads. The backward pass goes through time in
/// reverse (backpropagation through time) with one product per step for the
/// gradient to `h_{t-1}`; the gradients of `W_hh`, `W_ih` and the input are
/// one product each after the loop. Each sample's values are computed the
/// same whichever thread computes them, so results do not depend on the
/// number of threads.
pub struct Recurrent<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> {
    /// `[G·U, F]`, row-major as PyTorch's: gate row `r`'s weights are values
    /// `r · F..(r + 1) · F`.
    pub weight_ih: Aligned64,
    /// `[G·U, U]`, row-major.
    pub weight_hh: Aligned64,
    /// `G·U`, added to the input's projection (for an LSTM or a simple RNN,
    /// the layer's one bias).
    pub bias_ih: Aligned64,
    /// `G·U`, added to the previous output's projection when the cell keeps
    /// it apart (a GRU); empty otherwise.
    pub bias_hh: Aligned64,
    cell: PhantomData<C>,
}

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Recurrent<C, T, F, U, SEQ> {
    const ROWS: usize = C::GATES * U;
    /// Values of `bias_hh`.
    const HIDDEN_BIAS: usize = if C::SEPARATE_HIDDEN { C::GATES * U } else { 0 };

    /// Keras' initialisation: `W_ih` from `kernel` (Keras: Glorot uniform),
    /// `W_hh` from `recurrent` (Keras: orthogonal), biases zero (an LSTM's
    /// forget gate's one, Keras' `unit_forget_bias`).
    pub fn with_init<R: Rng + ?Sized>(kernel: Init, recurrent: Init, rng: &mut R) -> Self {
        let (mut layer, rows) = (Self::zeroed(), Self::ROWS);
        // Keras draws its kernel as [F, G·U] (fan-in F, fan-out G·U): drawn
        // in that order, column-major `G·U x F`, then made row-major.
        let mut drawn = vec![0.0; rows * F.max(U)];
        kernel.fill(&mut drawn[..rows * F], F, rows, rng);
        crate::kernels::transpose_into(&drawn, rows, F, &mut layer.weight_ih, F);
        // Keras' recurrent kernel is [U, G·U]; an orthogonal one has
        // orthonormal rows, which `[G·U, U]` (its transpose) has as columns.
        recurrent.fill(&mut drawn[..rows * U], rows, U, rng);
        crate::kernels::transpose_into(&drawn, rows, U, &mut layer.weight_hh, U);
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

    /// This direction's weights appended to ONNX's `W` (`[G·U, F]`), `R`
    /// (`[G·U, U]`) and `B` (`[2·G·U]`), row-major, gates in the order
    /// `gates` gives (ONNX's gate `k` is nn's gate `gates[k]`).
    fn onnx_weights(&self, gates: &[usize], w: &mut Vec<f32>, r: &mut Vec<f32>, b: &mut Vec<f32>) {
        for &gate in gates {
            w.extend_from_slice(&self.weight_ih[gate * U * F..(gate + 1) * U * F]);
            r.extend_from_slice(&self.weight_hh[gate * U * U..(gate + 1) * U * U]);
        }
        for &gate in gates {
            b.extend_from_slice(&self.bias_ih[gate * U..(gate + 1) * U]);
        }
        for &gate in gates {
            match C::SEPARATE_HIDDEN {
                true => b.extend_from_slice(&self.bias_hh[gate * U..(gate + 1) * U]),
                false => b.extend(std::iter::repeat_n(0.0, U)),
            }
        }
    }
}

#[cfg(feature = "std")]
/// The `len` values that [`super::aligned_len`] gave out of `buffer`.
fn aligned(buffer: &[f32], len: usize) -> &[f32] {
    let skip = buffer.as_ptr().align_offset(64).min(16);
    &buffer[skip..skip + len]
}

#[cfg(feature = "std")]
/// The sum of the columns of `sums.len()` values each in `values`, into
/// `sums`: each sum over the columns in order, the sums shared between
/// threads (the same bits on any number of threads).
fn column_sums(values: &[f32], sums: &mut [f32]) {
    let rows = sums.len();
    // Sixteen sums at least a thread: a cache line of each column.
    crate::parallel::for_each_rows(rows, 16, 1, [(sums, 1)], |range, [sums]| {
        super::sum_columns(values, rows, range.start, sums);
    });
}

#[cfg(feature = "std")]
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

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> std::fmt::Debug
    for Recurrent<C, T, F, U, SEQ>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}<[{T}, {F}] -> {U}, return_sequences: {SEQ}>", C::NAME)
    }
}

#[cfg(feature = "std")]
/// What a recurrent layer keeps between its passes, and its scratch memory;
/// every sequence time-major (`[t][n][·]`).
#[derive(Default)]
pub struct RecurrentBuffers {
    /// The input.
    x: Vec<f32>,
    /// Every step's gates (`G·U` per sample and step); after the backward
    /// pass, the gradients to their pre-activations.
    gates: Vec<f32>,
    /// Every step's hidden projections, when the cell keeps them apart.
    hidden: Vec<f32>,
    /// Every step's output and state values (an LSTM's `c`).
    h: Vec<f32>,
    c: Vec<f32>,
    /// Zeros: the state and output before the first step.
    zeros: Vec<f32>,
    /// One step's gradients to the gates' pre-activations, for the batch,
    /// before they replace that step's gates.
    dgates: Vec<f32>,
    /// Every step's gradients to the hidden projections kept apart.
    dhidden: Vec<f32>,
    /// The gradient reaching the current step's output from the next step,
    /// and with respect to its state.
    carry: Vec<f32>,
    dc: Vec<f32>,
    /// The gradient to the input.
    dx: Vec<f32>,
    /// `W_hh`'s transpose, for the gradient to each previous output, its
    /// columns spaced (see `kernels/recurrent.rs`); then the transposes of
    /// the weights' gradients, as computed.
    transposed: Vec<f32>,
    /// `W_hh`, its columns spaced, for the forward pass.
    weight_hh: Vec<f32>,
}

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Recurrent<C, T, F, U, SEQ> {
    /// The weights as the loop over time reads them.
    fn weights(&self) -> Weights<'_> {
        Weights {
            weight_ih: &self.weight_ih,
            weight_hh: &self.weight_hh,
            bias_ih: &self.bias_ih,
            bias_hh: &self.bias_hh,
        }
    }
}

#[cfg(feature = "std")]
/// Every cell is run by the loop over time (`kernels/recurrent.rs`).
impl<C: Cell> Steps for C {
    const GATES: usize = <C as Cell>::GATES;
    const STATE: usize = <C as Cell>::STATE;
    const SEPARATE_HIDDEN: bool = <C as Cell>::SEPARATE_HIDDEN;

    #[inline(always)]
    fn forward(step: ForwardStep<'_>) {
        <C as Cell>::forward(step);
    }

    #[inline(always)]
    fn backward(step: BackwardStep<'_>) {
        <C as Cell>::backward(step);
    }
}

#[cfg(feature = "std")]
impl<C: Cell, const T: usize, const F: usize, const U: usize, const SEQ: bool> Layer for Recurrent<C, T, F, U, SEQ> {
    const INPUT: usize = T * F;
    const OUTPUT: usize = if SEQ { T * U } else { U };
    const PARAMS: usize = C::GATES * U * (F + U + 1) + Self::HIDDEN_BIAS;
    const STATE: usize = 0;
    /// The gates of every step.
    const WIDEST: usize = super::max_width(&[T * F, T * C::GATES * U, Self::OUTPUT]);
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
            bias_hh: Aligned64::zeroed(Self::HIDDEN_BIAS),
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
        b: &mut RecurrentBuffers,
        mode: &mut Mode<'_>,
    ) {
        if batch == 1 && !mode.is_training() {
            // The view's pass: a training pass keeps every step for the
            // backward one, which the batched loop does.
            let direction = Direction {
                weight_ih: &self.weight_ih,
                weight_hh: &self.weight_hh,
                bias: &self.bias_ih,
                hidden_bias: &self.bias_hh,
            };
            return one_sample::<C, T, F, U>(&direction, &input[..T * F], false, |t, last, h| {
                if SEQ {
                    output[t * U..(t + 1) * U].copy_from_slice(h);
                } else if last {
                    output[..U].copy_from_slice(h);
                }
            });
        }
        let (rows, steps) = (Self::ROWS, batch * T);
        let (kept, state) = (if C::SEPARATE_HIDDEN { rows } else { 0 }, C::STATE * U);
        let memory = ForwardMemory {
            x: super::ensure_len(&mut b.x, F * steps),
            gates: super::aligned_len(&mut b.gates, rows * steps),
            hidden: super::aligned_len(&mut b.hidden, kept * steps),
            h: super::ensure_len(&mut b.h, U * steps),
            c: super::ensure_len(&mut b.c, state * steps),
            zeros: super::ensure_len(&mut b.zeros, U.max(state)),
            weight_hh: super::aligned_len(&mut b.weight_hh, Recurrence::<C, T, F, U, SEQ>::FORWARD_LD * U),
        };
        Recurrence::<C, T, F, U, SEQ>::forward(self.weights(), input, output, batch, memory);
    }

    fn backward_batch(&self, pass: Backward<'_, RecurrentBuffers>, grads: &mut Self) {
        let Backward { grad, grad_input, batch, buffers: b, .. } = pass;
        let (rows, steps) = (Self::ROWS, batch * T);
        let kept = if C::SEPARATE_HIDDEN { rows } else { 0 };
        let dc = if C::STATE > 0 { U * batch } else { 0 };
        let dx = if grad_input.is_some() { F * steps } else { 0 };
        let memory = BackwardMemory {
            x: &b.x,
            h: &b.h,
            c: &b.c,
            zeros: &b.zeros,
            hidden: aligned(&b.hidden, kept * steps),
            gates: super::aligned_len(&mut b.gates, rows * steps),
            dgates: super::aligned_len(&mut b.dgates, rows * batch),
            dhidden: super::aligned_len(&mut b.dhidden, kept * steps),
            carry: super::ensure_len(&mut b.carry, U * batch),
            dc: super::ensure_len(&mut b.dc, dc),
            transposed: super::aligned_len(&mut b.transposed, Recurrence::<C, T, F, U, SEQ>::BACKWARD_LD * rows),
            dx: super::ensure_len(&mut b.dx, dx),
        };
        let weight_grads = (&mut grads.weight_ih[..], &mut grads.weight_hh[..]);
        Recurrence::<C, T, F, U, SEQ>::backward(self.weights(), grad, grad_input, batch, memory, weight_grads);
        // The biases' gradients: every step's gradients to the gates'
        // pre-activations (and to the hidden projections kept apart), summed.
        column_sums(aligned(&b.gates, rows * steps), &mut grads.bias_ih);
        if C::SEPARATE_HIDDEN {
            column_sums(aligned(&b.dhidden, kept * steps), &mut grads.bias_hh);
        }
    }

    /// `weight_ih_l0` `[G·U, F]`, `weight_hh_l0` `[G·U, U]`, `bias_ih_l0`
    /// and `bias_hh_l0` `[G·U]`: PyTorch's
    /// `nn.LSTM`, `nn.GRU` and `nn.RNN`. A cell that keeps one bias for the
    /// two (an LSTM, a simple RNN) saves `bias_hh_l0` as zeros and adds a
    /// loaded one to its bias.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        let rows = Self::ROWS;
        visit(Part::param(path, "weight_ih_l0", &[rows, F], &self.weight_ih[..]));
        visit(Part::param(path, "weight_hh_l0", &[rows, U], &self.weight_hh[..]));
        let shape = [rows];
        let bias_ih = Part::param(path, "bias_ih_l0", &shape, &self.bias_ih[..]);
        if C::SEPARATE_HIDDEN {
            visit(bias_ih);
            visit(Part::param(path, "bias_hh_l0", &shape, &self.bias_hh[..]));
        } else {
            visit(bias_ih.folding("bias_hh_l0"));
        }
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        let rows = Self::ROWS;
        visit(Part::param(path, "weight_ih_l0", &[rows, F], &mut self.weight_ih[..]));
        visit(Part::param(path, "weight_hh_l0", &[rows, U], &mut self.weight_hh[..]));
        let shape = [rows];
        let bias_ih = Part::param(path, "bias_ih_l0", &shape, &mut self.bias_ih[..]);
        if C::SEPARATE_HIDDEN {
            visit(bias_ih);
            visit(Part::param(path, "bias_hh_l0", &shape, &mut self.bias_hh[..]));
        } else {
            visit(bias_ih.folding("bias_hh_l0"));
        }
    }

    /// ONNX's `LSTM`, `GRU` or `RNN` (see [`Cell::onnx`]), batch-first in
    /// and out.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> crate::Result<Value> {
        onnx_layer(&[self], graph, prefix, input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Gelu, Relu, Swish, Tanh};
    use crate::kernels::recurrent::PER_STEP_PROJECTION_BYTES;
    use crate::layers::testing::{self, gradient_check};
    use crate::layers::{Gru, GruCell, Lstm, LstmCell, SimpleRnn, Slot};

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
        // Activations whose derivative needs the pre-activations.
        check(SimpleRnn::<3, 2, 4, false, Gelu>::seeded(11), 2);
        check(SimpleRnn::<3, 2, 4, true, Swish>::seeded(12), 2);
    }

    /// A batch whose gates outgrow `PER_STEP_PROJECTION_BYTES` makes each
    /// step's input projections inside the time loop; a small one, all of
    /// them in one product first. Each sample's outputs are the same bits
    /// either way, for a cell that adds the projections to its gates and
    /// for one that keeps the recurrent projection apart.
    #[test]
    fn per_step_and_whole_batch_projections_give_the_same_bits() {
        fn compare<L: Layer>(layer: L, rows: usize, steps: usize) {
            let big = 300;
            assert!(rows * steps * big * size_of::<f32>() > PER_STEP_PROJECTION_BYTES);
            assert!(rows * steps * 10 * size_of::<f32>() <= PER_STEP_PROJECTION_BYTES);
            let input = testing::values(L::INPUT * big, 0.4);
            let (whole, _) = testing::forward(&layer, &input, big, true);
            for (first, chunk) in input.chunks(L::INPUT * 10).enumerate() {
                let (part, _) = testing::forward(&layer, chunk, 10, true);
                let from = first * 10 * L::OUTPUT;
                assert!(part == whole[from..from + part.len()], "samples {} to {}", first * 10, first * 10 + 9);
            }
        }
        compare(with_biases(Lstm::<8, 20, 64, true>::seeded(13)), 256, 8);
        compare(with_biases(Gru::<8, 20, 80, false>::seeded(14)), 240, 8);
    }

    /// An inference pass over one sample runs [`one_sample`] (the view's
    /// pass); over several, the batched products. Each sample's outputs
    /// agree to rounding, for every cell, with and without
    /// `return_sequences`, so a network predicts what its view forwards.
    #[test]
    fn one_sample_and_batched_inference_agree() {
        fn compare<L: Layer>(layer: L) {
            let batch = 3;
            let input = testing::values(L::INPUT * batch, 0.4);
            let (batched, _) = testing::forward(&layer, &input, batch, false);
            for n in 0..batch {
                let (single, _) = testing::forward(&layer, &input[n * L::INPUT..(n + 1) * L::INPUT], 1, false);
                for (k, (s, b)) in single.iter().zip(&batched[n * L::OUTPUT..]).enumerate() {
                    assert!((s - b).abs() <= 1e-5, "sample {n}, output {k}: one sample {s}, batched {b}");
                }
            }
        }
        compare(with_biases(Lstm::<5, 3, 4, false>::seeded(15)));
        compare(with_biases(Lstm::<5, 3, 4, true>::seeded(16)));
        compare(with_biases(Gru::<5, 3, 4, false>::seeded(17)));
        compare(with_biases(Gru::<5, 3, 4, true>::seeded(18)));
        compare(with_biases(SimpleRnn::<5, 3, 4, true, Tanh>::seeded(19)));
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
                // Row r of W_ih is its values r · 2..(r + 1) · 2, as PyTorch's.
                let z: Vec<f64> = (0..12)
                    .map(|r| {
                        let wx: f64 = (0..2).map(|f| f64::from(layer.weight_ih[r * 2 + f]) * f64::from(x[f])).sum();
                        let wh: f64 = (0..3).map(|u| f64::from(layer.weight_hh[r * 3 + u]) * h[u]).sum();
                        wx + wh + f64::from(layer.bias_ih[r])
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
        // The file's [8, 3] is the layer's weights as they lie.
        assert_eq!(tensors[0].values.as_f32().unwrap(), &layer.weight_ih[..]);
        assert_eq!(tensors[1].values.as_f32().unwrap(), &layer.weight_hh[..]);
        assert_eq!(tensors[2].values.as_f32().unwrap(), [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(tensors[3].values.as_f32().unwrap(), [0.0; 8], "an LSTM's one bias is PyTorch's bias_ih");
        let copy = testing::loaded_copy(&layer);
        assert_eq!((copy.weight_ih, copy.weight_hh), (layer.weight_ih.clone(), layer.weight_hh.clone()));
    }

    /// ONNX's weights: an LSTM's gates i, o, f, c from nn's i, f, g, o, and
    /// its one bias as ONNX's input bias beside a zero recurrent one; a
    /// GRU's z, r, h from nn's r, z, n, with both biases.
    #[test]
    fn onnx_weights_are_in_onnx_gate_order() {
        let lstm = with_biases(Lstm::<2, 3, 2, false>::seeded(1));
        let (mut w, mut r, mut b) = (Vec::new(), Vec::new(), Vec::new());
        lstm.onnx_weights(LstmCell::onnx(1).unwrap().gates, &mut w, &mut r, &mut b);
        let pytorch = testing::tensors_of(&lstm);
        let (w_ih, w_hh) = (pytorch[0].values.as_f32().unwrap(), pytorch[1].values.as_f32().unwrap());
        // ONNX's rows 2..4 (gate o) are nn's rows 6..8 (its gate o); F = 3, U = 2.
        assert_eq!(w[2 * 3..4 * 3], w_ih[6 * 3..8 * 3]);
        assert_eq!(r[4 * 2..6 * 2], w_hh[2 * 2..4 * 2], "ONNX's f is nn's second gate");
        assert_eq!(b[..8], [&lstm.bias_ih[..2], &lstm.bias_ih[6..], &lstm.bias_ih[2..6]].concat());
        assert_eq!(b[8..], [0.0; 8]);
        let gru = with_biases(Gru::<2, 3, 2, false>::seeded(2));
        let (mut w, mut r, mut b) = (Vec::new(), Vec::new(), Vec::new());
        gru.onnx_weights(GruCell::onnx(1).unwrap().gates, &mut w, &mut r, &mut b);
        assert_eq!(
            b,
            [
                &gru.bias_ih[2..4],
                &gru.bias_ih[..2],
                &gru.bias_ih[4..],
                &gru.bias_hh[2..4],
                &gru.bias_hh[..2],
                &gru.bias_hh[4..]
            ]
            .concat()
        );
        assert_eq!(w.len(), 6 * 3);
        assert_eq!(r.len(), 6 * 2);
    }

    /// A file's two biases (PyTorch's, both trained) load into an LSTM's one
    /// as their sum, and into a GRU's two as they are.
    #[test]
    fn two_biases_load_as_their_sum_where_the_layer_has_one() {
        let source = |name: &str, shape: &[usize], slot: Slot<'_>| {
            let Slot::F32(out) = slot else { panic!("{name}") };
            let base = if name.starts_with("bias_hh") { 10.0 } else { 1.0 };
            for (i, v) in out.iter_mut().enumerate() {
                *v = base + i as f32;
            }
            let _ = shape;
            Ok(())
        };
        let mut lstm = Lstm::<2, 3, 2, false>::zeroed();
        lstm.load_tensors("", &mut { source }).unwrap();
        assert_eq!(lstm.bias_ih[..], [11.0, 13.0, 15.0, 17.0, 19.0, 21.0, 23.0, 25.0]);
        let mut gru = Gru::<2, 3, 2, false>::zeroed();
        gru.load_tensors("", &mut { source }).unwrap();
        assert_eq!((gru.bias_ih[0], gru.bias_hh[0]), (1.0, 10.0));
    }
}
