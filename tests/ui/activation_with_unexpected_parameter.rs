// A parameter given to an activation that takes none.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8, relu(0.1)),
        dense(1, sigmoid),
    }
}

fn main() {}
