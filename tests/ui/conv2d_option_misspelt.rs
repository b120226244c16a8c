// Keras spells it `strides`; here the option is `stride`.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(8, 3, relu, strides = 2),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
