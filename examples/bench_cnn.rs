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

#[path = "support/timing.rs"]
mod timing;

use nn::data::idx::Mnist;
use nn::layers::{Backward, Layer, Mode};
use nn::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use timing::{fastest_call, median, peak_rss_mb, time_per_call};

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

const USAGE: &str = "\
usage: bench_cnn [options]
  --batch N             samples per step (default 128)
  --epochs N            epochs to train and time (default 2)
  --threads N           threads (default: all cores)
  --seed N              seed of the weights, the shuffling and dropout (default 1)
  --data DIR            folder of MNIST files (default data/mnist)
  --layers              time each layer's forward and backward pass instead";

struct Args {
    batch: usize,
    epochs: usize,
    threads: Option<usize>,
    seed: u64,
    data: PathBuf,
    layers: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        batch: 128,
        epochs: 2,
        threads: None,
        seed: 1,
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
        layers: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--layers" {
            args.layers = true;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let bad = |v: &str| format!("{flag}: `{v}` is not a valid value");
        match flag.as_str() {
            "--batch" => args.batch = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--epochs" => args.epochs = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--threads" => args.threads = Some(value.and_then(|v| v.parse().map_err(|_| bad(&v)))?),
            "--seed" => args.seed = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--data" => args.data = PathBuf::from(value?),
            _ => return Err(format!("unknown option `{flag}`\n{USAGE}")),
        }
    }
    if args.epochs == 0 || args.batch == 0 {
        return Err("--epochs and --batch must be at least 1".into());
    }
    Ok(args)
}

fn main() {
    if let Err(error) = parse_args().map_err(nn::Error::InvalidArgument).and_then(|args| run(&args)) {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), nn::Error> {
    if let Some(threads) = args.threads {
        nn::gemm::set_threads(threads);
    }
    let threads = nn::gemm::threads();
    let (train, test) = Mnist::load(&args.data)?.into_sets()?;
    let mut net = MnistCnn::seeded(args.seed);
    println!(
        "workload: MNIST CNN (keras-io mnist_convnet), {} training images, batch {}, adam 0.001, {} epochs, {threads} threads",
        train.len(),
        args.batch,
        args.epochs
    );
    if args.layers {
        return layers(&net, &train, args);
    }

    let mut epoch_seconds = Vec::new();
    let mut last = Instant::now();
    let options = Fit::new().epochs(args.epochs).batch_size(args.batch).seed(args.seed).quiet().on_epoch(|log| {
        let seconds = last.elapsed().as_secs_f64();
        println!("epoch {}: {seconds:.3} s, loss {:.4}, accuracy {:.4}", log.epoch, log.loss, log.accuracy);
        epoch_seconds.push(seconds);
        last = Instant::now();
    });
    net.fit(&train, CategoricalCrossentropy, Adam::new(1e-3), options)?;
    let epoch = median(epoch_seconds);
    let accuracy = net.evaluate(&test, CategoricalCrossentropy)?.accuracy;

    let chunks: Vec<Batch<784>> = (0..test.len()).step_by(1000).map(|s| test.inputs_of(s..s + 1000)).collect();
    let per_pass = time_per_call(Duration::from_secs(3), || {
        for chunk in &chunks {
            std::hint::black_box(net.predict(std::hint::black_box(chunk)).unwrap());
        }
    });
    let inference = test.len() as f64 / per_pass.as_secs_f64();
    let rss = peak_rss_mb().unwrap_or(f64::NAN);

    println!("\nmedian epoch      {epoch:.3} s ({:.0} samples/s)", train.len() as f64 / epoch);
    println!("test accuracy     {:.2}% after {} epochs", 100.0 * accuracy, args.epochs);
    println!("inference         {:.0} samples/s (10,000 test images in batches of 1,000)", inference);
    println!("peak RSS          {rss:.0} MB");
    println!(
        "RESULT impl=nn workload=cnn optimizer=adam batch={} epochs={} threads={threads} epoch_s={epoch:.4} \
         accuracy={accuracy:.4} inference_per_s={inference:.0} peak_rss_mb={rss:.0}",
        args.batch, args.epochs
    );
    Ok(())
}

/// Time one layer's forward pass (in training mode) and backward pass on
/// `input`, and return its output for the next layer.
fn time_layer<L: Layer>(name: &str, layer: &L, input: &[f32], batch: usize, first: bool) -> Vec<f32> {
    use nn::rand::SeedableRng;
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(1);
    let mut output = vec![0.0; L::OUTPUT * batch];
    let mut buffers = L::Buffers::default();
    let forward = fastest_call(40, || {
        layer.forward_batch(input, &mut output, batch, &mut buffers, &mut Mode::Training(&mut rng));
    });
    let mut grads = L::zeroed();
    let (mut grad, mut grad_input) = (vec![0.0; L::OUTPUT * batch], vec![0.0; L::INPUT * batch]);
    let backward = fastest_call(40, || {
        grad.iter_mut().zip(&output).for_each(|(g, o)| *g = o * 1e-3);
        let pass = Backward {
            input,
            output: &output,
            grad: &mut grad,
            preactivation: false,
            grad_input: (!first).then_some(&mut grad_input[..]),
            batch,
            buffers: &mut buffers,
        };
        layer.backward_batch(pass, &mut grads);
    });
    println!(
        "  {name:<28} forward {:8.1} us   backward {:8.1} us",
        forward.as_secs_f64() * 1e6,
        backward.as_secs_f64() * 1e6
    );
    output
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
    let x = time_layer("maxpool2d(2)", &net.layer3, &x, batch, false);
    let x = time_layer("dropout(0.5)", &net.layer5, &x, batch, false);
    time_layer("dense(10, softmax)", &net.layer6, &x, batch, false);
    Ok(())
}
