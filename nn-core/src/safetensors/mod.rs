//! The safetensors format's vocabulary, which builds without std: the
//! element types ([`Dtype`]), the header's keys, and why a blob read where
//! it lies does not give a network's tensors ([`Error`]).
//!
//! It sits below the crate's [`Error`](crate::Error), which holds a view's
//! error, and below the two readers that share it: [`crate::io`] (files,
//! with the heap) and [`crate::view`] (a blob in place). Both re-export its
//! items under their own names (`io::Dtype`, `view::Error`).

pub(crate) mod dtype;
mod error;

pub use dtype::Dtype;
pub use error::{Dims, Error, Format, Name};

/// The header key that holds the file's metadata rather than a tensor.
pub const METADATA_KEY: &str = "__metadata__";

/// The metadata key naming the layout convention of a file's tensors.
pub const FORMAT_KEY: &str = "format";
/// The value of [`FORMAT_KEY`] for PyTorch's layout, which networks save and load.
pub const PYTORCH_FORMAT: &str = "pt";
/// The metadata key under which a network saves its summary, so a file of
/// another architecture can be explained layer by layer.
pub const SUMMARY_KEY: &str = "summary";

/// The most tensors a blob may hold for a view:
/// [`Weights`](crate::view::Weights) notes which ones a network has read in
/// a bitmap of this many bits.
pub const MAX_TENSORS: usize = 1024;
