#![cfg(feature = "std")]
//! What a network's single-sample `forward` accepts.

use nalgebra::SVector;

/// One sample of `N` input values: an `SVector<f32, N>`, an `[f32; N]`, or a
/// reference to either.
#[diagnostic::on_unimplemented(
    message = "expected one sample of width {N}, found `{Self}`",
    label = "the network's input width is {N}",
    note = "pass an `SVector<f32, {N}>` or an `[f32; {N}]`, by value or by reference"
)]
pub trait Sample<const N: usize> {
    /// The sample as a vector.
    fn into_vector(self) -> SVector<f32, N>;
}

impl<const N: usize> Sample<N> for SVector<f32, N> {
    fn into_vector(self) -> SVector<f32, N> {
        self
    }
}

impl<const N: usize> Sample<N> for &SVector<f32, N> {
    fn into_vector(self) -> SVector<f32, N> {
        *self
    }
}

impl<const N: usize> Sample<N> for [f32; N] {
    fn into_vector(self) -> SVector<f32, N> {
        SVector::from(self)
    }
}

impl<const N: usize> Sample<N> for &[f32; N] {
    fn into_vector(self) -> SVector<f32, N> {
        SVector::from(*self)
    }
}
