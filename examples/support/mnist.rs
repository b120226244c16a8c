//! What the MNIST examples share: their command line, loading the digits,
//! training with a validation split, and the report (test accuracy, a
//! confusion matrix, some misclassified digits, the training curves).
//!
//! Not an example itself (examples/support/ has no `main.rs`); each MNIST
//! example declares its network, includes this file and calls [`main`].

use nn::data::idx::Mnist;
use nn::data::MnistSet;
use nn::metrics::{argmax, ConfusionMatrix};
use nn::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// What an example sets: its name and defaults.
pub struct Defaults {
    /// The example's name, for `--help` and the curves' file name.
    pub name: &'static str,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f32,
}

/// The command line, parsed.
pub struct Args {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f32,
    pub seed: u64,
    pub data: PathBuf,
    pub plot: PathBuf,
    pub save: Option<PathBuf>,
    pub onnx: Option<PathBuf>,
    pub load: Option<PathBuf>,
    pub quiet: bool,
}

fn usage(defaults: &Defaults) -> String {
    let Defaults { name, epochs, batch_size, learning_rate } = defaults;
    format!(
        "usage: {name} [options]
  --epochs N           passes over the training data (default {epochs})
  --batch N            samples per step (default {batch_size}; also --batch-size)
  --learning-rate F    Adam's learning rate (default {learning_rate})
  --seed N             seed of the weights, the shuffling and dropout (default 1)
  --data DIR           folder of MNIST-format files (default: $NN_MNIST_DIR, else data/mnist)
  --plot PATH          where to write the training curves (default target/{name}-curves.png)
  --save PATH          save the trained weights (safetensors, loadable by PyTorch)
  --onnx PATH          save the trained network as an ONNX model (for onnxruntime)
  --load PATH          start from saved weights (with --epochs 0: only evaluate)
  --quiet              no progress bars
  --help               this text"
    )
}

fn parse_args(defaults: &Defaults) -> Result<Option<Args>, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = Args {
        epochs: defaults.epochs,
        batch_size: defaults.batch_size,
        learning_rate: defaults.learning_rate,
        seed: 1,
        data: std::env::var_os("NN_MNIST_DIR").map_or_else(|| root.join("data/mnist"), PathBuf::from),
        plot: root.join(format!("target/{}-curves.png", defaults.name)),
        save: None,
        onnx: None,
        load: None,
        quiet: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| format!("{flag}: `{text}` is not a valid value");
        match flag.as_str() {
            "--epochs" => args.epochs = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--batch" | "--batch-size" => args.batch_size = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--learning-rate" => args.learning_rate = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--seed" => args.seed = value().and_then(|v| v.parse().map_err(|_| number(v)))?,
            "--data" => args.data = PathBuf::from(value()?),
            "--plot" => args.plot = PathBuf::from(value()?),
            "--save" => args.save = Some(PathBuf::from(value()?)),
            "--onnx" => args.onnx = Some(PathBuf::from(value()?)),
            "--load" => args.load = Some(PathBuf::from(value()?)),
            "--quiet" => args.quiet = true,
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown option `{other}`\n{}", usage(defaults))),
        }
    }
    Ok(Some(args))
}

/// Parse the command line and run `N` on MNIST: exit code 2 for a bad
/// command line, 1 for an error while running.
pub fn main<N: Network<784, 10>>(defaults: Defaults) -> ExitCode
where
    CategoricalCrossentropy: nn::loss::Loss<N::Activation>,
{
    let args = match parse_args(&defaults) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{}", usage(&defaults));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run::<N>(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Train on 54,000 training digits with the other 6,000 for validation
/// (Keras' `validation_split=0.1`), with categorical cross-entropy and Adam,
/// then report on the 10,000 test digits.
fn run<N: Network<784, 10>>(args: &Args) -> Result<(), nn::Error>
where
    CategoricalCrossentropy: nn::loss::Loss<N::Activation>,
{
    println!("loading MNIST from {}", args.data.display());
    let mnist = Mnist::load(&args.data)?;
    let (train, test) = mnist.into_sets()?;
    let (train, validation) = train.into_split(0.1)?;
    println!("{} training, {} validation, {} test images\n", train.len(), validation.len(), test.len());

    let mut net = match &args.load {
        Some(path) => {
            println!("loading weights from {}", path.display());
            N::from_file(path)?
        }
        None => {
            use nn::rand::SeedableRng;
            N::init(&mut nn::rand::rngs::StdRng::seed_from_u64(args.seed))
        }
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
            history.epochs.len(),
            seconds / history.epochs.len() as f64,
            last.loss,
            last.accuracy
        );
    }

    if let Some(path) = &args.save {
        net.save(path)?;
        println!("weights saved to {}", path.display());
    }
    if let Some(path) = &args.onnx {
        net.save_onnx(path)?;
        println!("ONNX model saved to {}", path.display());
    }

    let evaluation = net.evaluate(&test, CategoricalCrossentropy)?;
    println!("\ntest loss {:.4}, test accuracy {:.2}%\n", evaluation.loss, 100.0 * evaluation.accuracy);
    // Predicted digit and its probability, a thousand images at a time.
    let mut predicted = Vec::with_capacity(test.len());
    for start in (0..test.len()).step_by(1000) {
        let outputs = net.predict(&test.inputs_of(start..(start + 1000).min(test.len())))?;
        predicted.extend(outputs.column_iter().map(|p| (argmax(p.as_slice()), p.max())));
    }
    print_confusion(test.labels(), &predicted)?;
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
fn print_confusion(labels: &[u8], predicted: &[(usize, f32)]) -> Result<(), nn::Error> {
    let labels: Vec<usize> = labels.iter().map(|&l| usize::from(l)).collect();
    let guesses: Vec<usize> = predicted.iter().map(|&(guess, _)| guess).collect();
    let matrix = ConfusionMatrix::from_classes(&labels, &guesses, 10)?;
    println!("confusion matrix (rows: true digit, columns: predicted)");
    println!("{matrix}");
    Ok(())
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
