// A stride of zero never moves the window.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(8, 3, relu, stride = 0),
        maxpool2d(2, stride = (2, 0)),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
