// A misspelt option of `dense`.
use nn::prelude::*;

network! {
    struct Net {
        input: 4,
        dense(8, relu, l3 = 1e-4),
        dense(1, sigmoid),
    }
}

fn main() {}
