//! Each MNIST image read as a sequence: 28 rows of 28 pixels into an LSTM of
//! 128 units, its last output into a softmax layer; categorical
//! cross-entropy and Adam 1e-3, batches of 128, 10 epochs.
//!
//! It trains on 54,000 of the 60,000 training digits, validates on the other
//! 6,000 after each epoch, then reports the test accuracy, a confusion matrix
//! and a few misclassified digits, and writes the training curves to a PNG.
//!
//! ```text
//! cargo run --release --example mnist_lstm
//! cargo run --release --example mnist_lstm -- --epochs 3 --quiet
//! cargo run --release --example mnist_lstm -- --help
//! ```

#[path = "support/mnist.rs"]
mod support;

use nn::prelude::*;
use std::process::ExitCode;

network! {
    /// Each MNIST image read as 28 rows of 28 pixels.
    pub struct RowLstm {
        input: [28, 28],          // 28 steps of 28 features
        lstm(128),                // the last step's output -> 128
        dense(10, softmax),
    }
}

fn main() -> ExitCode {
    support::main::<RowLstm>(support::Defaults { name: "mnist_lstm", epochs: 10, batch_size: 128, learning_rate: 1e-3 })
}
