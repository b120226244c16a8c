//! The contract of a layer with owned weights, trained in batches: the
//! [`Layer`] trait, the modes and passes it is given, and the aligned
//! memory its weights live in.

use super::{parts, Aligned, Data, DataMut, Part, Path};
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
///
/// What a layer must say has no default: its widths, its counts of
/// parameters and state, its passes, its tensors ([`Layer::parts`] and
/// [`Layer::parts_mut`], the one list from which training, saving and
/// loading are derived) and its ONNX form. What is optional has a default
/// that is right for a layer that does not need it: rules for the input
/// values ([`Layer::check_input`]) and state that changes in training
/// ([`Layer::update_state`]). The provided methods below the parts are
/// derived from them and are not meant to be written again.
pub trait Layer: Sized + Send + Sync {
    /// Values per input sample.
    const INPUT: usize;
    /// Values per output sample.
    const OUTPUT: usize;
    /// Number of trainable parameters: the values of the [`Role::Param`](super::Role::Param)
    /// parts.
    const PARAMS: usize;
    /// Number of values of training state that is not a parameter (batch
    /// norm's moving mean and variance), as Keras counts "non-trainable
    /// params": the `f32` values of the [`Role::State`](super::Role::State) parts.
    const STATE: usize;
    /// The most values per sample the forward pass writes in one place: the
    /// output, or a wider buffer the layer keeps (a recurrent layer's gates
    /// of every step). [`predict`](crate::train::predict) sizes the batches
    /// it runs by a network's widest layer, so that a batch's values stay in
    /// the core's cache between one layer and the next.
    const WIDEST: usize = super::max_width(&[Self::INPUT, Self::OUTPUT]);
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

