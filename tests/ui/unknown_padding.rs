// Padding is `valid` or `same`.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(8, 3, relu, padding = full),
        maxpool2d(2, padding = sam),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
