//! The tutorials' first network: XOR, which no single layer can learn.
//!
//! Two inputs, four tanh units, one sigmoid output, binary cross-entropy and
//! plain SGD with learning rate 0.1, from a fixed seed. Prints the loss as it
//! trains and the learned truth table; exits non-zero if any case is wrong.
//!
//! ```text
//! cargo run --release --example xor
//! ```

use nn::prelude::*;
use std::process::ExitCode;

network! {
    /// 2 inputs, 4 tanh hidden units, 1 sigmoid output.
    pub struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

const SEED: u64 = 42;
const EPOCHS: usize = 1000;

fn main() -> Result<ExitCode, nn::Error> {
    let inputs = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let targets = [[0.0], [1.0], [1.0], [0.0]];
    let data: Dataset<2, 1> = Dataset::from_rows(&inputs, &targets)?;

    let mut xor = Xor::seeded(SEED);
    println!("{}\n", xor.summary());
    let history = xor.fit(
        &data,
        BinaryCrossentropy,
        Sgd::new(0.1),
        Fit::new().epochs(EPOCHS).batch_size(1).seed(SEED).quiet().on_epoch(|log| {
            if log.epoch == 1 || log.epoch % 100 == 0 {
                println!("epoch {:>4}: loss {:.4}, accuracy {:.2}", log.epoch, log.loss, log.accuracy);
            }
        }),
    )?;
    let final_loss = history.last().map_or(f32::NAN, |log| log.loss);
    println!("\nfinal loss {final_loss:.4}\n\n x1  x2 | want | output");

    let mut wrong = 0;
    for (x, y) in inputs.iter().zip(&targets) {
        let output = xor.forward(x)[0];
        let right = (output >= 0.5) == (y[0] >= 0.5);
        wrong += usize::from(!right);
        println!(" {:.0}   {:.0}  |  {:.0}   | {output:.3} {}", x[0], x[1], y[0], if right { "ok" } else { "WRONG" });
    }
    if wrong > 0 {
        eprintln!("{wrong} of 4 cases wrong");
        return Ok(ExitCode::FAILURE);
    }
    println!("\nall 4 cases right");
    Ok(ExitCode::SUCCESS)
}
