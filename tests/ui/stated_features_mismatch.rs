// The LSTM states 32 features per step; the sequence has 28.
use nn::prelude::*;

network! {
    struct Net {
        input: [28, 28],
        lstm(32 => 128),
        dense(10, softmax),
    }
}

fn main() {}
