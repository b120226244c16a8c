// A misspelt option, and a momentum outside [0, 1).
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(8, 3, relu),
        batch_norm(momentom = 0.9),
        batch_norm(momentum = 1.5),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
