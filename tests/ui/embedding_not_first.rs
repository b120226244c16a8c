// An embedding reads token ids: the network's input, so it comes first.
use nn::prelude::*;

network! {
    struct Net {
        input: 20,
        dropout(0.1),
        embedding(8, 16),
        lstm(32),
        dense(1, sigmoid),
    }
}

fn main() {}
