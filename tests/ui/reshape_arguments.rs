// `reshape` takes one shape in brackets of one to three non-zero sizes;
// each mistake is reported.
use nn::prelude::*;

network! {
    struct Net {
        input: 16,
        reshape(4, 4),
        reshape,
        reshape([2, 2, 2, 2]),
        reshape([ROWS, 4]),
        reshape([0, 16]),
        reshape([16], order = c),
        dense(1, sigmoid),
    }
}

fn main() {}
