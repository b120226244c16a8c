// Layer norm normalises the last dimension of a vector or a sequence; an
// image's channels are normalised by `batch_norm`.
use nn::prelude::*;

network! {
    struct Net {
        input: [3, 8, 8],
        conv2d(4, 3, relu),
        layer_norm,
        flatten,
        dense(1, sigmoid),
    }
}

fn main() {}
