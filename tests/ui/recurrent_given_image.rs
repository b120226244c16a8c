// A recurrent layer reads a sequence of steps; an image is not one.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        lstm(128),
        dense(10, softmax),
    }
}

fn main() {}
