// A dropout rate of 1 or more would drop everything.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8, relu),
        dropout(1.5),
        dense(1, sigmoid),
    }
}

fn main() {}
