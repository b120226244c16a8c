//! Layers, one file each, and the [`Layer`] trait that chains them.
//!
//! A layer maps `I` features to `O` features. Batched passes work on column-major
//! slices holding `batch` samples (one per column), so the training loop can reuse
//! buffers sized for its largest batch without reallocating for a smaller last one.

mod dense;
mod dropout;

pub use dense::{Dense, Regularizer};

pub use dropout::Dropout;

use crate::act::Activation;
use crate::error::Result;
use nalgebra::SVector;
use rand::Rng;
use std::borrow::Cow;

/// Whether a batched forward pass trains (dropout active, drawing from the
/// generator) or infers (every layer deterministic).
pub enum Mode<'a> {
    /// Evaluation and prediction.
    Inference,
    /// A training step, with the generator that stochastic layers draw from.
    Training(&'a mut rand::rngs::StdRng),
}

/// One parameter tensor as a weight file stores it: a PyTorch-style name
/// (`0.weight`), a shape, and its values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor<'a> {
    /// The full name, prefix included.
    pub name: String,
    /// The shape, outermost dimension first (a dense weight is `[out, in]`).
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub values: Cow<'a, [f32]>,
}

/// Where [`Layer::load_tensors`] gets values: called with a tensor's name and shape
/// and a slice to fill, row-major.
pub type TensorSource<'a> = dyn FnMut(&str, &[usize], &mut [f32]) -> Result<()> + 'a;

/// One step of a network: parameters, a forward pass and its gradient.
///
/// Implemented by every layer in nn-core and by every network that `network!`
/// declares, so a network can serve as a layer of another.
pub trait Layer<const I: usize, const O: usize>: Sized + Send + Sync {
    /// The activation applied last; losses fuse with it (softmax with categorical
    /// cross-entropy, sigmoid with binary cross-entropy).
    type Activation: Activation;
    /// Scratch memory a layer keeps between its forward and backward passes.
    /// Grown on first use and then reused, so a training step does not allocate.
    type Buffers: Default + Send;
    /// Number of trainable parameters.
    const PARAMS: usize;

    /// Fresh parameters drawn from `rng` by the layer's initialisation scheme.
    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self;

    /// All parameters zero: the layout used to hold gradients.
    fn zeroed() -> Self;

    /// The output for one sample.
    fn forward(&self, input: &SVector<f32, I>) -> SVector<f32, O>;

    /// Outputs for `batch` samples: `input` holds `I * batch` values and `output`
    /// receives `O * batch`, both column-major.
    fn forward_batch(
        &self,
        input: &[f32],
        output: &mut [f32],
        batch: usize,
        buffers: &mut Self::Buffers,
        mode: &mut Mode<'_>,
    );

    /// Gradients for the batch last passed to [`Layer::forward_batch`] with these
    /// `input`, `output` and `buffers`.
    ///
    /// On entry `grad` holds the loss gradient with respect to `output`, or, when
    /// `preactivation` is true, with respect to the values before the final
    /// activation (a loss fused with that activation). `grad` is used as scratch.
    /// The parameter gradients are written (not added) into `grads`; the gradient
    /// with respect to `input` is written into `grad_input` when one is given.
    #[allow(clippy::too_many_arguments)]
    fn backward_batch(
        &self,
        input: &[f32],
        output: &[f32],
        grad: &mut [f32],
        preactivation: bool,
        grad_input: Option<&mut [f32]>,
        batch: usize,
        buffers: &mut Self::Buffers,
        grads: &mut Self,
    );

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
    #[allow(clippy::too_many_arguments)]
    fn backward_sgd(
        &mut self,
        input: &[f32],
        output: &[f32],
        grad: &mut [f32],
        preactivation: bool,
        grad_input: Option<&mut [f32]>,
        batch: usize,
        buffers: &mut Self::Buffers,
        grads: &mut Self,
        rate: f32,
    ) {
        self.backward_batch(input, output, grad, preactivation, grad_input, batch, buffers, grads);
        self.visit_params(grads, &mut |params, grads| crate::optim::sgd_step(params, grads, rate));
    }

    /// Visit each parameter tensor as a flat slice with the matching slice of
    /// `grads`, always in the same order.
    fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32]));

    /// Visit each parameter tensor read-only, in the same order as [`Layer::visit_params`].
    fn params(&self, visit: &mut dyn FnMut(&[f32]));

    /// The weight penalty (L1/L2 regularisation) this layer adds to the loss. When
    /// `grads` is given, the penalty's gradient is added to it. Zero for layers
    /// without a regulariser.
    fn penalty(&self, grads: Option<&mut Self>) -> f64 {
        let _ = grads;
        0.0
    }

    /// The parameters as named tensors in PyTorch's layout, each name starting with
    /// `prefix` (`"0."` for the first module of an `nn.Sequential`).
    fn tensors(&self, prefix: &str, visit: &mut dyn FnMut(Tensor<'_>));

    /// Overwrite the parameters from `source`, asked for each tensor that
    /// [`Layer::tensors`] names, in the same order. Stops at `source`'s first error.
    fn load_tensors(&mut self, prefix: &str, source: &mut TensorSource<'_>) -> Result<()>;
}

/// Marks a layer or network that accepts `N` input features.
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

// SAFETY: `Aligned<T>` is a `T` followed by padding, which may hold any bytes.
unsafe impl<T: Zeroable> Zeroable for Aligned<T> {}

/// A value that starts on a 64-byte boundary, a cache line: a layer's weights
/// and gradients, so that the matrix product reads each step's 16 rows of a
/// column from one cache line rather than two (about 10% faster at 128x784
/// times 784x32, measured). It dereferences to the value.
///
/// ```
/// use nn_core::layers::{Dense, Layer};
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

/// Make `buffer` hold at least `len` values, reusing its allocation when it can.
pub(crate) fn ensure_len(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
    &mut buffer[..len]
}

/// The widths of a network declared with `network!`, for networks nested in others.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a network declared with `network!`",
    label = "`net(...)` takes a network type",
    note = "declare the inner network with `network!` and name its type here, e.g. `net(Encoder)`"
)]
pub trait Widths {
    /// The input width.
    const INPUT: usize;
    /// The output width.
    const OUTPUT: usize;
}
