// An input in brackets is an image [C, H, W] or a sequence [T, F].
use nn::prelude::*;

network! {
    struct Net {
        input: [8, 1, 28, 28],
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
