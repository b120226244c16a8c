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

// Without the heap, a view's error holds its tensor names and shapes itself,
// so it is a few hundred bytes; it is made at most once, when a view is made.
#![allow(clippy::result_large_err)]

mod activate;
mod add;
mod avgpool2d;
mod batch_norm;
mod bidirectional;
#[cfg(feature = "std")]
mod branches;
mod concat;
mod conv2d;
mod dense;
#[cfg(feature = "std")]
mod dropout;
mod embedding;
mod global_avgpool2d;
mod gru;
mod identity;
mod layer_norm;
mod lstm;
mod maxpool2d;
#[cfg(feature = "std")]
mod pair;
#[cfg(feature = "std")]
mod parts;
mod per_step;
mod recurrent;
#[cfg(feature = "std")]
mod regularizer;
mod repeat;
mod residual;
mod simple_rnn;

#[cfg(feature = "std")]
pub use activate::Activate;
pub use activate::ActivateView;
pub use add::Add;
#[cfg(feature = "std")]
pub use avgpool2d::AvgPool2d;
pub use avgpool2d::AvgPool2dView;
#[cfg(feature = "std")]
pub use batch_norm::BatchNorm;
pub use batch_norm::{BatchNormParams, BatchNormView};
#[cfg(feature = "std")]
pub use bidirectional::Bidirectional;
pub use bidirectional::{BidirectionalParams, BidirectionalView};
#[cfg(feature = "std")]
pub use branches::BranchBuffers;
pub use concat::Concat;
#[cfg(feature = "std")]
pub use conv2d::{Conv2d, ConvBuffers};
pub use conv2d::{Conv2dParams, Conv2dView};
#[cfg(feature = "std")]
pub use dense::Dense;
pub use dense::{DenseParams, DenseView};
#[cfg(feature = "std")]
pub use dropout::Dropout;
#[cfg(feature = "std")]
pub use embedding::Embedding;
pub use embedding::{EmbeddingParams, EmbeddingView};
#[cfg(feature = "std")]
pub use global_avgpool2d::GlobalAvgPool2d;
pub use global_avgpool2d::GlobalAvgPool2dView;
#[cfg(feature = "std")]
pub use gru::Gru;
pub use gru::GruCell;
pub use identity::Identity;
#[cfg(feature = "std")]
pub use layer_norm::{LayerNorm, LayerNormBuffers};
pub use layer_norm::{LayerNormParams, LayerNormView};
#[cfg(feature = "std")]
pub use lstm::Lstm;
pub use lstm::LstmCell;
pub use maxpool2d::MaxPool2dView;
#[cfg(feature = "std")]
pub use maxpool2d::{FusedPool, MaxPool2d};
#[cfg(feature = "std")]
pub use pair::Pair;
#[cfg(feature = "std")]
pub use parts::{Data, DataMut, Part, Path, Role};
#[cfg(feature = "std")]
pub use per_step::PerStep;
pub use per_step::PerStepView;
pub use recurrent::{BackwardStep, Cell, ForwardStep, RecurrentParams, RecurrentView};
#[cfg(feature = "std")]
pub use recurrent::{OnnxCell, Recurrent, RecurrentBuffers};
#[cfg(feature = "std")]
pub use regularizer::Regularizer;
pub use repeat::Repeat;
#[cfg(feature = "std")]
pub use repeat::RepeatBuffers;
pub use residual::Residual;
#[cfg(feature = "std")]
pub use residual::ResidualBuffers;
#[cfg(feature = "std")]
pub use simple_rnn::SimpleRnn;
pub use simple_rnn::SimpleRnnCell;
#[cfg(feature = "std")]
mod layer;
#[cfg(test)]
pub(crate) mod testing;
#[cfg(feature = "std")]
pub use layer::*;

use crate::safetensors::{Error, Prefix, Weights};
use core::fmt;

/// A value that starts on a 64-byte boundary, a cache line: a layer's
/// weights and gradients, so that the matrix product reads each step's 16
/// rows of a column from one cache line rather than two; and weights
/// embedded in a binary with [`include_weights!`](crate::include_weights), so
/// that a view reads their `f32`s in place. It dereferences to the value.
///
/// ```
/// use nn::view::Aligned;
///
/// static BYTES: &Aligned<[u8]> = &Aligned([1, 2, 3]);
/// assert_eq!(BYTES.as_ptr() as usize % 64, 0);
/// assert_eq!(&BYTES[..], [1, 2, 3]);
/// ```
#[repr(C, align(64))]
#[derive(Debug, Default, PartialEq)]
pub struct Aligned<T: ?Sized>(pub T);

