// A convolution on an input declared as a vector of 784 values.
use nn::prelude::*;

network! {
    struct Net {
        input: 784,
        conv2d(32, 3, relu),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
