// An `add` or a `concat` of one branch merges nothing: reported at its braces.
use nn::prelude::*;

network! {
    struct OneAdd {
        input: 16,
        add { [dense(16, relu)] },
        dense(1, sigmoid),
    }

    struct OneConcat {
        input: 16,
        concat { [dense(16, relu)] },
        dense(1, sigmoid),
    }
}

fn main() {}
