//! The performance workload: the MNIST MLP (784 -> 128 ReLU -> 10 softmax,
//! categorical cross-entropy, f32) trained on all 60,000 training images,
//! shuffled each epoch, then timed for inference on the 10,000 test images in
//! batches of 1,000 and for single-sample `forward`.
//!
//! ```text
//! cargo run --release --example bench_mlp -- --batch 32                 # SGD 0.1
//! cargo run --release --example bench_mlp -- --batch 128
//! cargo run --release --example bench_mlp -- --batch 32 --optimizer adam  # Adam 1e-3
//! ```
//!
//! Prints the median epoch time, samples per second, test accuracy, inference
//! throughput and peak memory, then one `RESULT key=value ...` line that
//! `benchmarks/compare.py` reads. `benchmarks/pytorch_mlp.py` runs the same
//! workload in PyTorch.
//!
//! With `--phases`, it instead times the parts of a training step (reading the
//! batch, forward, loss, backward, optimiser update) over one epoch of steps
//! written out with the same layer calls that `fit` makes, and prints the mean
//! microseconds of each per step.

#[path = "support/timing.rs"]
mod timing;

use nn::data::idx::Mnist;
use nn::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use timing::{median, peak_rss_mb, time_per_call};

network! {
    pub struct MnistMlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }

    pub struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

const USAGE: &str = "\
usage: bench_mlp [options]
  --batch N             samples per step (default 32)
  --optimizer NAME      sgd (learning rate 0.1) or adam (1e-3) (default sgd)
  --learning-rate F     override the optimiser's learning rate
  --epochs N            epochs to train and time (default 5)
  --threads N           threads for the matrix products (default: all cores)
  --seed N              seed of the weights and the shuffling (default 1)
  --data DIR            folder of MNIST files (default data/mnist)
  --phases              time the parts of a training step instead
  --help                this text";

