// A nested network's output width is known only to the compiler, so a
// reshape right after it cannot be checked by the macro: an error that says
// where to reshape instead.
use nn::prelude::*;

network! {
    struct Inner {
        input: 4,
        dense(6, relu),
    }

    struct Outer {
        input: 4,
        net(Inner),
        reshape([2, 3]),
        flatten,
        dense(1, sigmoid),
    }
}

fn main() {}
