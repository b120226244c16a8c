// A layer states an input size that is not what the layer before gives.
use nn::prelude::*;

network! {
    struct Mnist {
        input: 784,
        dense(128, relu),
        dense(100 => 10, softmax),
    }
}

fn main() {
    let _ = Mnist::seeded(0);
}
