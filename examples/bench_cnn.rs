//! The CNN performance workload: the keras-io `mnist_convnet` network (the
//! one `examples/mnist_cnn.rs` trains) on all 60,000 training images,
//! shuffled each epoch, Adam 1e-3 and categorical cross-entropy, then timed
//! for inference on the 10,000 test images in batches of 1,000.
//!
//! ```text
//! cargo run --release --example bench_cnn                  # 2 epochs, batch 128
//! cargo run --release --example bench_cnn -- --layers      # each layer's passes
//! ```
//!
//! Prints the median epoch time, test accuracy, inference throughput and peak
//! memory, then one `RESULT key=value ...` line that `benchmarks/compare.py`
//! reads; `benchmarks/pytorch_cnn.py` runs the same workload in PyTorch.
//!
//! With `--layers`, it instead times each layer's forward and backward pass
//! on batches of real digits, as a training step calls them.

#[path = "support/bench.rs"]
mod support;
#[path = "support/timing.rs"]
mod timing;

use nn::prelude::*;
use support::{time_layer, time_pooled, Args};

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

fn main() {
    support::main::<MnistCnn>("cnn", "MNIST CNN (keras-io mnist_convnet)", layers);
}

/// Each layer's passes on one batch of real digits (the first layer's
/// backward pass without the gradient to its input, as in training).
fn layers(net: &MnistCnn, train: &ImageSet<784, 10>, args: &Args) -> Result<(), nn::Error> {
    let batch = args.batch;
    let indices: Vec<usize> = (0..batch).collect();
    let (mut inputs, mut targets) = (vec![0.0; 784 * batch], vec![0.0; 10 * batch]);
    train.gather(&indices, &mut inputs, &mut targets);
    println!("per batch of {batch}, the fastest of 40 calls:");
    let x = time_layer("conv2d(32, 3, relu)", &net.layer0, &inputs, batch, true);
    let x = time_layer("maxpool2d(2)", &net.layer1, &x, batch, false);
    let x = time_layer("conv2d(64, 3, relu)", &net.layer2, &x, batch, false);
    let pooled = time_layer("maxpool2d(2)", &net.layer3, &x, batch, false);
    println!("the same pairs as training runs them, sample by sample:");
    let x = time_pooled("conv2d(32) + maxpool2d", &net.layer0, &net.layer1, &inputs, batch, true);
    let x = time_pooled("conv2d(64) + maxpool2d", &net.layer2, &net.layer3, &x, batch, false);
    assert_eq!(x, pooled, "the pairs compute what the layers do");
    let x = time_layer("dropout(0.5)", &net.layer5, &x, batch, false);
    time_layer("dense(10, softmax)", &net.layer6, &x, batch, false);
    Ok(())
}
