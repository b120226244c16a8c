//! A ResNet for MNIST: a stem convolution, then three stages of two basic
//! blocks (two 3x3 convolutions with batch norm, the input added back) at
//! 16, 32 and 64 channels, the first block of stages 2 and 3 halving the
//! image with a strided convolution and a 1x1 projection shortcut; global
//! average pooling and a softmax layer. Convolutions before batch norm carry
//! no bias, as in torchvision's ResNets, and batch norm keeps its moving
//! statistics with PyTorch's momentum (`momentum = 0.9` in Keras' terms;
//! Keras' 0.99 lags the weights by a few hundred steps, so the epochs'
//! validation accuracies would read low). Categorical cross-entropy and Adam
//! 1e-3, batches of 128.
//!
//! It trains on 54,000 of the 60,000 training digits, validates on the other
//! 6,000 after each epoch, then reports the test accuracy, a confusion
//! matrix and a few misclassified digits, and writes the training curves to
//! a PNG.
//!
//! ```text
//! cargo run --release --example mnist_resnet
//! cargo run --release --example mnist_resnet -- --epochs 3 --quiet
//! cargo run --release --example mnist_resnet -- --help
//! ```

#[path = "support/mnist.rs"]
mod support;

use nn::prelude::*;
use std::process::ExitCode;

network! {
    /// ResNet-14 for 28x28 digits.
    pub struct MnistResNet {
        input: [1, 28, 28],
        conv2d(16, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
        // Stage 1: y = relu(x + body(x)), twice.
        repeat(2) {
            residual { conv2d(16, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
                       conv2d(16, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9) },
            relu,
        },
        // Stage 2: a strided block with a projection shortcut, then a basic block.
        add { [conv2d(32, 3, stride = 2, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
               conv2d(32, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9)],
              [conv2d(32, 1, stride = 2, use_bias = false), batch_norm(momentum = 0.9)] },
        relu,
        residual { conv2d(32, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
                   conv2d(32, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9) },
        relu,
        // Stage 3, the same at 64 channels.
        add { [conv2d(64, 3, stride = 2, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
               conv2d(64, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9)],
              [conv2d(64, 1, stride = 2, use_bias = false), batch_norm(momentum = 0.9)] },
        relu,
        residual { conv2d(64, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9), relu,
                   conv2d(64, 3, padding = same, use_bias = false), batch_norm(momentum = 0.9) },
        relu,
        global_avgpool2d,
        dense(10, softmax),
    }
}

fn main() -> ExitCode {
    support::main::<MnistResNet>(support::Defaults {
        name: "mnist_resnet",
        epochs: 8,
        batch_size: 128,
        learning_rate: 1e-3,
    })
}
