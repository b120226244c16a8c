#![cfg(feature = "std")]
//! Layers, one file each, and the [`Layer`] trait that chains them.
//!
//! A layer maps [`Layer::INPUT`] values per sample to [`Layer::OUTPUT`]
//! values. Batched passes work on slices holding `batch` samples one after
//! the other (a vector batch is column-major, one sample per column; an image
//! sample is its `[C, H, W]` values in that order, PyTorch's NCHW), so the
//! training loop can reuse buffers sized for its largest batch without
//! reallocating for a smaller last one.
//!
//! A layer type carries its shape as const parameters (`Dense<784, 128, Relu>`,
//! `Conv2d<1, 28, 28, 32, 3, 3, 1, 1, false, Relu>`), and its flat widths are
//! associated constants computed from them, so no type-level arithmetic is
//! needed: `network!` computes every shape itself, writes the numbers, and
//! asserts at compile time that each layer's `OUTPUT` is the next one's `INPUT`.

mod avg_pool2d;
mod batch_norm;
mod bidirectional;
mod conv2d;
mod dense;
mod dropout;
mod embedding;
mod global_avg_pool2d;
mod gru;
mod lstm;
mod max_pool2d;
mod per_step;
mod recurrent;
mod regularizer;
mod simple_rnn;
mod window;
mod winograd;

pub use avg_pool2d::AvgPool2d;
pub use batch_norm::BatchNorm;
pub use bidirectional::Bidirectional;
pub use conv2d::{Conv2d, ConvBuffers};
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use global_avg_pool2d::GlobalAvgPool2d;
pub use gru::{Gru, GruCell};
pub use lstm::{Lstm, LstmCell};
pub use max_pool2d::{FusedPool, MaxPool2d};
pub use per_step::PerStep;
pub use recurrent::{BackwardStep, Cell, ForwardStep, OnnxCell, Recurrent, RecurrentBuffers};
pub use regularizer::Regularizer;
pub use simple_rnn::{SimpleRnn, SimpleRnnCell};

use crate::act::Activation;
use crate::error::Result;
use crate::onnx::{Graph, Value};
use rand::Rng;

// Defined below the layers, so that the formats that read and write them need no layer.
pub(crate) use crate::tensor::{aligned_len, ensure_len};
pub use crate::tensor::{Slot, Tensor, TensorSource, Values};

/// Whether a batched forward pass trains (dropout active, drawing from the
/// generator; batch norm on the batch's statistics) or infers (every layer
/// deterministic).
pub enum Mode<'a> {
    /// Evaluation and prediction.
    Inference,
    /// A training step, with the generator that stochastic layers draw from.
    Training(&'a mut rand::rngs::StdRng),
}

impl Mode<'_> {
    /// True for [`Mode::Training`].
    pub fn is_training(&self) -> bool {
        matches!(self, Mode::Training(_))
    }
}

/// What a backward pass works on: the batch of the forward pass before it and
/// the gradient flowing back.
pub struct Backward<'a, B> {
    /// The layer's input in the forward pass, [`Layer::INPUT`] values per sample.
    pub input: &'a [f32],
    /// Its output, [`Layer::OUTPUT`] values per sample.
    pub output: &'a [f32],
    /// On entry the loss gradient with respect to `output`, or, when
    /// `preactivation` is true, with respect to the values before the layer's
    /// final activation (a loss fused with that activation). Used as scratch.
    pub grad: &'a mut [f32],
    /// See `grad`. Layers without an activation ignore it.
    pub preactivation: bool,
    /// Receives the gradient with respect to `input`, when one is asked for
    /// (not for a network's first layer).
    pub grad_input: Option<&'a mut [f32]>,
    /// Samples in the batch.
    pub batch: usize,
    /// The scratch memory the forward pass filled.
    pub buffers: &'a mut B,
}

/// One step of a network: parameters, a forward pass and its gradient.
///
/// Implemented by every layer in nn-core and by every network that `network!`
/// declares, so a network can serve as a layer of another.
pub trait Layer: Sized + Send + Sync {
    /// Values per input sample.
    const INPUT: usize;
    /// Values per output sample.
    const OUTPUT: usize;
    /// Number of trainable parameters.
    const PARAMS: usize;
    /// Number of values of training state that is not a parameter (batch
    /// norm's moving mean and variance), as Keras counts "non-trainable params".
    const STATE: usize = 0;
    /// The most values per sample the forward pass writes in one place: the
    /// output, or a wider buffer the layer keeps (a recurrent layer's gates
    /// of every step). [`predict`](crate::train::predict) sizes the batches
    /// it runs by a network's widest layer, so that a batch's values stay in
    /// the core's cache between one layer and the next.
    const WIDEST: usize = crate::view::max_width(&[Self::INPUT, Self::OUTPUT]);
    /// Scratch memory a layer keeps between its forward and backward passes.
    /// Grown on first use and then reused, so a training step does not allocate.
    type Buffers: Default + Send + 'static;

    /// Fresh parameters drawn from `rng` by the layer's initialisation scheme.
    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self;

