//! Declare a neural network with one macro, and the compiler checks its shapes.
//!
//! [`network!`] turns a list of layers into a plain struct of statically sized
//! layers (`nn::layers::Dense<2, 4, nn::act::Tanh>`, ...) with generated forward
//! and backward code. A width that does not fit is a compile error at the layer
//! that is wrong, and the training loop is monomorphized for the network's exact
//! shapes.
//!
//! ```
//! use nn::prelude::*;
//!
//! network! {
//!     /// The tutorials' XOR network: 2 inputs, 4 tanh units, 1 sigmoid output.
//!     pub struct Xor {
//!         input: 2,
//!         dense(4, tanh),
//!         dense(1, sigmoid),
//!     }
//! }
//!
//! let data: Dataset<2, 1> = Dataset::from_rows(
//!     &[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
//!     &[[0.0], [1.0], [1.0], [0.0]],
//! )?;
//! let mut xor = Xor::seeded(42);
//! let options = Fit::new().epochs(1000).batch_size(1).seed(42).quiet();
//! xor.fit(&data, BinaryCrossentropy, Sgd::new(0.1), options)?;
//! assert!(xor.forward([1.0, 0.0])[0] > 0.9 && xor.forward([1.0, 1.0])[0] < 0.1);
//! # Ok::<(), nn::Error>(())
//! ```
//!
//! # Where to go next
//!
//! - [`network!`] declares a network; the guide's first chapter
//!   (`docs/guide/01-the-macro.md`) gives its language: the layers, their
//!   options, their shape rules and the compile errors.
//! - [`prelude`]: what a program that declares and trains a network imports.
//! - The modules: [`layers`] and [`act`] (what networks are made of), [`loss`],
//!   [`optim`], [`train`] and [`callbacks`] (training), [`data`] (datasets and
//!   MNIST), [`io`] (safetensors weight files), [`onnx`] (export), [`view`]
//!   (inference without std), [`plot`] (training curves), [`gemm`] (the matrix
//!   product).
//! - The guide, in the repository's `docs/guide/`: the macro, training, images,
//!   sequences, weights and deploy, with real runs; `docs/performance.md` for the
//!   measurements.
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

pub use nn_core::include_weights;
#[cfg(feature = "std")]
pub use nn_core::{
    act, callbacks, data, error, gemm, init, io, layers, loss, metrics, nalgebra, network, onnx, optim, plot, rand,
    train,
};
#[cfg(feature = "std")]
pub use nn_core::{no_parts, ArchitectureMismatch, Error, LayersMismatch, Result, Sample, Verbosity};
pub use nn_macros::network;

#[cfg(feature = "std")]
pub use nn_core::data::{Batch, Data, Dataset, ImageSet};
#[cfg(feature = "std")]
pub use nn_core::layers::Layer;
#[cfg(feature = "std")]
pub use nn_core::network::{Network, Summary};

pub use nn_core::view;
/// Without std: the activations, [`io::Dtype`] and [`init::Init`], which views use.
#[cfg(not(feature = "std"))]
pub use nn_core::{act, init, io};

/// Everything a program that declares and trains a network needs (without
/// std: `network!` and the activations).
pub mod prelude {
    pub use crate::network;
    pub use nn_core::act::{Elu, Gelu, LeakyRelu, Linear, Relu, Sigmoid, Softmax, Softplus, Swish, Tanh};
    #[cfg(feature = "std")]
    pub use nn_core::callbacks::{EarlyStopping, Monitor};
    #[cfg(feature = "std")]
    pub use nn_core::data::{Batch, Data, Dataset, ImageSet};
    #[cfg(feature = "std")]
    pub use nn_core::layers::Layer;
    #[cfg(feature = "std")]
    pub use nn_core::loss::{BinaryCrossentropy, CategoricalCrossentropy, Mse, SparseCategoricalCrossentropy};
    #[cfg(feature = "std")]
    pub use nn_core::nalgebra::{SMatrix, SVector};
    #[cfg(feature = "std")]
    pub use nn_core::network::Network;
    #[cfg(feature = "std")]
    pub use nn_core::optim::{
        Adam, ExponentialDecay, InverseTimeDecay, Optimizer, PiecewiseConstantDecay, RmsProp, Schedule, Sgd,
    };
    #[cfg(feature = "std")]
    pub use nn_core::train::{EpochLog, Evaluation, Fit, History};
    #[cfg(feature = "std")]
    pub use nn_core::Verbosity;
}

#[doc(hidden)]
pub use nn_core::__private;

/// Keeps its tokens with the `std` feature, drops them without: how the code
/// `network!` writes leaves out what needs std (a proc macro cannot see the
/// features of the crate it writes for). Not a public API.
#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __std_only {
    ($($tokens:tt)*) => { $($tokens)* };
}

/// See `__std_only`: without std, nothing.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __std_only {
    ($($tokens:tt)*) => {};
}

/// Drops its tokens with the `std` feature, keeps them without: the
/// counterpart of `__std_only`. Not a public API.
#[cfg(feature = "std")]
#[doc(hidden)]
#[macro_export]
macro_rules! __no_std_only {
    ($($tokens:tt)*) => {};
}

/// See `__no_std_only`: without std, the tokens.
#[cfg(not(feature = "std"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __no_std_only {
    ($($tokens:tt)*) => { $($tokens)* };
}

/// The README's and the guide's Rust examples, compiled and run as doc tests
/// (`cargo test --doc`); not part of the documentation.
#[cfg(doctest)]
pub mod doctests {
    #[doc = include_str!("../README.md")]
    pub struct Readme;
    #[doc = include_str!("../docs/guide/README.md")]
    pub struct Guide;
    #[doc = include_str!("../docs/guide/01-the-macro.md")]
    pub struct TheMacro;
    #[doc = include_str!("../docs/guide/02-training.md")]
    pub struct Training;
    #[doc = include_str!("../docs/guide/03-images.md")]
    pub struct Images;
    #[doc = include_str!("../docs/guide/04-sequences.md")]
    pub struct Sequences;
    #[doc = include_str!("../docs/guide/05-weights-and-deploy.md")]
    pub struct WeightsAndDeploy;
    #[doc = include_str!("../docs/guide/06-inside.md")]
    pub struct Inside;
    #[doc = include_str!("../docs/performance.md")]
    pub struct Performance;
}
