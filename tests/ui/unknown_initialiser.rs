// An initialiser that does not exist.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8, relu, init = he_normall),
        dense(1, sigmoid),
    }
}

fn main() {}
