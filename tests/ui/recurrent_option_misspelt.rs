// Keras spells it `return_sequences`.
use nn::prelude::*;

network! {
    struct Net {
        input: [28, 28],
        lstm(64, return_sequence = true),
        gru(32, return_sequences = 1),
        dense(10, softmax),
    }
}

fn main() {}
