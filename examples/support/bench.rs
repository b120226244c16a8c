//! What the MNIST benchmark examples share (`bench_cnn`, `bench_lstm`): the
//! command line, and the workload: a network trained on all 60,000 training
//! images with Adam 1e-3, then timed for inference on the 10,000 test images
//! in batches of 1,000 and on 1,000 of them one at a time, ending with the `RESULT key=value ...` line that
//! `benchmarks/compare.py` reads. Not an example itself (examples/support/
//! has no `main.rs`).

use crate::timing::{fastest_call, median, peak_rss_mb, time_per_call};
use nn::data::idx::Mnist;
use nn::layers::{Backward, Layer, Mode};
use nn::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The command line.
pub struct Args {
    pub batch: usize,
    pub epochs: usize,
    pub threads: Option<usize>,
    pub seed: u64,
    pub data: PathBuf,
    /// Time each layer's passes instead.
    pub layers: bool,
}

/// Parse the command line of example `name`.
pub fn parse_args(name: &str) -> Result<Args, String> {
    let usage = format!(
        "usage: {name} [options]
  --batch N             samples per step (default 128)
  --epochs N            epochs to train and time (default 2)
  --threads N           threads (default: all cores)
  --seed N              seed of the weights, the shuffling and dropout (default 1)
  --data DIR            folder of MNIST files (default data/mnist)
  --layers              time each layer's forward and backward pass instead
  --help                this text"
    );
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
        if flag == "--help" || flag == "-h" {
            println!("{usage}");
            std::process::exit(0);
        }
        let value = it.next().ok_or_else(|| format!("{flag} needs a value\n{usage}"));
        let bad = |v: &str| format!("{flag}: `{v}` is not a valid value");
        match flag.as_str() {
            "--batch" => args.batch = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--epochs" => args.epochs = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--threads" => args.threads = Some(value.and_then(|v| v.parse().map_err(|_| bad(&v)))?),
            "--seed" => args.seed = value.and_then(|v| v.parse().map_err(|_| bad(&v)))?,
            "--data" => args.data = PathBuf::from(value?),
            _ => return Err(format!("unknown option `{flag}`\n{usage}")),
        }
    }
    if args.epochs == 0 || args.batch == 0 {
        return Err("--epochs and --batch must be at least 1".into());
    }
    Ok(args)
}

