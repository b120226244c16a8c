//! Weight files in the safetensors format, laid out as PyTorch lays them out.
//!
//! A network's [`crate::network::Network::save`] and
//! [`crate::network::Network::load`] use this module; its public items read and
//! write any safetensors file. A file is an 8-byte little-endian header length,
//! a JSON header naming each tensor's dtype, shape and byte span, then the
//! little-endian data:
//!
//! ```text
//! {"__metadata__": {"format": "pt", "summary": "Network: Mnist ..."},
//!  "0.weight": {"dtype": "F32", "shape": [128, 784], "data_offsets": [0, 401408]},
//!  "0.bias":   {"dtype": "F32", "shape": [128], "data_offsets": [401408, 401920]}, ...}
//! ```
//!
//! Tensors carry the names of the matching `torch.nn.Sequential` (`0.weight`,
//! `0.bias`, `2.weight`...: every activation is a module of its own and keeps its
//! index), so the same file loads into PyTorch with `load_state_dict`.
//!
//! # Why not the `safetensors` crate
//!
//! The format is small enough to read in a few hundred lines, and the crate
//! would not spare the checks this module must make anyway: it brings serde,
//! serde_derive and serde_json into the runtime, it reads the header into a
//! `HashMap`, so a tensor named twice is silently the last one, and its errors
//! name neither the file nor, mostly, the tensor. Here a strict JSON reader
//! (the private `json` module) serves exactly this header, every rule of
//! the format is checked in [`WeightFile::parse`], and every error names the
//! file and the tensor. The Python `safetensors` package reads what this writes
//! and writes what this reads (`tests/interop.rs`).
//!
//! Without std, only [`Dtype`] and the keys: [`crate::view::Weights`] reads
//! a file's tensors where they lie, without the heap.

#[cfg(feature = "std")]
pub(crate) mod atomic;
#[cfg(feature = "std")]
pub(crate) mod json;
#[cfg(feature = "std")]
mod read;
#[cfg(feature = "std")]
mod write;

pub use crate::safetensors::{Dtype, FORMAT_KEY, METADATA_KEY, PYTORCH_FORMAT, SUMMARY_KEY};
#[cfg(feature = "std")]
pub use read::{TensorView, WeightFile};
#[cfg(feature = "std")]
pub use write::serialize;
#[cfg(feature = "std")]
pub(crate) use write::Writer;
