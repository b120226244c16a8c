// A function written for 784-input, 10-output networks given another one.
use nn::prelude::*;

network! {
    struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

fn train_on_digits<N: Network<784, 10>>(_net: &mut N) {}

fn main() {
    let mut xor = Xor::seeded(0);
    train_on_digits(&mut xor);
}
