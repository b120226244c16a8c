use nn::prelude::*;

network! {
    /// XOR.
    pub struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }
}

#[test]
fn smoke() {
    let net = Xor::seeded(1);
    println!("{}", net.summary());
    println!("{:?}", net.forward([0.0, 1.0]));
}
