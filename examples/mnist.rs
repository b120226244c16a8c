//! The tutorials' MNIST network: 784 pixels in, 128 ReLU units, 10 softmax outputs,
//! categorical cross-entropy and Adam, batches of 128, 10 epochs.
//!
//! It trains on 54,000 of the 60,000 training digits, validates on the other 6,000
//! after each epoch (Keras' `validation_split=0.1`), then reports the test accuracy,
//! a confusion matrix and a few misclassified digits, and writes the loss and accuracy
//! curves to a PNG.
//!
//! ```text
//! cargo run --release --example mnist
//! cargo run --release --example mnist -- --epochs 3 --batch 32 --quiet
//! cargo run --release --example mnist -- --help
//! ```
//!
//! The data travels with the repository (`data/mnist/`, checked against its
//! SHA-256 sums); `--data DIR` or `NN_MNIST_DIR` points at any other folder of
//! MNIST-format files with 28x28 images and 10 classes.

#[path = "support/mnist.rs"]
mod support;

use nn::prelude::*;
use std::process::ExitCode;

network! {
    /// 784 -> 128 (ReLU) -> 10 (softmax).
    pub struct MnistMlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }
}

fn main() -> ExitCode {
    support::main::<MnistMlp>(support::Defaults { name: "mnist", epochs: 10, batch_size: 128, learning_rate: 1e-3 })
}
