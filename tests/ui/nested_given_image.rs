// A nested network takes a vector; the image must be flattened first.
use nn::prelude::*;

network! {
    struct Head {
        input: 784,
        dense(10, softmax),
    }

    struct Net {
        input: [1, 28, 28],
        net(Head),
    }
}

fn main() {}
