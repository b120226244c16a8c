// Softmax turns a vector into probabilities; a convolution gives an image.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(8, 3, softmax),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