    /// All parameters zero: the layout used to hold gradients.
    fn zeroed() -> Self;

    /// Outputs for `batch` samples: `input` holds `INPUT * batch` values and
    /// `output` receives `OUTPUT * batch`, sample after sample.
    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut Self::Buffers,
        mode: &mut Mode<'_>,
    );

    /// Check that `input` (`batch` samples) is something the layer can read:
    /// an embedding checks that its values are token ids. `fit`, `evaluate`
    /// and `predict` call it before the forward pass, with errors naming the
    /// sample (within `input`) and the position.
    fn check_input(&self, input: &[f32], batch: usize) -> Result<()> {
        let _ = (input, batch);
        Ok(())
    }

    /// Fold what the last training forward pass measured into the training
    /// state that is not a parameter (batch norm's moving statistics). Called
    /// once per training step, after the loss is known to be finite and
    /// before the backward pass; layers without such state do nothing.
    fn update_state(&mut self, buffers: &Self::Buffers) {
        let _ = buffers;
    }

    /// Gradients for the batch last passed to [`Layer::forward_batch`] with the
    /// same input, output and buffers. The parameter gradients are written
    /// (not added) into `grads`. It may overwrite what the forward pass kept
    /// in the buffers (a recurrent layer writes its gates' gradients over its
    /// gates), so each backward pass follows a forward pass of its own.
    fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self);

    /// [`Layer::backward_batch`] fused with the plain SGD step `θ ← θ − rate·g`:
    /// each parameter is updated with its gradient, which a layer may apply as
    /// it computes it, without storing it (`grads` is scratch space then). The
    /// gradient passed back through `grad_input` is taken with the parameters
    /// as they were before the step.
    ///
    /// The default computes the gradients into `grads` and then updates.
    /// [`Dense`] adds `−rate · delta · inputᵀ` straight into its weights,
    /// which saves writing the weight gradient and reading it back (the
    /// largest tensor of most networks); the numbers are the same as the
    /// separate update's when `batch` is at most 256, the product's depth
    /// per pass.
    fn backward_sgd(&mut self, pass: Backward<'_, Self::Buffers>, grads: &mut Self, rate: f32) {
        self.backward_batch(pass, grads);
        self.visit_params(grads, &mut |params, grads| crate::optim::sgd_step(params, grads, rate));
    }

    /// Visit each parameter tensor as a flat slice with the matching slice of
    /// `grads`, always in the same order. Layers without parameters visit nothing.
    fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
        let _ = (grads, visit);
    }

    /// Visit each parameter tensor read-only, in the same order as [`Layer::visit_params`].
    fn params(&self, visit: &mut dyn FnMut(&[f32])) {
        let _ = visit;
    }

    /// Visit each tensor of training state that is not a parameter (batch
    /// norm's moving mean and variance), always in the same order; early
    /// stopping keeps and restores these with the parameters.
    fn visit_state(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        let _ = visit;
    }

    /// The weight penalty (L1/L2 regularisation) this layer adds to the loss. When
    /// `grads` is given, the penalty's gradient is added to it. Zero for layers
    /// without a regulariser.
    fn penalty(&self, grads: Option<&mut Self>) -> f64 {
        let _ = grads;
        0.0
    }

    /// The parameters and state as named tensors in PyTorch's layout, each
    /// name starting with `prefix` (`"0."` for the first module of an
    /// `nn.Sequential`). Layers without either visit nothing.
    fn tensors(&self, prefix: &str, visit: &mut dyn FnMut(Tensor<'_>)) {
        let _ = (prefix, visit);
    }

    /// Overwrite the parameters and state from `source`, asked for each tensor
    /// that [`Layer::tensors`] names, in the same order. Stops at `source`'s
    /// first error.
    fn load_tensors(&mut self, prefix: &str, source: &mut TensorSource<'_>) -> Result<()> {
        let _ = (prefix, source);
        Ok(())
    }

    /// Write the layer as ONNX operators into `graph`, reading `input` (a
    /// value whose samples hold [`Layer::INPUT`] values, shaped as the layer
    /// reads them: `[I]`, `[C, H, W]` or `[T, F]`) and returning its output
    /// (shaped as the layer gives it), for inference: dropout is the
    /// identity, batch norm uses its moving statistics. Constants are named
    /// as [`Layer::tensors`] names them, `prefix` first; operators after
    /// `prefix`. See [`crate::onnx`].
    ///
    /// The default is an [`Error::Export`](crate::Error::Export) naming the
    /// type: a layer without an ONNX form.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        let _ = (graph, prefix, input);
        Err(crate::Error::export(format!("`{}` has no ONNX form", std::any::type_name::<Self>())))
    }
}

