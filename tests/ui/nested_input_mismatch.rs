// A network used as a layer where the width flowing in is not its input width.
use nn::prelude::*;

network! {
    pub struct Block {
        input: 4,
        dense(2, relu),
    }

    pub struct Outer {
        input: 3,
        net(Block),
        dense(1, sigmoid),
    }
}

fn main() {
    let _ = Outer::seeded(0);
}
