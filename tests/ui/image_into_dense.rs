// An image input fed to `dense` without `flatten`.
use nn::prelude::*;

network! {
    struct Net {
        input: [1, 28, 28],
        dense(128, relu),
    }
}

fn main() {}
