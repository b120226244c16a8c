// Batch norm normalises the features of a vector or the channels of an image.
use nn::prelude::*;

network! {
    struct Net {
        input: [28, 28],
        batch_norm,
        flatten,
        dense(10, softmax),
    }
}

fn main() {}
