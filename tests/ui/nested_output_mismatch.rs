// A stated input size after a nested network that gives another width.
use nn::prelude::*;

network! {
    pub struct Encoder {
        input: 8,
        dense(3, relu),
    }

    pub struct Outer {
        input: 8,
        net(Encoder),
        dense(2 => 1, sigmoid),
    }
}

fn main() {
    let _ = Outer::seeded(0);
}
