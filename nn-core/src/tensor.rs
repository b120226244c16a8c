#![cfg(feature = "std")]
//! Tensors as slices: a named tensor as a weight file holds it ([`Tensor`],
//! [`Values`]), the place a layer's tensor is loaded into ([`Slot`],
//! [`TensorSource`]), and the growable buffers that layers and kernels
//! compute in.
//!
//! They sit below the layers so that the formats which read and write them
//! need no layer; [`crate::layers`] re-exports the public ones under its own
//! name.

use crate::error::Result;
use std::borrow::Cow;

/// One tensor as a weight file stores it: a PyTorch-style name (`0.weight`),
/// a shape, and its values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor<'a> {
    /// The full name, prefix included.
    pub name: String,
    /// The shape, outermost dimension first (a dense weight is `[out, in]`).
    pub shape: Vec<usize>,
    /// The values, row-major.
    pub values: Values<'a>,
}

/// The values of a [`Tensor`]: `f32` for parameters and statistics, `i64`
/// for counters (batch norm's `num_batches_tracked`, which PyTorch stores as
/// an integer).
#[derive(Debug, Clone, PartialEq)]
pub enum Values<'a> {
    /// Floating-point values, stored as `F32`.
    F32(Cow<'a, [f32]>),
    /// Integers, stored as `I64`.
    I64(Cow<'a, [i64]>),
}

impl Values<'_> {
    /// The number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::I64(v) => v.len(),
        }
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values, if they are `f32`.
    pub fn as_f32(&self) -> Option<&[f32]> {
        match self {
            Values::F32(v) => Some(v),
            Values::I64(_) => None,
        }
    }
}

impl<'a> From<&'a [f32]> for Values<'a> {
    fn from(values: &'a [f32]) -> Self {
        Values::F32(Cow::Borrowed(values))
    }
}

impl From<Vec<f32>> for Values<'_> {
    fn from(values: Vec<f32>) -> Self {
        Values::F32(Cow::Owned(values))
    }
}

impl From<Vec<i64>> for Values<'_> {
    fn from(values: Vec<i64>) -> Self {
        Values::I64(Cow::Owned(values))
    }
}

/// Where [`Layer::load_tensors`](crate::layers::Layer::load_tensors) puts
/// the values of one tensor: `f32` parameters and statistics, or `i64`
/// counters.
pub enum Slot<'a> {
    /// Room for `f32` values, row-major.
    F32(&'a mut [f32]),
    /// Room for `i64` values, row-major.
    I64(&'a mut [i64]),
}

impl<'a> From<&'a mut [f32]> for Slot<'a> {
    fn from(values: &'a mut [f32]) -> Self {
        Slot::F32(values)
    }
}

/// Where [`Layer::load_tensors`](crate::layers::Layer::load_tensors) gets
/// values: called with a tensor's name and shape and the slot to fill.
pub type TensorSource<'a> = dyn FnMut(&str, &[usize], Slot<'_>) -> Result<()> + 'a;

/// `len` values of `buffer`, starting on a cache line (the buffer grows, on
/// first use, by the few values that takes): scratch matrices that the matrix
/// product then reads in place.
pub(crate) fn aligned_len(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    let memory = ensure_len(buffer, len + 16);
    let skip = memory.as_ptr().align_offset(64).min(16);
    &mut memory[skip..skip + len]
}

/// Make `buffer` hold at least `len` values, reusing its allocation when it can.
pub(crate) fn ensure_len<T: Copy + Default>(buffer: &mut Vec<T>, len: usize) -> &mut [T] {
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
    &mut buffer[..len]
}
