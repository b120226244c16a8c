// A softmax layer on an image: it turns a vector (or each step of a
// sequence) into probabilities, so the image is flattened or pooled first.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 8, 8],
        conv2d(4, 3),
        softmax,
        flatten,
        dense(2, sigmoid),
    }
}

fn main() {}
