// A reshape to a shape of another number of values than it receives:
// reported at the reshape, with both sizes, from an image and from a
// vector; the layers after it are checked against the shape it states.
use nn::prelude::*;

network! {
    struct FromImage {
        input: [1, 28, 28],
        reshape([16, 50]),
        lstm(8),
        dense(10, softmax),
    }

    struct FromVector {
        input: 10,
        dense(12, relu),
        reshape([2, 2, 2]),
        conv2d(4, 2),
        flatten,
        dense(1, sigmoid),
    }
}

fn main() {}
