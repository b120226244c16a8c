// `use_bias` is `true` or `false`, on `dense` and on `conv2d`.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 8, 8],
        conv2d(4, 3, use_bias = 0),
        flatten,
        dense(8, relu, use_bias = no),
        dense(1, sigmoid),
    }
}

fn main() {}