    /// Gradients for the batch last passed to [`Layer::forward_batch`] with the
    /// same input, output and buffers. The parameter gradients are written
    /// (not added) into `grads`. It may overwrite what the forward pass kept
    /// in the buffers (a recurrent layer writes its gates' gradients over its
    /// gates), so each backward pass follows a forward pass of its own.
    fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self);

    /// Each tensor the layer keeps, in a fixed order, with its name, shape
    /// and role, under `path` (the modules above the layer): its parameters
    /// and its state. A layer without tensors visits none.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>));

    /// The same tensors as [`Layer::parts`], in the same order, writable.
    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>));

    /// Write the layer as ONNX operators into `graph`, reading `input` (a
    /// value whose samples hold [`Layer::INPUT`] values, shaped as the layer
    /// reads them: `[I]`, `[C, H, W]` or `[T, F]`) and returning its output
    /// (shaped as the layer gives it), for inference: dropout is the
    /// identity, batch norm uses its moving statistics. Constants are named
    /// as [`Layer::tensors`] names them, `prefix` first; operators after
    /// `prefix`. See [`crate::onnx`]. A layer without an ONNX form returns an
    /// [`Error::Export`](crate::Error::Export) naming it.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> Result<Value>;

    /// Check that `input` (`batch` samples) is something the layer can read:
    /// an embedding checks that its values are token ids. `fit`, `evaluate`
    /// and `predict` call it before the forward pass, with errors naming the
    /// sample (within `input`) and the position. Layers that read any values
    /// keep the default, which accepts them.
    fn check_input(&self, input: &[f32], batch: usize) -> Result<()> {
        let _ = (input, batch);
        Ok(())
    }

    /// Fold what the last training forward pass measured into the training
    /// state that is not a parameter (batch norm's moving statistics). Called
    /// once per training step, after the loss is known to be finite and
    /// before the backward pass. Layers without [`Role::State`](super::Role::State) parts keep
    /// the default, which changes nothing; `testing::check_parts` checks
    /// that a layer with such parts changes them here.
    fn update_state(&mut self, buffers: &Self::Buffers) {
        let _ = buffers;
    }

    /// [`Layer::backward_batch`] fused with the plain SGD step `θ ← θ − rate·g`:
    /// each parameter is updated with its gradient, which a layer may apply as
    /// it computes it, without storing it (`grads` is scratch space then). The
    /// gradient passed back through `grad_input` is taken with the parameters
    /// as they were before the step.
    ///
    /// Derived: the gradients into `grads`, then the update. [`Dense`](super::Dense)
    /// adds `−rate · delta · inputᵀ` straight into its weights, which saves
    /// writing the weight gradient and reading it back (the largest tensor
    /// of most networks); the numbers are the same as the separate update's
    /// when `batch` is at most 256, the product's depth per pass.
    fn backward_sgd(&mut self, pass: Backward<'_, Self::Buffers>, grads: &mut Self, rate: f32) {
        self.backward_batch(pass, grads);
        self.visit_params(grads, &mut |params, grads| crate::optim::sgd_step(params, grads, rate));
    }

    /// Each parameter tensor as a flat slice with the matching slice of
    /// `grads`, in the order of [`Layer::parts`]. Derived from the parts.
    fn visit_params(&mut self, grads: &Self, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
        parts::visit_params(self, grads, visit);
    }

    /// Each parameter tensor read-only, in the same order as
    /// [`Layer::visit_params`]. Derived from the parts.
    fn params(&self, visit: &mut dyn FnMut(&[f32])) {
        parts::params(self, visit);
    }

    /// Each `f32` tensor of training state that is not a parameter (batch
    /// norm's moving mean and variance), in order; early stopping keeps and
    /// restores these with the parameters. Derived from the parts.
    fn visit_state(&mut self, visit: &mut dyn FnMut(&mut [f32])) {
        parts::visit_state(self, visit);
    }

    /// The weight penalty (L1/L2 regularisation) of the parts that carry a
    /// [`Regularizer`](super::Regularizer), added to the loss. When `grads` is given, the
    /// penalty's gradient is added to it. Derived from the parts.
    fn penalty(&self, grads: Option<&mut Self>) -> f64 {
        parts::penalty(self, grads)
    }

    /// The parameters and state as named tensors in PyTorch's layout, each
    /// name starting with `prefix` (`"0."` for the first module of an
    /// `nn.Sequential`). Derived from the parts.
    fn tensors(&self, prefix: &str, visit: &mut dyn FnMut(Tensor<'_>)) {
        parts::tensors(self, prefix, visit);
    }

    /// Overwrite the parameters and state from `source`, asked for each tensor
    /// that [`Layer::tensors`] names, in the same order. Stops at `source`'s
    /// first error. Derived from the parts.
    fn load_tensors(&mut self, prefix: &str, source: &mut TensorSource<'_>) -> Result<()> {
        parts::load_tensors(self, prefix, source)
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

// SAFETY: so is an array of arrays of `f32`.
unsafe impl<const N: usize, const M: usize> Zeroable for [[f32; N]; M] {}

// SAFETY: `Aligned<T>` is a `T` followed by padding, which may hold any bytes.
unsafe impl<T: Zeroable> Zeroable for Aligned<T> {}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Relu, Softmax, Tanh};
    use crate::layers::testing::{check_parts, values};
    use crate::layers::*;

    /// Every layer kind declares its tensors once, consistently: see
    /// [`testing::check_parts`].
    #[test]
    fn every_layer_kind_keeps_the_contract_of_its_parts() {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
        check_parts(&mut Dense::<4, 3, Relu>::init(&mut rng), &values(8, 0.1), 2);
        check_parts(&mut Dense::<4, 3, Relu, false>::init(&mut rng), &values(8, 0.1), 2);
        check_parts(&mut Conv2d::<2, 5, 5, 3, 3, 3, 1, 1, true, Relu>::init(&mut rng), &values(100, 0.2), 2);
        check_parts(&mut Conv2d::<2, 5, 5, 3, 3, 3, 1, 1, true, Relu, false>::init(&mut rng), &values(100, 0.2), 2);
        check_parts(&mut MaxPool2d::<2, 4, 4, 2, 2, 2, 2, false>::init(&mut rng), &values(64, 0.3), 2);
        check_parts(&mut AvgPool2d::<2, 4, 4, 2, 2, 2, 2, false>::init(&mut rng), &values(64, 0.3), 2);
        check_parts(&mut GlobalAvgPool2d::<2, 3, 3>::init(&mut rng), &values(36, 0.4), 2);
        check_parts(&mut Dropout::<6, { 0.5f32.to_bits() }>::init(&mut rng), &values(12, 0.5), 2);
        check_parts(&mut Activate::<6, 3, Softmax>::init(&mut rng), &values(12, 0.5), 2);
        let mut norm = BatchNorm::<3, 4>::init(&mut rng);
        check_parts(&mut norm, &values(24, 0.6), 2);
        check_parts(&mut LayerNorm::<6, 3, { 1e-5f32.to_bits() }>::init(&mut rng), &values(12, 0.6), 2);
        check_parts(&mut Embedding::<5, 3, 4>::init(&mut rng), &[0.0, 1.0, 4.0, 2.0, 3.0, 3.0, 0.0, 1.0], 2);
        check_parts(&mut Lstm::<3, 2, 4, false>::init(&mut rng), &values(12, 0.7), 2);
        check_parts(&mut Gru::<3, 2, 4, true>::init(&mut rng), &values(12, 0.8), 2);
        check_parts(&mut SimpleRnn::<3, 2, 4, false, Tanh>::init(&mut rng), &values(12, 0.9), 2);
        check_parts(&mut Bidirectional::<LstmCell, 3, 2, 4, true>::init(&mut rng), &values(12, 1.0), 2);
        check_parts(&mut PerStep::<Dense<2, 3, Tanh>, 3>::init(&mut rng), &values(12, 1.1), 2);
        check_parts(&mut Identity::<4>::init(&mut rng), &values(8, 1.2), 2);
        check_parts(&mut Residual::<BatchNorm<2, 2>, 4>::init(&mut rng), &values(8, 1.3), 2);
        check_parts(&mut Add::<Dense<4, 4, Relu>, BatchNorm<2, 2>, 4>::init(&mut rng), &values(8, 1.4), 2);
        check_parts(&mut Repeat::<Residual<BatchNorm<2, 2>, 4>, 3, 4>::init(&mut rng), &values(8, 1.5), 2);
        check_parts(&mut Concat::<Identity<4>, BatchNorm<2, 2>, 2, 4, 4>::init(&mut rng), &values(8, 1.6), 2);
    }

    /// A layer that kept a tensor out of its parts would not be saved, and
    /// the check above says so: a batch norm whose state is hidden fails it.
    #[test]
    #[should_panic(expected = "STATE is not the values of its state parts")]
    fn the_contract_check_finds_a_layer_that_hides_a_tensor() {
        struct Hiding(BatchNorm<2, 1>);
        impl Layer for Hiding {
            const INPUT: usize = 2;
            const OUTPUT: usize = 2;
            const PARAMS: usize = 4;
            const STATE: usize = 4;
            type Buffers = <BatchNorm<2, 1> as Layer>::Buffers;
            fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
                Hiding(BatchNorm::init(rng))
            }
            fn zeroed() -> Self {
                Hiding(BatchNorm::zeroed())
            }
            fn forward_batch(&self, i: &[f32], o: &mut [f32], b: usize, buf: &mut Self::Buffers, m: &mut Mode<'_>) {
                self.0.forward_batch(i, o, b, buf, m);
            }
            fn backward_batch(&self, pass: Backward<'_, Self::Buffers>, grads: &mut Self) {
                self.0.backward_batch(pass, &mut grads.0);
            }
            // Only the parameters: the moving statistics are left out.
            fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
                visit(Part::param(path, "weight", &[2], &self.0.weight[..]));
                visit(Part::param(path, "bias", &[2], &self.0.bias[..]));
            }
            fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
                visit(Part::param(path, "weight", &[2], &mut self.0.weight[..]));
                visit(Part::param(path, "bias", &[2], &mut self.0.bias[..]));
            }
            fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
                self.0.onnx(graph, prefix, input)
            }
        }
        check_parts(&mut Hiding::init(&mut <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1)), &[0.5; 4], 2);
    }
}
