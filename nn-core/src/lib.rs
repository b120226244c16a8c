//! Runtime of the `nn` crate: layers, activations, losses, optimisers, data and
//! training, written once with const generics. The `network!` macro of the `nn`
//! crate only wires these together; see that crate for the user's guide.
//!
//! Without its default `std` feature the crate is `no_std` and needs no
//! allocator: what builds then is [`view`], a network's forward pass from
//! weights where they lie, and what it uses ([`act`], [`init::Init`],
//! [`io::Dtype`]). Every other module needs std, as its first line says.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

pub mod act;
pub mod callbacks;
mod cpu;
pub mod data;
pub mod error;
pub mod gemm;
mod history;
pub mod init;
pub mod io;
mod kernels;
pub mod layers;
pub mod loss;
pub mod metrics;
pub mod network;
pub mod onnx;
pub mod optim;
mod parallel;
pub mod plot;
mod progress;
mod safetensors;
pub mod sample;
mod tensor;
pub mod train;
pub mod view;

#[cfg(feature = "std")]
pub use error::{ArchitectureMismatch, Error, LayersMismatch, Result};
#[cfg(feature = "std")]
pub use progress::Verbosity;
#[cfg(feature = "std")]
pub use sample::Sample;

/// Re-exported so users and generated code name one nalgebra.
#[cfg(feature = "std")]
pub use nalgebra;
/// Re-exported so users and generated code name one rand.
#[cfg(feature = "std")]
pub use rand;

// Without std, the `std::` paths of the modules that build then (the
// constants of `f32`, `std::marker`) name the same items of `core`.
#[cfg(not(feature = "std"))]
extern crate core as std;

/// Items used by code that `network!` generates. Not a public API.
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod __private {
    pub use crate::__private_core::*;
    pub use crate::init;
    pub use crate::layers::{Activated, Backward, Layer, Mode, Pair, TakesInput, Tensor, TensorSource, Widths};
    pub use crate::network::Network;
    pub use crate::sample::Sample;
    pub use crate::train::scratch;
    pub use crate::{act, layers, nalgebra, network, onnx, rand};
    pub use crate::{Error, Result};
    pub use ::std::{format, string::String, vec, vec::Vec};

    /// Compile-time check that `T` accepts `N` inputs; the error names both.
    pub const fn takes_input<T: TakesInput<N> + ?Sized, const N: usize>() {}

    /// One sample through `net`, with scratch memory kept per thread and per
    /// type of scratch memory, so that a network's single-sample `forward`
    /// allocates only on its first call on a thread.
    pub fn forward_one<N: Layer>(net: &N, input: &[f32], output: &mut [f32]) {
        crate::train::with_thread_buffers::<N, _>(|buffers| {
            net.forward_batch(input, output, 1, buffers, &mut Mode::Inference)
        });
    }

    /// How `network!` names a nested network's type: `<T as Nested<{ <T as
    /// Widths>::OUTPUT }>>::Network` is `T`, and for a `T` that is not a
    /// network the width in the braces is the one error the compiler reports.
    pub trait Nested<const OUTPUT: usize> {
        /// The network itself.
        type Network: Layer;
    }

    impl<T: Layer, const OUTPUT: usize> Nested<OUTPUT> for T {
        type Network = T;
    }
}

/// Without std, the items of `__private_core` are all that generated code
/// finds: `network!` wraps the rest in `nn::__std_only!`.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
pub use __private_core as __private;

/// The items of `__private` that build without std: what a network's view
/// and its type need. Not a public API.
#[doc(hidden)]
pub mod __private_core {
    pub use crate::layers;
    pub use crate::view::{self, Widths};
    pub use crate::{act, init};

    /// How `network!` names a nested network's type, as `__private`'s
    /// `Nested` with std: `<T as Nested<{ <T as Widths>::OUTPUT }>>::Network`
    /// is `T`, and for a `T` that is not a network the width in the braces
    /// is the one error the compiler reports.
    pub trait Nested<const OUTPUT: usize> {
        /// The network itself.
        type Network: ?Sized;
    }

    impl<T: ?Sized, const OUTPUT: usize> Nested<OUTPUT> for T {
        type Network = T;
    }
}
