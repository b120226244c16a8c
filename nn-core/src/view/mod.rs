//! Inference from borrowed weights, without the heap: a network's forward
//! pass read straight from the bytes of a safetensors blob (weights embedded
//! in the binary with `include_bytes!`, or any bytes at hand), every value
//! between its layers on the stack. This module builds without std and
//! allocates nothing, so it runs where there is no allocator at all.
//!
//! `network!` gives every network `Name::view(bytes)`, which checks the bytes
//! ([`Weights::parse`]: the format, as strictly as files are checked; then
//! every tensor the network reads, by name, type and shape, and that the
//! bytes hold no other) and returns a `NameView<'_>`: the parameters as
//! slices of the bytes. Its `forward(&[f32; IN]) -> [f32; OUT]` allocates
//! nothing, even on its first call:
//!
//! ```
//! use nn::prelude::*;
//!
//! network! {
//!     pub struct Mnist {
//!         input: 784,
//!         dense(128, relu),
//!         dense(10, softmax),
//!     }
//! }
//!
//! let net = Mnist::seeded(1);
//! let bytes = net.to_bytes(); // what `save` writes; or include_bytes!("mnist.safetensors")
//! let view = Mnist::view(&bytes)?;
//! let x = [0.5; 784];
//! let (borrowed, owned) = (view.forward(&x), net.forward(x));
//! assert!(borrowed.iter().zip(owned.iter()).all(|(a, b)| (a - b).abs() < 1e-6));
//! # Ok::<(), nn::view::Error>(())
//! ```
//!
//! Each layer kind has a file here, beside its file in
//! [`layers`](crate::layers): a type with the layer's const parameters
//! (`DenseView<784, 128, Relu>` for `Dense<784, 128, Relu>`) that implements
//! [`Infer`], saying where the layer's parameters lie ([`Infer::Params`], a
//! struct of slices of the bytes: the tensors the layer saves) and running
//! one sample through it in plain loops over slices, where the layer runs
//! batches through the matrix product. The two agree to rounding
//! (`tests/view.rs` checks every kind against the layer's `forward`). A
//! network's values between layers live in two arrays on the stack that
//! `network!` sizes from the widths it knows, each layer reading one and
//! writing the other.
//!
//! Values are read with `f32::from_le_bytes`, so the bytes need no
//! alignment; only `F32` tensors are read (a view converts nothing, so
//! `F16`, `BF16` and `F64`, which a network's `load` converts, are errors).

// Without the heap, an error holds its tensor names and shapes itself, so
// it is a few hundred bytes; it is made at most once, when a view is made.
#![allow(clippy::result_large_err)]

mod avg_pool2d;
mod batch_norm;
mod bidirectional;
mod conv2d;
mod dense;
mod embedding;
mod global_avg_pool2d;
mod gru;
mod lstm;
mod max_pool2d;
mod per_step;
mod recurrent;
mod simple_rnn;
mod weights;

pub use avg_pool2d::AvgPool2dView;
pub use batch_norm::{BatchNormParams, BatchNormView};
pub use bidirectional::{BidirectionalParams, BidirectionalView};
pub use conv2d::{Conv2dParams, Conv2dView};
pub use dense::{DenseParams, DenseView};
pub use embedding::{EmbeddingParams, EmbeddingView};
pub use global_avg_pool2d::GlobalAvgPool2dView;
pub use gru::GruStep;
pub use lstm::LstmStep;
pub use max_pool2d::MaxPool2dView;
pub use per_step::PerStepView;
pub use recurrent::{RecurrentParams, RecurrentView, Step};
pub use simple_rnn::SimpleRnnStep;
pub use weights::Weights;

// Below the crate's `Error`, which holds one of these.
pub use crate::safetensors::{Dims, Error, Format, Name, MAX_TENSORS};

use core::fmt;

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

/// How a layer's tensor names start: nothing for a network's own modules,
/// `"3."` for module 3 of a `torch.nn.Sequential`, `"0.3."` for module 3 of
/// a network nested as module 0.
///
/// ```
/// use nn::view::Prefix;
///
/// let nested = Prefix::ROOT.module(0)?.module(3)?;
/// assert_eq!(nested.as_str(), "0.3.");
/// # Ok::<(), nn::view::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    name: Name,
}

impl Prefix {
    /// The names of a network's own modules: no prefix.
    pub const ROOT: Prefix = Prefix { name: Name::EMPTY };

    /// The prefix of module `index` under this one: this one, the index and a dot.
    pub fn module(&self, index: usize) -> Result<Prefix, Error> {
        let mut name = self.name;
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = index;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for digit in &digits[start..] {
            name.push(char::from(*digit));
        }
        name.push('.');
        if name.is_cut() {
            return Err(Error::NameTooLong { prefix: name });
        }
        Ok(Prefix { name })
    }

    /// The prefix as text.
    pub fn as_str(&self) -> &str {
        self.name.as_str()
    }

    /// The full name of tensor `name` under this prefix (cut if too long).
    pub(crate) fn join(&self, name: &str) -> Name {
        let mut full = self.name;
        full.push_str(name);
        full
    }
}

/// `f32` values where they lie in a weight blob: little-endian bytes, read
/// with `f32::from_le_bytes`, so at any alignment.
#[derive(Clone, Copy)]
pub struct F32s<'a> {
    bytes: &'a [[u8; 4]],
}

impl<'a> F32s<'a> {
    /// The values stored in `bytes`, four bytes each.
    pub fn new(bytes: &'a [[u8; 4]]) -> Self {
        F32s { bytes }
    }

    /// The number of values.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Value `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<f32> {
        self.bytes.get(index).map(|b| f32::from_le_bytes(*b))
    }

    /// The values in order.
    pub fn iter(&self) -> impl Iterator<Item = f32> + 'a {
        self.bytes.iter().map(|b| f32::from_le_bytes(*b))
    }

    /// Value `index`, which the caller knows is there (a tensor's shape was
    /// checked when its view was made).
    #[inline(always)]
    pub(crate) fn at(&self, index: usize) -> f32 {
        f32::from_le_bytes(self.bytes[index])
    }

    /// Values `start..start + len`.
    pub(crate) fn slice(&self, start: usize, len: usize) -> F32s<'a> {
        F32s { bytes: &self.bytes[start..start + len] }
    }

    /// `Σ self[k] · values[k]`, over as many values as `self` has.
    pub(crate) fn dot(&self, values: &[f32]) -> f32 {
        crate::cpu::dot(self.bytes, &values[..self.bytes.len()])
    }

    /// `out[r] += Σ_k self[r · cols + k] · x[k]` for each of `out.len()`
    /// rows: this matrix (`[rows, cols]`, row-major, as PyTorch stores a
    /// weight) times `x`.
    pub(crate) fn add_product(&self, x: &[f32], out: &mut [f32]) {
        let cols = x.len();
        for (r, out) in out.iter_mut().enumerate() {
            *out += self.slice(r * cols, cols).dot(x);
        }
    }
}

impl fmt::Debug for F32s<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        list.entries(self.iter().take(4));
        if self.len() > 4 {
            list.entry(&format_args!("… ({} values)", self.len()));
        }
        list.finish()
    }
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
