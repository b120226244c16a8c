#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
pub use nn_core::{
    act, callbacks, data, error, gemm, init, io, layers, loss, metrics, nalgebra, network, onnx, optim, plot, rand,
    train,
};
#[cfg(feature = "std")]
pub use nn_core::{no_parts, Error, Result, Sample, Verbosity};
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
