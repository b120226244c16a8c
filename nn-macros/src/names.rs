//! Every name the macro knows, in one place: layers, activations,
//! initialisers and paddings.

use crate::layers;

/// The layer kinds, each by its name and the function that checks it (its
/// module under `layers/`). A new kind is one module and one line here.
pub const LAYERS: &[layers::Kind] = &[
    layers::Kind { name: "dense", check: layers::dense::check },
    layers::Kind { name: "dropout", check: layers::dropout::check },
    layers::Kind { name: "flatten", check: layers::flatten::check },
    layers::Kind { name: "net", check: layers::net::check },
    layers::Kind { name: "conv2d", check: layers::conv2d::check },
    layers::Kind { name: "maxpool2d", check: layers::pool2d::check_max },
    layers::Kind { name: "avgpool2d", check: layers::pool2d::check_avg },
    layers::Kind { name: "global_avgpool2d", check: layers::global_avgpool2d::check },
    layers::Kind { name: "batch_norm", check: layers::batch_norm::check },
    layers::Kind { name: "lstm", check: layers::recurrent::check_lstm },
    layers::Kind { name: "gru", check: layers::recurrent::check_gru },
    layers::Kind { name: "simple_rnn", check: layers::recurrent::check_simple_rnn },
    layers::Kind { name: "bidirectional", check: layers::bidirectional::check },
    layers::Kind { name: "embedding", check: layers::embedding::check },
];

/// An activation a layer accepts: its name, its nn-core type, and the default
/// of its one parameter if it takes one (passed to the type as the `f32`'s bits).
pub struct ActivationName {
    pub name: &'static str,
    pub ty: &'static str,
    pub parameter: Option<f32>,
}

pub const ACTIVATIONS: &[ActivationName] = &[
    ActivationName { name: "sigmoid", ty: "Sigmoid", parameter: None },
    ActivationName { name: "tanh", ty: "Tanh", parameter: None },
    ActivationName { name: "relu", ty: "Relu", parameter: None },
    ActivationName { name: "softmax", ty: "Softmax", parameter: None },
    ActivationName { name: "linear", ty: "Linear", parameter: None },
    ActivationName { name: "leaky_relu", ty: "LeakyRelu", parameter: Some(0.3) },
    ActivationName { name: "elu", ty: "Elu", parameter: Some(1.0) },
    ActivationName { name: "gelu", ty: "Gelu", parameter: None },
    ActivationName { name: "softplus", ty: "Softplus", parameter: None },
    ActivationName { name: "swish", ty: "Swish", parameter: None },
];

/// The initialisers `init = ...` accepts, with their `nn_core::init::Init` variants.
pub const INITIALISERS: &[(&str, &str)] = &[
    ("glorot_uniform", "GlorotUniform"),
    ("glorot_normal", "GlorotNormal"),
    ("xavier_uniform", "GlorotUniform"),
    ("xavier_normal", "GlorotNormal"),
    ("he_uniform", "HeUniform"),
    ("he_normal", "HeNormal"),
    ("zeros", "Zeros"),
    ("orthogonal", "Orthogonal"),
];

/// The paddings `padding = ...` accepts (Keras' names); `same` is the second.
pub const PADDINGS: &[&str] = &["valid", "same"];
