// The first layer states an input size other than the network's input.
use nn::prelude::*;

network! {
    struct Mnist {
        input: 784,
        dense(768 => 128, relu),
        dense(10, softmax),
    }
}

fn main() {}
