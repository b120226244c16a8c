//! The adding problem of the 1997 LSTM paper (Hochreiter and Schmidhuber,
//! experiment 4), as a task for three recurrent networks: each step of a
//! sequence holds a random number and a marker, two steps are marked, one in
//! the first ten and one in the first half, and the answer is the sum of the two
//! marked numbers. A network must notice the marks, keep the numbers for up to
//! `STEPS` steps, and add them.
//!
//! Always answering 1 (the mean sum) scores a mean squared error of about
//! 0.167. A gated network (LSTM, GRU) learns to carry the numbers and ends
//! far below that; a simple recurrent one, whose gradient fades over the
//! steps between the marks and the end, stays near it, as the paper found.
//! The example generates its sequences, trains the three networks from the
//! same seed, and shows what each answers: how many test sums each gets
//! within 0.04 (the paper's tolerance), and its answers to the first few. It
//! exits with status 1 if the LSTM or the GRU did not learn the task (test
//! error above 0.01, the paper's bar).
//!
//! ```text
//! cargo run --release --example adding
//! cargo run --release --example adding -- --epochs 30 --seed 2
//! ```

use nn::prelude::*;
use nn::rand::rngs::StdRng;
use nn::rand::{Rng, SeedableRng};
use std::process::ExitCode;
use std::time::Instant;

/// Steps per sequence.
const STEPS: usize = 50;

network! {
    /// Two features a step (the number, the marker) into an LSTM, its last output into the answer.
    pub struct LstmAdder {
        input: [50, 2],
        lstm(32),
        dense(1),
    }

    /// The same with a GRU.
    pub struct GruAdder {
        input: [50, 2],
        gru(32),
        dense(1),
    }

    /// The same with a simple recurrent layer.
    pub struct RnnAdder {
        input: [50, 2],
        simple_rnn(32),
        dense(1),
    }
}

/// `count` sequences: each step's number uniform in [0, 1], markers on one of
/// the first ten steps and one other step of the first half; the answer
/// their numbers' sum.
fn sequences(count: usize, rng: &mut StdRng) -> Dataset<{ STEPS * 2 }, 1> {
    let mut inputs = Vec::with_capacity(count);
    let mut targets = Vec::with_capacity(count);
    for _ in 0..count {
        let mut steps = [0.0f32; STEPS * 2];
        for step in steps.chunks_exact_mut(2) {
            step[0] = rng.random();
        }
        let first = rng.random_range(0..10);
        let second = loop {
            let at = rng.random_range(0..STEPS / 2);
            if at != first {
                break at;
            }
        };
        steps[2 * first + 1] = 1.0;
        steps[2 * second + 1] = 1.0;
        targets.push([steps[2 * first] + steps[2 * second]]);
        inputs.push(steps);
    }
    Dataset::from_rows(&inputs, &targets).expect("as many targets as sequences")
}

struct Args {
    epochs: usize,
    seed: u64,
}

fn parse_args() -> Result<Option<Args>, String> {
    let usage = "usage: adding [--epochs N] [--seed N]\n  --epochs N   passes over the 10,000 training sequences (default 20)\n  --seed N     seed of the sequences, the weights and the shuffling (default 1)";
    let mut args = Args { epochs: 20, seed: 1 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--epochs" => args.epochs = value()?.parse().map_err(|_| format!("{flag}: not a number\n{usage}"))?,
            "--seed" => args.seed = value()?.parse().map_err(|_| format!("{flag}: not a number\n{usage}"))?,
            "--help" | "-h" => {
                println!("{usage}");
                return Ok(None);
            }
            other => return Err(format!("unknown option `{other}`\n{usage}")),
        }
    }
    Ok(Some(args))
}

/// Mean squared error on the test sequences below which a network has
/// learned the task (the paper's criterion; answering 1 always scores 0.167).
const LEARNED: f32 = 0.01;
/// An answer this close to the sum counts as right (the paper's tolerance).
const TOLERANCE: f32 = 0.04;

