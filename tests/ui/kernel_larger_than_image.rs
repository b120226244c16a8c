// A 5x5 kernel over a 4x4 image with valid padding has no place to go.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 4, 4],
        conv2d(8, 5, relu),
        flatten,
        dense(2, softmax),
    }
}

fn main() {}
