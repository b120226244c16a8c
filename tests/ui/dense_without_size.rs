// `dense` with an activation but no size.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        dense(relu),
    }
}

fn main() {}
