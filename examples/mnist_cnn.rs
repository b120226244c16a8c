//! The keras-io `mnist_convnet` network: two 3x3 convolutions with ReLU, each
//! followed by 2x2 max pooling, dropout 0.5 and a softmax layer; categorical
//! cross-entropy and Adam 1e-3, batches of 128, 15 epochs.
//!
//! It trains on 54,000 of the 60,000 training digits, validates on the other
//! 6,000 after each epoch, then reports the test accuracy (keras-io gives
//! 99.22% for this network), a confusion matrix and a few misclassified
//! digits, and writes the training curves to a PNG.
//!
//! ```text
//! cargo run --release --example mnist_cnn
//! cargo run --release --example mnist_cnn -- --epochs 3 --quiet
//! cargo run --release --example mnist_cnn -- --help
//! ```

#[path = "support/mnist.rs"]
mod support;

use nn::prelude::*;
use std::process::ExitCode;

network! {
    /// The keras-io mnist_convnet network.
    pub struct MnistCnn {
        input: [1, 28, 28],
        conv2d(32, 3, relu),
        maxpool2d(2),
        conv2d(64, 3, relu),
        maxpool2d(2),
        flatten,
        dropout(0.5),
        dense(10, softmax),
    }
}

fn main() -> ExitCode {
    support::main::<MnistCnn>(support::Defaults { name: "mnist_cnn", epochs: 15, batch_size: 128, learning_rate: 1e-3 })
}