/// Train `net`, say how it did on `test`, and return its mean squared error
/// there and its answers to every test sequence.
fn train<N: Network<{ STEPS * 2 }, 1>>(
    name: &str,
    mut net: N,
    train: &Dataset<{ STEPS * 2 }, 1>,
    test: &Dataset<{ STEPS * 2 }, 1>,
    args: &Args,
) -> nn::Result<(f32, Vec<f32>)>
where
    Mse: nn::loss::Loss<N::Activation>,
{
    let started = Instant::now();
    let mut curve = Vec::new();
    let options = Fit::new()
        .epochs(args.epochs)
        .batch_size(32)
        .seed(args.seed)
        .clip_norm(1.0)
        .quiet()
        .on_epoch(|log| curve.push(log.loss));
    net.fit(train, Mse, Adam::new(1e-3), options)?;
    let error = net.evaluate(test, Mse)?.loss;
    let shown: Vec<String> = curve.iter().step_by((args.epochs / 5).max(1)).map(|l| format!("{l:.3}")).collect();
    println!(
        "{name:<11} test error {error:.4} (training error by epoch: {} ... {:.4}; {:.1} s)",
        shown.join(" "),
        curve.last().copied().unwrap_or(f32::NAN),
        started.elapsed().as_secs_f64()
    );
    Ok((error, net.predict(test.inputs())?.iter().copied().collect()))
}

/// Train the three networks and show what they learned; whether the two
/// gated ones learned the task.
fn run(args: &Args) -> nn::Result<bool> {
    let mut rng = StdRng::seed_from_u64(args.seed);
    let (train_data, test_data) = (sequences(10_000, &mut rng), sequences(1000, &mut rng));
    println!("10,000 training and 1,000 test sequences of {STEPS} steps; answering 1 always scores about 0.167.\n");
    let (lstm_error, lstm) = train("lstm", LstmAdder::seeded(args.seed), &train_data, &test_data, args)?;
    let (gru_error, gru) = train("gru", GruAdder::seeded(args.seed), &train_data, &test_data, args)?;
    let (rnn_error, rnn) = train("simple_rnn", RnnAdder::seeded(args.seed), &train_data, &test_data, args)?;
    let sums = test_data.targets().as_slice();

    println!("\nanswers within {TOLERANCE} of the sum, of {} test sequences:", sums.len());
    for (name, error, answers) in
        [("lstm", lstm_error, &lstm), ("gru", gru_error, &gru), ("simple_rnn", rnn_error, &rnn)]
    {
        let right = answers.iter().zip(sums).filter(|(a, s)| (*a - *s).abs() < TOLERANCE).count();
        let verdict = if error < LEARNED { "learned the task" } else { "did not learn it" };
        println!("  {name:<11} {right:>5}  ({verdict}: test error {error:.4}, the bar {LEARNED})");
    }

    println!("\nthe first test sequences: the two marked numbers, their sum, and each network's answer:");
    println!("{:<16} {:>6} {:>7} {:>7} {:>11}", "marked", "sum", "lstm", "gru", "simple_rnn");
    for (j, column) in test_data.inputs().column_iter().take(6).enumerate() {
        let marked: Vec<f32> = column.as_slice().chunks_exact(2).filter(|s| s[1] == 1.0).map(|s| s[0]).collect();
        let sum = test_data.targets()[(0, j)];
        println!(
            "{:<16} {sum:>6.3} {:>7.3} {:>7.3} {:>11.3}",
            format!("{:.3} + {:.3}", marked[0], marked[1]),
            lstm[j],
            gru[j],
            rnn[j]
        );
    }
    Ok(lstm_error < LEARNED && gru_error < LEARNED)
}

fn main() -> ExitCode {
    match parse_args() {
        Ok(Some(args)) => match run(&args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => {
                eprintln!("error: a gated network did not learn the task");
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
