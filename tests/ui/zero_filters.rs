// A convolution with no filters has an output of size zero.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(0, 3, relu),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
