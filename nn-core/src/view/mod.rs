//! Inference from borrowed weights, without the heap: a network's forward
//! pass read straight from the bytes of a safetensors blob (weights embedded
//! in the binary with [`include_weights!`](crate::include_weights), or any
//! bytes at hand), every value between its layers on the stack. This module
//! builds without std and allocates nothing, so it runs where there is no
//! allocator at all.
//!
//! `network!` gives every network `Name::view(bytes)`, which checks the bytes
//! ([`Weights::parse`]: the format, as strictly as files are checked; then
//! every tensor the network reads, by name, type and shape, and that the
//! bytes hold no other) and returns a `NameView<'_>`: the parameters as
//! slices of the bytes. Its `forward(&[f32; IN]) -> [f32; OUT]` allocates
//! nothing, even on its first call, and gives the bits the network's own
//! `forward` gives:
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
//! let bytes = net.to_bytes(); // what `save` writes; or nn::include_weights!("mnist.safetensors")
//! let view = Mnist::view(&bytes)?;
//! let x = [0.5; 784];
//! assert_eq!(view.forward(&x), *net.forward(x).as_slice());
//! # Ok::<(), nn::view::Error>(())
//! ```
//!
//! Each layer kind's view is a type in the layer's own file in
//! [`layers`](crate::layers), re-exported here: a type with the layer's
//! const parameters (`DenseView<784, 128, Relu>` for `Dense<784, 128,
//! Relu>`) that implements [`Infer`], saying where the layer's parameters
//! lie ([`Infer::Params`], a struct of slices of the bytes: the tensors the
//! layer saves) and running one sample through the layer's one-sample pass,
//! the function the layer itself runs on a batch of one. So the two agree
//! bit for bit (`tests/view.rs` checks every kind and every example's
//! network). A network's values between layers live in two arrays on the
//! stack that `network!` sizes from the widths it knows, each layer reading
//! one and writing the other.
//!
//! The blocks ([`Residual`], [`Add`], [`Concat`], [`Repeat`], [`Identity`])
//! have no view type of their own: the same type over views (layers' view
//! types, or networks) is the view of the block, its values between parts
//! on the stack too.
//!
//! Values are read in place as `&[f32]`: the format keeps every tensor on a
//! 4-byte boundary within the blob, so a blob that starts on one
//! ([`include_weights!`](crate::include_weights), [`AlignedBytes`], or what
//! the system allocator returns for `std::fs::read`) needs no copy and no
//! decoding; a misaligned blob is an [`Error::Misaligned`], and a
//! big-endian machine an [`Error::BigEndian`]. Only `F32` tensors are read
//! (a view converts nothing, so `F16`, `BF16` and `F64`, which a network's
//! `load` converts, are errors).

// Without the heap, an error holds its tensor names and shapes itself, so
// it is a few hundred bytes; it is made at most once, when a view is made.
#![allow(clippy::result_large_err)]

#[doc(hidden)]
pub use crate::layers::max_width;
pub use crate::layers::{
    ActivateView, Add, Aligned, AvgPool2dView, BatchNormParams, BatchNormView, BidirectionalParams, BidirectionalView,
    Cell, Concat, Conv2dParams, Conv2dView, DenseParams, DenseView, EmbeddingParams, EmbeddingView,
    GlobalAvgPool2dView, GruCell, Identity, Infer, LayerNormParams, LayerNormView, LstmCell, MaxPool2dView,
    PerStepView, RecurrentParams, RecurrentView, Repeat, Residual, SimpleRnnCell, Widths,
};
// Below the crate's `Error`, which holds one of these.
pub use crate::safetensors::{Dims, Error, Format, Name, Prefix, Weights, MAX_TENSORS};

impl<'a> Weights<'a> {
    /// The view of network (or layer) `N`, its tensors named from the root,
    /// as `network!`'s `Name::view` makes it: an error if a tensor `N` reads
    /// is missing or of another type or shape, or if the blob holds a tensor
    /// `N` does not read.
    pub fn load<N: Infer + ?Sized>(mut self) -> Result<N::Params<'a>, Error> {
        let view = N::load(&mut self, &Prefix::ROOT)?;
        self.check_all_read()?;
        Ok(view)
    }
}

/// The bytes of a file, embedded in the binary as `include_bytes!` does, on
/// a 64-byte boundary: a `&'static [u8]` whose `f32` tensors a view reads in
/// place (a plain `include_bytes!` may start anywhere, and the view then
/// returns [`Error::Misaligned`]). The path is relative to the file that
/// names it.
///
/// ```ignore
/// static WEIGHTS: &[u8] = nn::include_weights!("../mnist_cnn.safetensors");
/// let view = MnistCnn::view(WEIGHTS)?;
/// ```
#[macro_export]
macro_rules! include_weights {
    ($path:expr) => {{
        static ALIGNED: &$crate::view::Aligned<[u8]> = &$crate::view::Aligned(*::core::include_bytes!($path));
        &ALIGNED.0
    }};
}

/// Bytes copied to memory that starts on a 64-byte boundary, for a view of
/// weights read at run time (`std::fs::read` gives a `Vec<u8>`, which Rust
/// does not promise to align). It dereferences to the bytes.
///
/// ```
/// use nn::prelude::*;
/// use nn::view::AlignedBytes;
///
/// network! {
///     pub struct Tiny { input: 3, dense(2, tanh) }
/// }
///
/// let bytes = AlignedBytes::new(&Tiny::seeded(7).to_bytes()); // or AlignedBytes::read(path)?
/// let view = Tiny::view(&bytes)?;
/// assert_eq!(view.forward(&[1.0, 2.0, 3.0]).len(), 2);
/// # Ok::<(), nn::view::Error>(())
/// ```
#[cfg(feature = "std")]
#[derive(Clone)]
pub struct AlignedBytes {
    lines: Vec<Aligned<[u8; 64]>>,
    len: usize,
}

#[cfg(feature = "std")]
impl AlignedBytes {
    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        let mut lines: Vec<Aligned<[u8; 64]>> = (0..bytes.len().div_ceil(64)).map(|_| Aligned([0; 64])).collect();
        for (line, chunk) in lines.iter_mut().zip(bytes.chunks(64)) {
            line.0[..chunk.len()].copy_from_slice(chunk);
        }
        AlignedBytes { lines, len: bytes.len() }
    }

    /// The bytes of the file at `path`.
    pub fn read(path: impl AsRef<std::path::Path>) -> std::io::Result<Self> {
        std::fs::read(path).map(|bytes| Self::new(&bytes))
    }
}

#[cfg(feature = "std")]
impl core::ops::Deref for AlignedBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: an `Aligned<[u8; 64]>` is 64 initialised bytes and no
        // padding (its size is its alignment), so the lines are
        // `64 · lines.len()` bytes in a row, of which the first `len` are the copy.
        unsafe { core::slice::from_raw_parts(self.lines.as_ptr().cast::<u8>(), self.len) }
    }
}

#[cfg(feature = "std")]
impl core::fmt::Debug for AlignedBytes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AlignedBytes({} bytes)", self.len)
    }
}
