// `net(...)` of a type that is not a network.
use nn::prelude::*;

network! {
    struct Outer {
        input: 3,
        net(String),
        dense(1, sigmoid),
    }
}

fn main() {}
