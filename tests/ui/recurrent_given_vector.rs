// A vector input is not a sequence: declare `[steps, features]`, or read ids through `embedding`.
use nn::prelude::*;

network! {
    struct Net {
        input: 784,
        gru(64),
        dense(10, softmax),
    }
}

fn main() {}
