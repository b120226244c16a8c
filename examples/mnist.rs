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
//! cargo run --release --example mnist -- --epochs 3 --batch-size 32 --quiet
//! cargo run --release --example mnist -- --help
//! ```
//!
//! The data travels with the repository (`data/mnist/`, checked against its
//! SHA-256 sums); `--data DIR` or `NN_MNIST_DIR` points at any other folder of
//! MNIST-format files with 28x28 images and 10 classes.

use nn::data::idx::Mnist;
use nn::data::MnistSet;
use nn::metrics::argmax;
use nn::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

network! {
    /// 784 -> 128 (ReLU) -> 10 (softmax).
    pub struct MnistMlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }
}

const USAGE: &str = "\
usage: mnist [options]
  --epochs N           passes over the training data (default 10)
  --batch-size N       samples per step (default 128)
  --learning-rate F    Adam's learning rate (default 0.001)
  --seed N             seed of the weights and the shuffling (default 1)
  --data DIR           folder of MNIST-format files (default: $NN_MNIST_DIR, else data/mnist)
  --plot PATH          where to write the training curves (default target/mnist-curves.png)
  --save PATH          save the trained weights (safetensors, loadable by PyTorch)
  --load PATH          start from saved weights (with --epochs 0: only evaluate)
  --quiet              no progress bars
  --help               this text";

struct Args {
    epochs: usize,
    batch_size: usize,
    learning_rate: f32,
    seed: u64,
    data: PathBuf,
    plot: PathBuf,
    save: Option<PathBuf>,
    load: Option<PathBuf>,
    quiet: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = Args {
        epochs: 10,
        batch_size: 128,
        learning_rate: 1e-3,
        seed: 1,
        data: std::env::var_os("NN_MNIST_DIR").map_or_else(|| root.join("data/mnist"), PathBuf::from),
        plot: root.join("target/mnist-curves.png"),
        save: None,
        load: None,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| format!("{flag}: `{text}` is not a valid value");
        match flag.as_str() {
            "--epochs" => args.epochs = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--batch-size" => args.batch_size = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--learning-rate" => args.learning_rate = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--seed" => args.seed = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--data" => args.data = PathBuf::from(value()?),
            "--plot" => args.plot = PathBuf::from(value()?),
            "--save" => args.save = Some(PathBuf::from(value()?)),
            "--load" => args.load = Some(PathBuf::from(value()?)),
            "--quiet" => args.quiet = true,
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown option `{other}`\n{USAGE}")),
        }
    }
    Ok(Some(args))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), nn::Error> {
    println!("loading MNIST from {}", args.data.display());
    let mnist = Mnist::load(&args.data)?;
    let (train, test) = mnist.into_sets()?;
    let (train, validation) = train.into_split(0.1)?;
    println!("{} training, {} validation, {} test images\n", train.len(), validation.len(), test.len());

    let mut net = match &args.load {
        Some(path) => {
            println!("loading weights from {}", path.display());
            MnistMlp::from_file(path)?
        }
        None => MnistMlp::seeded(args.seed),
    };
    println!("{}\n", net.summary());
    let options = Fit::new()
        .epochs(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .validation(&validation)
        .verbosity(if args.quiet { Verbosity::Quiet } else { Verbosity::Progress });
    let started = Instant::now();
    let history = net.fit(&train, CategoricalCrossentropy, Adam::new(args.learning_rate), options)?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(last) = history.last() {
        println!(
            "trained {} epochs in {seconds:.1} s ({:.2} s per epoch): loss {:.4}, accuracy {:.4}",
            args.epochs,
            seconds / args.epochs as f64,
            last.loss,
            last.accuracy
        );
    }

    if let Some(path) = &args.save {
        net.save(path)?;
        println!("weights saved to {}", path.display());
    }

    let evaluation = net.evaluate(&test, CategoricalCrossentropy)?;
    println!("\ntest loss {:.4}, test accuracy {:.2}%\n", evaluation.loss, 100.0 * evaluation.accuracy);
    // Predicted digit and its probability, a thousand images at a time.
    let mut predicted = Vec::with_capacity(test.len());
    for start in (0..test.len()).step_by(1000) {
        let outputs = net.predict(&test.inputs_of(start..start + 1000));
        predicted.extend(outputs.column_iter().map(|p| (argmax(p.as_slice()), p.max())));
    }
    print_confusion(test.labels(), &predicted);
    print_mistakes(&test, &predicted, 3);

    if !history.epochs.is_empty() {
        if let Some(folder) = args.plot.parent() {
            std::fs::create_dir_all(folder).map_err(|e| nn::Error::io(folder, e))?;
        }
        nn::plot::save_history_png(&history, &args.plot)?;
        println!("\ntraining curves written to {}", args.plot.display());
    }
    Ok(())
}

/// Rows: the true digit; columns: the predicted one.
fn print_confusion(labels: &[u8], predicted: &[(usize, f32)]) {
    let mut counts = [[0usize; 10]; 10];
    for (&label, &(guess, _)) in labels.iter().zip(predicted) {
        counts[usize::from(label)][guess] += 1;
    }
    println!("confusion matrix (rows: true digit, columns: predicted)");
    println!("      {}", (0..10).map(|d| format!("{d:>5}")).collect::<String>());
    for (digit, row) in counts.iter().enumerate() {
        println!("  {digit:>2}  {}", row.iter().map(|n| format!("{n:>5}")).collect::<String>());
    }
}

/// The first `count` misclassified test digits, side by side, in characters.
fn print_mistakes(test: &MnistSet, predicted: &[(usize, f32)], count: usize) {
    let mistakes: Vec<usize> =
        (0..test.len()).filter(|&i| usize::from(test.labels()[i]) != predicted[i].0).take(count).collect();
    if mistakes.is_empty() {
        return;
    }
    println!("\nsome misclassified test digits:");
    let captions: Vec<String> = mistakes
        .iter()
        .map(|&i| {
            let (guess, p) = predicted[i];
            format!("#{i}: a {} read as {guess} ({:.0}%)", test.labels()[i], 100.0 * p)
        })
        .collect();
    println!("{}", captions.iter().map(|c| format!("{c:<30}")).collect::<Vec<_>>().join("  "));
    const SHADES: &[u8] = b" .:-=+*#%@";
    for row in (0..28).step_by(2) {
        let line: Vec<String> = mistakes
            .iter()
            .map(|&i| {
                let image = test.image(i).unwrap_or(&[]);
                let mut text = String::with_capacity(30);
                for col in 0..28 {
                    let pixel = |r: usize| image.get(r * 28 + col).copied().unwrap_or(0);
                    let mean = (u16::from(pixel(row)) + u16::from(pixel(row + 1))) / 2;
                    text.push(char::from(SHADES[usize::from(mean) * (SHADES.len() - 1) / 255]));
                }
                format!("|{text}|")
            })
            .collect();
        println!("{}", line.join("  "));
    }
}
