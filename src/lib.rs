#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub use nn_core::{
    act, callbacks, data, error, gemm, init, io, layers, loss, metrics, nalgebra, network, onnx, optim, plot, rand,
    train,
};
pub use nn_core::{Error, Result, Sample, Verbosity};
pub use nn_macros::network;

pub use nn_core::data::{Batch, Data, Dataset, ImageSet};
pub use nn_core::layers::Layer;
pub use nn_core::network::{Network, Summary};

/// Everything a program that declares and trains a network needs.
pub mod prelude {
    pub use crate::network;
    pub use nn_core::act::{Elu, Gelu, LeakyRelu, Linear, Relu, Sigmoid, Softmax, Softplus, Swish, Tanh};
    pub use nn_core::callbacks::{EarlyStopping, Monitor};
    pub use nn_core::data::{Batch, Data, Dataset, ImageSet};
    pub use nn_core::layers::Layer;
    pub use nn_core::loss::{BinaryCrossentropy, CategoricalCrossentropy, Mse, SparseCategoricalCrossentropy};
    pub use nn_core::nalgebra::{SMatrix, SVector};
    pub use nn_core::network::Network;
    pub use nn_core::optim::{
        Adam, ExponentialDecay, InverseTimeDecay, Optimizer, PiecewiseConstantDecay, RmsProp, Schedule, Sgd,
    };
    pub use nn_core::train::{EpochLog, Evaluation, Fit, History};
    pub use nn_core::Verbosity;
}

#[doc(hidden)]
pub use nn_core::__private;
