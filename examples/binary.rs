//! The tutorials' binary classifier: two input features, three hidden layers of
//! ten ReLU units, one sigmoid output, binary cross-entropy, and SGD with Nesterov
//! momentum, on two interleaved half-moons that no straight line separates.
//!
//! The data is generated here, with noise, from a fixed seed: 1,000 points, of
//! which 800 train and 200 test. Prints the test accuracy; exits non-zero below 95%.
//!
//! ```text
//! cargo run --release --example binary
//! ```

use nn::prelude::*;
use nn::rand::{rngs::StdRng, Rng, SeedableRng};
use std::process::ExitCode;

network! {
    /// 2 -> 10 (ReLU) -> 10 (ReLU) -> 10 (ReLU) -> 1 (sigmoid).
    pub struct MoonClassifier {
        input: 2,
        dense(10, relu),
        dense(10, relu),
        dense(10, relu),
        dense(1, sigmoid),
    }
}

const SEED: u64 = 7;
const SAMPLES: usize = 1000;
const NOISE: f32 = 0.2;

/// Two interleaved half circles: class 0 on top (centre (0, 0)), class 1 below
/// (centre (1, 0.5)), each point moved by Gaussian noise of deviation `noise`.
fn moons(samples: usize, noise: f32, rng: &mut StdRng) -> (Vec<[f32; 2]>, Vec<[f32; 1]>) {
    let mut gaussian = || {
        let (u1, u2): (f32, f32) = (1.0 - rng.random::<f32>(), rng.random());
        (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    };
    let mut inputs = Vec::with_capacity(samples);
    let mut targets = Vec::with_capacity(samples);
    for i in 0..samples {
        let class = i % 2;
        let t = std::f32::consts::PI * (i / 2) as f32 / (samples / 2) as f32;
        let (x, y) = if class == 0 { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
        inputs.push([x + noise * gaussian(), y + noise * gaussian()]);
        targets.push([class as f32]);
    }
    (inputs, targets)
}

fn main() -> Result<ExitCode, nn::Error> {
    let mut rng = StdRng::seed_from_u64(SEED);
    let (inputs, targets) = moons(SAMPLES, NOISE, &mut rng);
    let all = Dataset::from_rows(&inputs, &targets)?;
    let (train, test) = all.shuffled(SEED).split(0.2)?;
    println!("two moons: {} training points, {} test points, noise {NOISE}", train.len(), test.len());

    let mut net = MoonClassifier::seeded(SEED);
    println!("{}\n", net.summary());
    // Keras: SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    let optimizer = Sgd::new(0.01).momentum(0.9).nesterov(true);
    let options = Fit::new().epochs(200).batch_size(32).seed(SEED).quiet().on_epoch(|log| {
        if log.epoch % 25 == 0 {
            println!("epoch {:>3}: loss {:.4}, accuracy {:.3}", log.epoch, log.loss, log.accuracy);
        }
    });
    net.fit(&train, BinaryCrossentropy, optimizer, options)?;

    let result = net.evaluate(&test, BinaryCrossentropy)?;
    println!("\ntest loss {:.4}, test accuracy {:.1}%", result.loss, 100.0 * result.accuracy);
    if result.accuracy < 0.95 {
        eprintln!("below the 95% this example promises");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
