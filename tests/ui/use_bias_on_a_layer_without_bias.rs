// Only the layers with weights and a bias (`dense`, `conv2d`) take
// `use_bias`: a pooling and a dropout have none to leave out.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 8, 8],
        maxpool2d(2, use_bias = false),
        flatten,
        dropout(0.5, use_bias = false),
        dense(1, sigmoid),
    }
}

fn main() {}
