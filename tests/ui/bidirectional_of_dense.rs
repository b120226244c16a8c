// Only a recurrent layer runs in both directions.
use nn::prelude::*;

network! {
    struct Net {
        input: [28, 28],
        bidirectional(dense(64)),
        dense(10, softmax),
    }
}

fn main() {}
