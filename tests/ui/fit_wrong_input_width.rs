// Training on data with 3 input values per sample for a network that takes 2.
use nn::prelude::*;

network! {
    struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

fn main() -> Result<(), nn::Error> {
    let data = Dataset::from_rows(&[[0.0, 0.0, 1.0]], &[[1.0]])?;
    let mut xor = Xor::seeded(0);
    xor.fit(&data, BinaryCrossentropy, Sgd::new(0.1), Fit::new())?;
    Ok(())
}
