// Categorical cross-entropy after a sigmoid output.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(3, sigmoid),
    }
}

fn main() -> Result<(), nn::Error> {
    let data: Dataset<4, 3> = Dataset::from_rows(&[[0.0; 4]], &[[1.0, 0.0, 0.0]])?;
    let mut net = Net::seeded(0);
    net.fit(&data, CategoricalCrossentropy, Sgd::new(0.1), Fit::new())?;
    Ok(())
}
