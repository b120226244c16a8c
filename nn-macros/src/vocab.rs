//! The words options take, in one place: activations, initialisers and
//! paddings. The lowest floor of the macro: it imports nothing of the crate,
//! so `args` checks against it and every layer module reads it.

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
