//! What flows between layers: a vector, a sequence or an image, with sizes
//! the macro knows (or, after a nested network, a width only the compiler knows).

use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// A flat width: a number the macro knows, or the width of a nested
/// network, an expression only the compiler evaluates.
#[derive(Clone)]
pub enum Width {
    Known(usize),
    Expr(TokenStream),
}

impl ToTokens for Width {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Width::Known(n) => proc_macro2::Literal::usize_unsuffixed(*n).to_tokens(tokens),
            Width::Expr(expr) => quote!({ #expr }).to_tokens(tokens),
        }
    }
}

/// The shape of one sample as it flows out of a layer (or the input).
#[derive(Clone)]
pub enum Shape {
    /// `N` values.
    Vector(Width),
    /// `[T, F]`: `T` steps of `F` values.
    Sequence([usize; 2]),
    /// `[C, H, W]`: `C` channels of `H x W` values.
    Image([usize; 3]),
}

impl Shape {
    /// All the values of one sample, as one width.
    pub fn flat(&self) -> Width {
        match self {
            Shape::Vector(width) => width.clone(),
            Shape::Sequence(dims) => Width::Known(dims.iter().product()),
            Shape::Image(dims) => Width::Known(dims.iter().product()),
        }
    }

    /// One sample's dimensions as an array expression: `[128]`, `[28, 28]`,
    /// `[32, 26, 26]` (a nested network's width as its expression).
    pub fn dims_tokens(&self) -> TokenStream {
        match self {
            Shape::Vector(width) => quote!([#width]),
            Shape::Sequence([t, f]) => quote!([#t, #f]),
            Shape::Image([c, h, w]) => quote!([#c, #h, #w]),
        }
    }

    /// As Keras prints an output shape, without the batch: `(128)`, `(28, 28)`, `(32, 26, 26)`.
    pub fn describe(&self) -> String {
        let dims: Vec<String> = match self {
            Shape::Vector(Width::Known(n)) => vec![n.to_string()],
            Shape::Vector(Width::Expr(_)) => vec!["?".into()],
            Shape::Sequence(dims) => dims.iter().map(usize::to_string).collect(),
            Shape::Image(dims) => dims.iter().map(usize::to_string).collect(),
        };
        format!("({})", dims.join(", "))
    }

    /// In words, for errors: "a vector of 128 values", "an image of shape (1, 28, 28)".
    pub fn in_words(&self) -> String {
        match self {
            Shape::Vector(Width::Known(n)) => format!("a vector of {n} values"),
            Shape::Vector(Width::Expr(_)) => "a vector (the output of a nested network)".into(),
            Shape::Sequence(_) => format!("a sequence of shape {}", self.describe()),
            Shape::Image(_) => format!("an image of shape {}", self.describe()),
        }
    }

    /// The summary's output column: the shape as the macro knows it, or, for
    /// a nested network's width, an expression that formats it at run time.
    pub fn summary_tokens(&self) -> TokenStream {
        match self {
            Shape::Vector(width @ Width::Expr(_)) => quote!(::nn::__private::format!("({})", #width)),
            known => {
                let text = known.describe();
                quote!(::nn::__private::String::from(#text))
            }
        }
    }
}
