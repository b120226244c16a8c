// The second convolution states 3 input channels; the first gives 16.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(1 => 16, 3, relu),
        conv2d(3 => 8, 3, relu),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