/// A layer or network whose last step is an activation, which losses fuse
/// with (softmax with categorical cross-entropy, sigmoid with binary
/// cross-entropy). A network ending in a layer without one (dropout, pooling,
/// batch norm) has [`crate::act::Linear`].
pub trait Activated {
    /// The activation applied last.
    type Activation: Activation;
    /// Output values per prediction: the whole output, or one step's for a
    /// layer applied on every step of a sequence (`dense` after
    /// `return_sequences = true`), where each step is a prediction of its
    /// own. Losses and accuracy take each group as Keras takes the last axis:
    /// a step's softmax and its cross-entropy, averaged over the steps.
    const GROUP: usize;
}

/// Marks a layer or network that accepts `N` input values.
///
/// `network!` checks `net(Block)` layers against it, so a block of the wrong
/// width is reported at the block, in widths.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not take an input of width {N}",
    label = "the layer before this one has output width {N}",
    note = "a layer's input width must equal the output width of the layer before it"
)]
pub trait TakesInput<const N: usize> {}

/// Zeroed parameter storage on the heap, never on the stack: a 128x784 matrix
/// is 400 KB, more than a debug build should copy around.
pub(crate) fn boxed_zeroed<T: Zeroable>() -> Box<T> {
    // SAFETY: `Zeroable` types are valid when all their bytes are zero.
    unsafe { Box::<T>::new_zeroed().assume_init() }
}

/// Types whose all-zero bit pattern is a valid value.
///
/// # Safety
/// Implement only for types made of `f32` arrays (or other all-zero-valid data).
pub(crate) unsafe trait Zeroable {}

// SAFETY: an `SMatrix<f32, R, C>` is a `[[f32; R]; C]`.
unsafe impl<const R: usize, const C: usize> Zeroable for nalgebra::SMatrix<f32, R, C> {}

// SAFETY: an array of `f32` is valid with all bits zero.
unsafe impl<const N: usize> Zeroable for [f32; N] {}

// SAFETY: `Aligned<T>` is a `T` followed by padding, which may hold any bytes.
unsafe impl<T: Zeroable> Zeroable for Aligned<T> {}

/// A value that starts on a 64-byte boundary, a cache line: a layer's weights
/// and gradients, so that the matrix product reads each step's 16 rows of a
/// column from one cache line rather than two (about 10% faster at 128x784
/// times 784x32, measured). It dereferences to the value.
///
/// ```
/// use nn_core::layers::Dense;
/// use nn_core::act::Relu;
///
/// let layer: Dense<3, 2, Relu> = Dense::seeded(1);
/// assert_eq!(layer.weight.as_ptr() as usize % 64, 0);
/// assert_eq!(layer.weight.shape(), (2, 3));
/// ```
#[repr(C, align(64))]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Aligned<T>(pub T);

impl<T> std::ops::Deref for Aligned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Aligned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Values on the heap whose first starts on a cache line (64 bytes), for
/// weights whose size is known only as a product of const parameters: the
/// matrix product reads such a matrix in place when its columns are 16
/// values apart. It dereferences to the slice.
pub struct Aligned64 {
    storage: Box<[f32]>,
    start: usize,
    len: usize,
}

impl Aligned64 {
    /// `len` zeros.
    pub fn zeroed(len: usize) -> Self {
        let storage = vec![0.0f32; len + 16].into_boxed_slice();
        let start = storage.as_ptr().align_offset(64).min(16);
        Aligned64 { storage, start, len }
    }
}

impl std::ops::Deref for Aligned64 {
    type Target = [f32];

    fn deref(&self) -> &[f32] {
        &self.storage[self.start..self.start + self.len]
    }
}

impl std::ops::DerefMut for Aligned64 {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.storage[self.start..self.start + self.len]
    }
}

impl Clone for Aligned64 {
    fn clone(&self) -> Self {
        let mut copy = Aligned64::zeroed(self.len);
        copy.copy_from_slice(self);
        copy
    }
}

impl std::fmt::Debug for Aligned64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Aligned64 {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// Rows `first..first + sums.len()` of `values` (columns of `rows` values
/// each) summed over the columns, each sum in column order, into `sums`: a
/// bias's gradient from the gradients of a batch's (or its steps') outputs.
pub(crate) fn sum_columns(values: &[f32], rows: usize, first: usize, sums: &mut [f32]) {
    sums.fill(0.0);
    for column in values.chunks_exact(rows) {
        sums.iter_mut().zip(&column[first..]).for_each(|(s, v)| *s += v);
    }
}

/// Defined in [`crate::view`], which builds without std.
pub use crate::view::Widths;

/// Load one `f32` tensor named `prefix` + `name` of `shape` into `values`.
pub(crate) fn load_f32(
    source: &mut TensorSource<'_>,
    prefix: &str,
    name: &str,
    shape: &[usize],
    values: &mut [f32],
) -> Result<()> {
    source(&format!("{prefix}{name}"), shape, Slot::F32(values))
}

/// An `f32` tensor named `prefix` + `name`, borrowing `values`.
pub(crate) fn f32_tensor<'a>(prefix: &str, name: &str, shape: &[usize], values: &'a [f32]) -> Tensor<'a> {
    Tensor { name: format!("{prefix}{name}"), shape: shape.to_vec(), values: values.into() }
}

#[cfg(test)]
pub(crate) mod testing;
