//! The LSTM performance workload: the `RowLstm` network of
//! `examples/mnist_lstm.rs` (each MNIST image as 28 rows of 28 pixels, an
//! LSTM of 128 units, a softmax layer) on all 60,000 training images,
//! shuffled each epoch, Adam 1e-3, then timed for inference on the 10,000
//! test images in batches of 1,000.
//!
//! ```text
//! cargo run --release --example bench_lstm                  # 2 epochs, batch 128
//! cargo run --release --example bench_lstm -- --layers      # each layer's passes
//! ```
//!
//! Prints the median epoch time, test accuracy, inference throughput and peak
//! memory, then one `RESULT key=value ...` line that `benchmarks/compare.py`
//! reads; `benchmarks/pytorch_lstm.py` runs the same workload in PyTorch.

#[path = "support/bench.rs"]
mod support;
#[path = "support/timing.rs"]
mod timing;

use nn::prelude::*;
use support::{time_layer, Args};

network! {
    /// Each MNIST image read as 28 rows of 28 pixels.
    pub struct RowLstm {
        input: [28, 28],
        lstm(128),
        dense(10, softmax),
    }
}

fn main() {
    support::main::<RowLstm>("lstm", "MNIST rows through an LSTM of 128 units", layers);
}

/// Each layer's passes on one batch of real digits (the LSTM's backward pass
/// without the gradient to its input, as in training).
fn layers(net: &RowLstm, train: &ImageSet<784, 10>, args: &Args) -> Result<(), nn::Error> {
    let batch = args.batch;
    let indices: Vec<usize> = (0..batch).collect();
    let (mut inputs, mut targets) = (vec![0.0; 784 * batch], vec![0.0; 10 * batch]);
    train.gather(&indices, &mut inputs, &mut targets);
    println!("per batch of {batch}, the fastest of 40 calls:");
    let x = time_layer("lstm(128)", &net.layer0, &inputs, batch, true);
    time_layer("dense(10, softmax)", &net.layer1, &x, batch, false);
    Ok(())
}
