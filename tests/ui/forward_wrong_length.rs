// `forward` with a sample of the wrong length.
use nn::prelude::*;

network! {
    struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

fn main() {
    let xor = Xor::seeded(0);
    let _ = xor.forward([0.0, 1.0, 1.0]);
}