/// Run the workload `name` (`cnn`, `lstm`) for `N`, described as
/// `description`, or `layers` with `--layers`. Exits with status 1 on an error.
pub fn main<N: Network<784, 10>>(
    name: &str,
    description: &str,
    layers: fn(&N, &ImageSet<784, 10>, &Args) -> nn::Result<()>,
) where
    CategoricalCrossentropy: nn::loss::Loss<N::Activation>,
{
    let result = parse_args(&format!("bench_{name}")).map_err(nn::Error::InvalidArgument).and_then(|args| {
        if let Some(threads) = args.threads {
            nn::gemm::set_threads(threads);
        }
        let (train, test) = Mnist::load(&args.data)?.into_sets()?;
        let net = {
            use nn::rand::SeedableRng;
            N::init(&mut nn::rand::rngs::StdRng::seed_from_u64(args.seed))
        };
        println!(
            "workload: {description}, {} training images, batch {}, adam 0.001, {} epochs, {} threads",
            train.len(),
            args.batch,
            args.epochs,
            nn::gemm::threads()
        );
        if args.layers {
            layers(&net, &train, &args)
        } else {
            workload(name, net, &train, &test, &args)
        }
    });
    if let Err(error) = result {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn workload<N: Network<784, 10>>(
    name: &str,
    mut net: N,
    train: &ImageSet<784, 10>,
    test: &ImageSet<784, 10>,
    args: &Args,
) -> nn::Result<()>
where
    CategoricalCrossentropy: nn::loss::Loss<N::Activation>,
{
    let mut epoch_seconds = Vec::new();
    let mut last = Instant::now();
    let options = Fit::new().epochs(args.epochs).batch_size(args.batch).seed(args.seed).quiet().on_epoch(|log| {
        let seconds = last.elapsed().as_secs_f64();
        println!("epoch {}: {seconds:.3} s, loss {:.4}, accuracy {:.4}", log.epoch, log.loss, log.accuracy);
        epoch_seconds.push(seconds);
        last = Instant::now();
    });
    net.fit(train, CategoricalCrossentropy, Adam::new(1e-3), options)?;
    let epoch = median(epoch_seconds);
    let accuracy = net.evaluate(test, CategoricalCrossentropy)?.accuracy;

    let chunks: Vec<Batch<784>> = (0..test.len()).step_by(1000).map(|s| test.inputs_of(s..s + 1000)).collect();
    let per_pass = time_per_call(Duration::from_secs(3), || {
        for chunk in &chunks {
            std::hint::black_box(net.predict(std::hint::black_box(chunk)).expect("MNIST pixels are valid inputs"));
        }
    });
    let inference = test.len() as f64 / per_pass.as_secs_f64();
    // One image at a time, as an application classifies what arrives: the
    // layers' one-sample pass (the view's), not the batched products.
    let singles: Vec<Batch<784>> = (0..1000).map(|s| test.inputs_of(s..s + 1)).collect();
    let per_thousand = time_per_call(Duration::from_secs(2), || {
        for single in &singles {
            std::hint::black_box(net.predict(std::hint::black_box(single)).expect("MNIST pixels are valid inputs"));
        }
    });
    let one_sample_us = per_thousand.as_secs_f64() * 1e3;
    let rss = peak_rss_mb().unwrap_or(f64::NAN);
    let threads = nn::gemm::threads();

    println!("\nmedian epoch      {epoch:.3} s ({:.0} samples/s)", train.len() as f64 / epoch);
    println!("test accuracy     {:.2}% after {} epochs", 100.0 * accuracy, args.epochs);
    println!("inference         {inference:.0} samples/s (10,000 test images in batches of 1,000)");
    println!("one sample        {one_sample_us:.1} µs per image (predict on a batch of one)");
    println!("peak RSS          {rss:.0} MB");
    println!(
        "RESULT impl=nn workload={name} optimizer=adam batch={} epochs={} threads={threads} epoch_s={epoch:.4} \
         accuracy={accuracy:.4} inference_per_s={inference:.0} one_sample_us={one_sample_us:.1} \
         peak_rss_mb={rss:.0}",
        args.batch, args.epochs
    );
    Ok(())
}

/// Time one layer's forward pass (in training mode) and backward pass on
/// `input`, and return its output for the next layer.
pub fn time_layer<L: Layer>(name: &str, layer: &L, input: &[f32], batch: usize, first: bool) -> Vec<f32> {
    let mut grads = L::zeroed();
    time_passes(
        name,
        [L::INPUT, L::OUTPUT].map(|width| width * batch),
        |output, buffers: &mut L::Buffers, mode| layer.forward_batch(input, output, batch, buffers, mode),
        |output, grad, grad_input, buffers| {
            let pass = Backward { input, output, grad, preactivation: false, grad_input, batch, buffers };
            layer.backward_batch(pass, &mut grads);
        },
        first,
    )
}

/// Time a convolution and the max pooling after it as `network!` runs the
/// pair, sample by sample (`Conv2d::forward_pooled` and `backward_pooled`),
/// and return the pooling's output for the next layer.
#[allow(dead_code)]
pub fn time_pooled<
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const SH: usize,
    const SW: usize,
    const SAME: bool,
    A: nn::act::Activation,
    P: nn::layers::FusedPool,
>(
    name: &str,
    conv: &nn::layers::Conv2d<C, H, W, F, KH, KW, SH, SW, SAME, A>,
    pool: &P,
    input: &[f32],
    batch: usize,
    first: bool,
) -> Vec<f32> {
    let mut grads = conv.clone();
    time_passes(
        name,
        [C * H * W, P::OUTPUT].map(|width| width * batch),
        |output, (buffers, argmax): &mut (nn::layers::ConvBuffers, Vec<u32>), mode| {
            conv.forward_pooled(pool, input, output, batch, buffers, argmax, mode)
        },
        |output, grad, grad_input, (buffers, argmax)| {
            let pass = Backward { input, output, grad, preactivation: false, grad_input, batch, buffers };
            conv.backward_pooled(pool, pass, argmax, &mut grads);
        },
        first,
    )
}

/// The fastest of 40 calls of `forward` (in training mode) and of
/// `backward` (from a gradient of `1e-3` times the output, and to the input
/// unless `first`), printed on one line; returns the output. `sizes` are the
/// batch's input and output values.
fn time_passes<B: Default>(
    name: &str,
    [input_len, output_len]: [usize; 2],
    mut forward: impl FnMut(&mut [f32], &mut B, &mut Mode<'_>),
    mut backward: impl FnMut(&[f32], &mut [f32], Option<&mut [f32]>, &mut B),
    first: bool,
) -> Vec<f32> {
    use nn::rand::SeedableRng;
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(1);
    let (mut output, mut buffers) = (vec![0.0; output_len], B::default());
    let forward = fastest_call(40, || forward(&mut output, &mut buffers, &mut Mode::Training(&mut rng)));
    let (mut grad, mut grad_input) = (vec![0.0; output_len], vec![0.0; input_len]);
    let backward = fastest_call(40, || {
        grad.iter_mut().zip(&output).for_each(|(g, o)| *g = o * 1e-3);
        backward(&output, &mut grad, (!first).then_some(&mut grad_input[..]), &mut buffers);
    });
    println!(
        "  {name:<28} forward {:8.1} us   backward {:8.1} us",
        forward.as_secs_f64() * 1e6,
        backward.as_secs_f64() * 1e6
    );
    output
}
