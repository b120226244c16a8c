// A kernel of size zero covers nothing.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        conv2d(8, (3, 0), relu),
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