impl<T: Clone> Clone for Aligned<T> {
    fn clone(&self) -> Self {
        Aligned(self.0.clone())
    }
}

impl<T: Copy> Copy for Aligned<T> {}

impl<T: ?Sized> core::ops::Deref for Aligned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> core::ops::DerefMut for Aligned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// [`Layer::parts`] and [`Layer::parts_mut`] of a layer that keeps no
/// tensors (pooling, dropout, a layer of your own that only computes): it
/// visits none. Written inside the `impl Layer` block.
///
/// ```
/// use nn_core::layers::{Backward, Layer, Mode};
/// use nn_core::onnx::{Graph, Value};
///
/// /// Halves its four inputs.
/// struct Halve;
///
/// impl Layer for Halve {
///     const INPUT: usize = 4;
///     const OUTPUT: usize = 4;
///     const PARAMS: usize = 0;
///     const STATE: usize = 0;
///     type Buffers = ();
///
///     fn init<R: nn_core::rand::Rng + ?Sized>(_: &mut R) -> Self { Halve }
///     fn zeroed() -> Self { Halve }
///     fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
///         output[..4 * batch].iter_mut().zip(input).for_each(|(o, i)| *o = 0.5 * i);
///     }
///     fn backward_batch(&self, pass: Backward<'_, ()>, _: &mut Self) {
///         if let Some(grad_input) = pass.grad_input {
///             grad_input[..4 * pass.batch].iter_mut().zip(pass.grad.iter()).for_each(|(d, g)| *d = 0.5 * g);
///         }
///     }
///     nn_core::no_parts!();
///     fn onnx(&self, _: &mut Graph, _: &str, _: Value) -> nn_core::Result<Value> {
///         Err(nn_core::Error::export("`Halve` has no ONNX form"))
///     }
/// }
///
/// let mut count = 0;
/// Halve.parts(&nn_core::layers::Path::ROOT, &mut |_| count += 1);
/// assert_eq!(count, 0);
/// ```
#[cfg(feature = "std")]
#[macro_export]
macro_rules! no_parts {
    () => {
        /// None: the layer keeps no tensors.
        fn parts<'s>(
            &'s self,
            _: &$crate::layers::Path<'_>,
            _: &mut dyn FnMut($crate::layers::Part<'_, $crate::layers::Data<'s>>),
        ) {
        }

        fn parts_mut<'s>(
            &'s mut self,
            _: &$crate::layers::Path<'_>,
            _: &mut dyn FnMut($crate::layers::Part<'_, $crate::layers::DataMut<'s>>),
        ) {
        }
    };
}

/// A layer (or a whole network) as a view runs it: where its parameters
/// lie in a weight blob, and its forward pass over one sample.
///
/// Implemented by the types of this module, one per layer kind, and by every
/// network that `network!` declares (its `Params` is its view, `NameView`),
/// so that a network nests in another's view. The type itself is never made:
/// its parameters are.
///
/// ```
/// use nn::view::{DenseView, Infer};
/// use nn::act::Relu;
///
/// assert_eq!((<DenseView<784, 128, Relu> as Infer>::INPUT, <DenseView<784, 128, Relu> as Infer>::OUTPUT), (784, 128));
/// ```
pub trait Infer {
    /// Values per input sample.
    const INPUT: usize;
    /// Values per output sample.
    const OUTPUT: usize;
    /// The parameters, where they lie in the blob (`()` for a layer without any).
    type Params<'a>: Copy + fmt::Debug;

    /// Find the tensors the layer's type saves in `weights`, each name
    /// starting with `prefix` (`"0."` for the first module of a
    /// `torch.nn.Sequential`), checking their type and shape.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<Self::Params<'a>, Error>;

    /// The output for one sample: `input` holds [`Infer::INPUT`] values,
    /// and `output` receives [`Infer::OUTPUT`] (shorter slices panic: a
    /// network's view passes slices of exactly these widths, which the
    /// compiler checks).
    fn forward(params: &Self::Params<'_>, input: &[f32], output: &mut [f32]);
}

/// The widths of a network declared with `network!`, for networks nested in
/// others (also `nn::layers::Widths`).
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

/// The largest of `widths` (0 for none): the size of a stack array that
/// holds, in turn, each of the values between layers it is given (for
/// `network!`), and the widest layer of a network (`Layer::WIDEST`).
#[doc(hidden)]
pub const fn max_width(widths: &[usize]) -> usize {
    let (mut k, mut max) = (0, 0);
    while k < widths.len() {
        if widths[k] > max {
            max = widths[k];
        }
        k += 1;
    }
    max
}
