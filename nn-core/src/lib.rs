//! Runtime of the `nn` crate: layers, activations, losses, optimisers, data and
//! training, written once with const generics. The `network!` macro of the `nn`
//! crate only wires these together; see that crate for the user's guide.

#![warn(missing_docs)]

pub mod act;
pub mod callbacks;
mod cpu;
pub mod data;
pub mod error;
pub mod gemm;
pub mod init;
pub mod io;
pub mod layers;
pub mod loss;
pub mod metrics;
pub mod network;
pub mod optim;
mod parallel;
pub mod plot;
mod progress;
pub mod sample;
pub mod train;

pub use error::{ArchitectureMismatch, Error, Result};
pub use progress::Verbosity;
pub use sample::Sample;

/// Re-exported so users and generated code name one nalgebra.
pub use nalgebra;
/// Re-exported so users and generated code name one rand.
pub use rand;

/// Items used by code that `network!` generates. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::init;
    pub use crate::layers::{Layer, Mode, TakesInput, Tensor, TensorSource, Widths};
    pub use crate::network::Network;
    pub use crate::sample::Sample;
    pub use crate::train::scratch;
    pub use crate::Result;
    pub use crate::{act, layers, nalgebra, network, rand};
    pub use ::std::{string::String, vec, vec::Vec};

    /// Compile-time check that `T` accepts `N` inputs; the error names both.
    pub const fn takes_input<T: TakesInput<N> + ?Sized, const N: usize>() {}

    /// The identity between two widths that a type check has already found
    /// equal; stops the build (after that check's error) if they differ.
    #[inline(always)]
    pub fn same_width<const A: usize, const B: usize>(v: nalgebra::SVector<f32, A>) -> nalgebra::SVector<f32, B> {
        const { assert!(A == B, "layer widths differ") };
        nalgebra::SVector::<f32, B>::from_column_slice(v.as_slice())
    }
}
