// A misspelt activation: the error suggests the right one, and the rest of the
// program, which uses the network, reports nothing more.
use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        dense(4, rleu),
        dense(1, sigmoid),
    }
}

fn main() {
    let net = Net::seeded(1);
    let _ = net.forward([0.0, 1.0]);
}
