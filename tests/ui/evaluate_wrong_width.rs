// Evaluating on data of another width than the network's.
use nn::prelude::*;

network! {
    struct Classifier {
        input: 4,
        dense(3, softmax),
    }
}

fn main() -> Result<(), nn::Error> {
    let data: Dataset<4, 2> = Dataset::from_rows(&[[0.0; 4]], &[[1.0, 0.0]])?;
    let net = Classifier::seeded(0);
    let _ = net.evaluate(&data, CategoricalCrossentropy)?;
    Ok(())
}
