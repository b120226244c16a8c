// A convolution after the image was flattened: it receives a vector.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        flatten,
        conv2d(32, 3, relu),
        dense(10, softmax),
    }
}

fn main() {}
