//! Networks of every layer kind, activation and option that `network!`
//! accepts, declared in a `no_std` crate: what the macro writes without std
//! (each network's view, its widths and its checks, nested networks' too)
//! compiles for each of them. `tests/view.rs` runs the same networks' views
//! with std, against their `forward`.

#![no_std]
#![deny(warnings)]

use nn::network;

network! {
    /// Every activation a layer takes.
    pub struct Activations {
        input: 12,
        dense(11, sigmoid),
        dense(10, tanh),
        dense(9, relu),
        dense(8, leaky_relu(0.1)),
        dense(7, elu),
        dense(6, gelu),
        dense(5, softplus),
        dense(4, swish),
        dense(3, linear),
        dense(3, softmax),
    }

    /// Every activation as a layer of its own, on an image, a vector and a sequence.
    pub struct ActivationLayers {
        input: [2, 5, 5],
        conv2d(3, 3),
        relu,
        elu(0.5),
        gelu,
        flatten,
        dense(12),
        sigmoid,
        tanh,
        leaky_relu(0.1),
        softplus,
        swish,
        linear,
        dense(4),
        softmax,
    }

    /// Activation layers on a sequence: a softmax on each step.
    pub struct StepActivations {
        input: [3, 4],
        gelu,
        softmax,
    }

    /// `use_bias = false` on a convolution before batch norm, on one pooled
    /// with its max pooling, and on a dense layer.
    pub struct Unbiased {
        input: [2, 6, 6],
        conv2d(4, 3, use_bias = false),
        batch_norm,
        relu,
        conv2d(4, 3, relu, padding = same, use_bias = false),
        maxpool2d(2),
        flatten,
        dense(5, tanh, use_bias = false),
        dense(2, softmax),
    }

    /// `reshape`: a vector read as an image, convolved, and read as a vector again.
    pub struct VectorToImage {
        input: 3,
        dense(12, tanh),
        reshape([3, 2, 2]),
        conv2d(2, 2, tanh, padding = same),
        reshape([8]),
        dense(2),
    }

    /// Layer norm on each step of a sequence, then on a vector with Keras' epsilon.
    pub struct Normed {
        input: [3, 4],
        layer_norm,
        flatten,
        dense(6),
        layer_norm(epsilon = 1e-3),
        relu,
        dense(2, softmax),
    }

    /// Every image layer and option.
    pub struct Images {
        input: [3, 17, 15],
        conv2d(8, 3, relu, padding = same),
        batch_norm,
        maxpool2d(2, padding = same),
        conv2d(8 => 6, (3, 5), tanh, stride = 2, padding = same),
        avgpool2d(3, stride = 1, padding = same),
        conv2d(5, (2, 3), elu, stride = (2, 1)),
        maxpool2d((2, 1), stride = 1),
        dropout(0.3),
        global_avgpool2d,
        batch_norm(epsilon = 0.01),
        dense(4, softmax),
    }

    /// Token ids, every recurrent layer, both directions, dense on every step.
    pub struct Sequences {
        input: 20,
        embedding(8, 5),
        simple_rnn(5 => 4, relu, return_sequences = true),
        bidirectional(gru(3, return_sequences = true)),
        dense(2, tanh),
        lstm(6, return_sequences = true),
        bidirectional(lstm(2)),
        dense(2, softmax),
    }

    /// One prediction per step, from a flattened sequence's neighbour.
    pub struct Steps {
        input: [7, 4],
        bidirectional(simple_rnn(5, return_sequences = true)),
        gru(3, return_sequences = true),
        dense(4, softmax),
    }

    /// A network to nest.
    pub struct Encoder {
        input: 8,
        dense(6, tanh),
        dense(5, relu),
    }

    /// Nested networks, and layers of widths only the compiler knows.
    pub struct Outer {
        input: 8,
        net(Encoder),
        dropout(0.2),
        batch_norm,
        dense(5 => 3, softmax),
    }

    /// A network nested in a nested network, and one last.
    pub struct Deep {
        input: 8,
        net(Outer),
        dense(8, relu),
        net(Encoder),
    }

    /// Nothing to compute.
    pub struct Reshaped {
        input: [2, 3],
        flatten,
        dropout(0.5),
    }
}