struct Args {
    batch: usize,
    adam: bool,
    learning_rate: Option<f32>,
    epochs: usize,
    threads: Option<usize>,
    seed: u64,
    data: PathBuf,
    phases: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        batch: 32,
        adam: false,
        learning_rate: None,
        epochs: 5,
        threads: None,
        seed: 1,
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
        phases: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--phases" {
            args.phases = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let bad = |v: &str| format!("{flag}: `{v}` is not a valid value");
        match flag.as_str() {
            "--batch" => args.batch = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--optimizer" => {
                args.adam = match value?.as_str() {
                    "sgd" => false,
                    "adam" => true,
                    other => return Err(bad(other)),
                }
            }
            "--learning-rate" => args.learning_rate = Some(value.and_then(|v| v.parse().map_err(|_| bad(&v)))?),
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
    match parse_args().map_err(nn::Error::InvalidArgument).and_then(|args| run(&args)) {
        Ok(()) => {}
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}

fn run(args: &Args) -> Result<(), nn::Error> {
    if let Some(threads) = args.threads {
        nn::gemm::set_threads(threads);
    }
    let threads = nn::gemm::threads();
    let (train, test) = Mnist::load(&args.data)?.into_sets()?;
    let mut net = MnistMlp::seeded(args.seed);
    let (name, rate) = if args.adam { ("adam", 1e-3) } else { ("sgd", 0.1) };
    let rate = args.learning_rate.unwrap_or(rate);
    println!(
        "workload: MLP 784-128-10, {} training images, batch {}, {name} {rate}, {} epochs, {threads} threads",
        train.len(),
        args.batch,
        args.epochs
    );

    if args.phases {
        return if args.adam {
            phases(&mut net, &train, args, Adam::new(rate))
        } else {
            phases(&mut net, &train, args, Sgd::new(rate))
        };
    }

    let mut epoch_seconds = Vec::new();
    let mut last = Instant::now();
    let options = Fit::new().epochs(args.epochs).batch_size(args.batch).seed(args.seed).quiet().on_epoch(|log| {
        let seconds = last.elapsed().as_secs_f64();
        println!("epoch {}: {seconds:.3} s, loss {:.4}, accuracy {:.4}", log.epoch, log.loss, log.accuracy);
        epoch_seconds.push(seconds);
        last = Instant::now();
    });
    if args.adam {
        net.fit(&train, CategoricalCrossentropy, Adam::new(rate), options)?;
    } else {
        net.fit(&train, CategoricalCrossentropy, Sgd::new(rate), options)?;
    }
    let epoch = median(epoch_seconds);
    let accuracy = net.evaluate(&test, CategoricalCrossentropy)?.accuracy;

    // Inference: the test set as f32, in batches of 1,000, converted beforehand.
    let chunks: Vec<Batch<784>> = (0..test.len()).step_by(1000).map(|s| test.inputs_of(s..s + 1000)).collect();
    let per_pass = time_per_call(Duration::from_secs(2), || {
        for chunk in &chunks {
            std::hint::black_box(net.predict(std::hint::black_box(chunk)).unwrap());
        }
    });
    let inference = test.len() as f64 / per_pass.as_secs_f64();

    let sample = test.inputs_of(0..1).column(0).into_owned();
    let single_mnist = time_per_call(Duration::from_secs(1), || {
        std::hint::black_box(net.forward(std::hint::black_box(&sample)));
    });
    let xor = Xor::seeded(1);
    let single_xor = time_per_call(Duration::from_millis(500), || {
        std::hint::black_box(xor.forward(std::hint::black_box([1.0f32, 0.0])));
    });
    let rss = peak_rss_mb().unwrap_or(f64::NAN);

    println!("\nmedian epoch      {epoch:.3} s ({:.0} samples/s)", train.len() as f64 / epoch);
    println!("test accuracy     {:.2}% after {} epochs", 100.0 * accuracy, args.epochs);
    println!("inference         {:.3} M samples/s (10,000 test images in batches of 1,000)", inference / 1e6);
    println!(
        "forward, 1 sample {:.2} us (MNIST net), {:.0} ns (XOR net)",
        single_mnist.as_secs_f64() * 1e6,
        single_xor.as_secs_f64() * 1e9
    );
    println!("peak RSS          {rss:.0} MB");
    println!(
        "RESULT impl=nn optimizer={name} batch={} epochs={} threads={threads} epoch_s={epoch:.4} accuracy={accuracy:.4} \
         inference_per_s={inference:.0} forward_mnist_us={:.3} forward_xor_ns={:.1} peak_rss_mb={rss:.0}",
        args.batch,
        args.epochs,
        single_mnist.as_secs_f64() * 1e6,
        single_xor.as_secs_f64() * 1e9
    );
    Ok(())
}

/// Time the parts of `--epochs` epochs of training steps, each step made of the
/// calls `fit` makes, and print the mean microseconds per step of each part.
/// With plain SGD the update is part of the backward pass.
fn phases(net: &mut MnistMlp, train: &ImageSet<784, 10>, args: &Args, mut optimizer: impl Optimizer) -> nn::Result<()> {
    use nn::layers::{Backward, Mode};
    use nn::loss::Loss;
    use nn::rand::seq::SliceRandom;
    use nn::rand::SeedableRng;

    let batch = args.batch;
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(args.seed);
    let (mut inputs, mut targets) = (vec![0.0; 784 * batch], vec![0.0; 10 * batch]);
    let (mut outputs, mut delta) = (vec![0.0; 10 * batch], vec![0.0; 10 * batch]);
    let mut buffers = <MnistMlp as Layer>::Buffers::default();
    let mut grads = <MnistMlp as Layer>::zeroed();
    let names = ["read batch", "forward", "loss", "backward", "update"];
    let mut spent = [Duration::ZERO; 5];
    let mut steps = 0u32;
    let mut order: Vec<usize> = (0..train.len()).collect();
    for epoch in 0..args.epochs {
        order.shuffle(&mut rng);
        for indices in order.chunks_exact(batch) {
            let mut clock = Instant::now();
            let mut lap = |phase: usize| {
                let now = Instant::now();
                // The first epoch warms the caches and starts the threads.
                if epoch > 0 {
                    spent[phase] += now - clock;
                }
                clock = now;
            };
            train.gather(indices, &mut inputs, &mut targets);
            lap(0);
            net.forward_batch(&inputs, &mut outputs, batch, &mut buffers, &mut Mode::Training(&mut rng));
            lap(1);
            std::hint::black_box(CategoricalCrossentropy.loss_sum(&outputs, &targets, 10));
            CategoricalCrossentropy.delta(&outputs, &targets, 10, &mut delta);
            lap(2);
            optimizer.begin_step();
            let pass = Backward {
                input: &inputs,
                output: &outputs,
                grad: &mut delta,
                preactivation: true,
                grad_input: None,
                batch,
                buffers: &mut buffers,
            };
            if let Some(rate) = optimizer.plain_step() {
                // Plain SGD: the layers update their weights in the backward pass.
                net.backward_sgd(pass, &mut grads, rate);
                lap(3);
            } else {
                net.backward_batch(pass, &mut grads);
                lap(3);
                let mut slot = 0;
                net.visit_params(&grads, &mut |params, grads| {
                    optimizer.update(slot, params, grads);
                    slot += 1;
                });
            }
            lap(4);
            steps += u32::from(epoch > 0);
        }
    }
    if steps == 0 {
        return Err(nn::Error::InvalidArgument("--phases needs at least 2 epochs (the first warms up)".into()));
    }
    let total: Duration = spent.iter().sum();
    println!("mean per step over {steps} steps (after a first epoch of warm-up):");
    for (name, time) in names.iter().zip(spent) {
        let share = 100.0 * time.as_secs_f64() / total.as_secs_f64();
        println!("  {name:<11} {:7.1} us  {share:4.1}%", time.as_secs_f64() * 1e6 / f64::from(steps));
    }
    println!("  {:<11} {:7.1} us", "step", total.as_secs_f64() * 1e6 / f64::from(steps));
    Ok(())
}
