//! Shapes and rules: walks the layers in order, computes what flows between them,
//! and records every mistake in the user's terms, spanned on what caused it.
//! One function per rule; each says its rule in its comment.

use crate::ast::{Arg, Entry, InputValue, LayerSpec, Network};
use crate::ctxt::Ctxt;
use crate::suggest::closest;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{LitInt, Path};

/// The activations `dense` accepts, with their nn-core types.
pub const ACTIVATIONS: &[(&str, &str)] =
    &[("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("relu", "Relu"), ("softmax", "Softmax"), ("linear", "Linear")];

/// The layers the macro knows.
pub const LAYERS: &[&str] = &["dense", "flatten", "net"];

/// A width flowing between layers: a number the macro knows, or the width of a
/// nested network, known only to the compiler.
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

/// What flows out of a layer (or the input).
#[derive(Clone)]
enum Shape {
    Vector(Width),
    Image([usize; 3]),
}

impl Shape {
    fn describe(&self) -> String {
        match self {
            Shape::Vector(Width::Known(n)) => format!("({n})"),
            Shape::Vector(Width::Expr(_)) => "(?)".into(),
            Shape::Image([c, h, w]) => format!("({c}, {h}, {w})"),
        }
    }
}

/// A layer ready to expand.
pub struct PlannedLayer {
    pub kind: Kind,
    /// The layer as written, for spans.
    pub tokens: TokenStream,
    pub input: Width,
    pub output: Width,
    /// Its summary line, e.g. `dense (relu)`.
    pub label: String,
}

pub enum Kind {
    /// `dense(OUT, act)`: `activation` is the nn-core type name.
    Dense { activation: syn::Ident },
    /// `net(Path)`.
    Net { path: Path },
    /// `flatten`: no parameters and nothing to compute (the data is already flat).
    Flatten,
}

/// The checked network: shapes of every layer, plus the checks only the
/// compiler can make (widths of nested networks).
pub struct Plan {
    pub input: Width,
    pub layers: Vec<PlannedLayer>,
    pub type_checks: Vec<TokenStream>,
}

pub fn check(net: &Network, cx: &mut Ctxt) -> Plan {
    for error in &net.entry_errors {
        cx.syn_error(error.clone());
    }
    let mut shape = input_shape(net, cx);
    let input = flat_width(&shape);
    let mut plan = Plan { input, layers: Vec::new(), type_checks: Vec::new() };
    for entry in &net.entries {
        let Entry::Layer(spec) = entry else { continue };
        if let Some((layer, output)) = check_layer(spec, &shape, &mut plan.type_checks, cx) {
            shape = output;
            plan.layers.push(layer);
        }
    }
    has_layers(net, cx);
    plan
}

/// Rule: a network declares `input:` exactly once, before its layers, with
/// non-zero sizes. Without one, the width is taken as 0 so the rest still expands.
fn input_shape(net: &Network, cx: &mut Ctxt) -> Shape {
    let mut found: Option<Shape> = None;
    let mut seen_layer = false;
    for entry in &net.entries {
        match entry {
            Entry::Layer(_) => seen_layer = true,
            Entry::Input { key, value } => {
                if found.is_some() {
                    cx.error_spanned_by(key, "`input` is declared twice; a network has one input");
                    continue;
                }
                if seen_layer {
                    cx.error_spanned_by(key, "`input:` must come before the layers");
                }
                found = Some(match value {
                    InputValue::Vector(lit) => Shape::Vector(Width::Known(size(lit, "input width", cx))),
                    InputValue::Image { bracket, dims } => image_shape(*bracket, dims, cx),
                });
            }
        }
    }
    found.unwrap_or_else(|| {
        cx.error_spanned_by(
            &net.ident,
            format_args!("network `{}` has no input; declare its width first, e.g. `input: 784,`", net.ident),
        );
        Shape::Vector(Width::Known(0))
    })
}

/// Rule: an image input is `[channels, height, width]`, three non-zero sizes.
fn image_shape(bracket: proc_macro2::Span, dims: &[LitInt], cx: &mut Ctxt) -> Shape {
    if dims.len() != 3 {
        cx.syn_error(syn::Error::new(
            bracket,
            format_args!("an image input is `[channels, height, width]`; found {} sizes", dims.len()),
        ));
        return Shape::Vector(Width::Known(0));
    }
    let names = ["channels", "height", "width"];
    let mut sizes = [0; 3];
    for ((size_out, lit), name) in sizes.iter_mut().zip(dims).zip(names) {
        *size_out = size(lit, name, cx);
    }
    if sizes.iter().try_fold(1usize, |acc, s| acc.checked_mul(*s)).is_none() {
        cx.syn_error(syn::Error::new(bracket, "this image has more values than a `usize` can count"));
        return Shape::Vector(Width::Known(0));
    }
    Shape::Image(sizes)
}

/// Rule: a size is a non-zero integer that fits in `usize`. Returns 0 after an error.
fn size(lit: &LitInt, what: &str, cx: &mut Ctxt) -> usize {
    match lit.base10_parse::<usize>() {
        Ok(0) => {
            cx.error_spanned_by(lit, format_args!("{what} is 0; a layer must have at least one value"));
            0
        }
        Ok(n) if !lit.suffix().is_empty() => {
            cx.error_spanned_by(lit, "write sizes without a type suffix");
            n
        }
        Ok(n) => n,
        Err(error) => {
            cx.syn_error(error);
            0
        }
    }
}

/// Rule: a network has at least one layer after its input.
fn has_layers(net: &Network, cx: &mut Ctxt) {
    let any_layer = net.entries.iter().any(|e| matches!(e, Entry::Layer(_)));
    if !any_layer {
        cx.error_spanned_by(
            &net.ident,
            format_args!("network `{}` has no layers; add one after the input, e.g. `dense(10, softmax)`", net.ident),
        );
    }
}

fn flat_width(shape: &Shape) -> Width {
    match shape {
        Shape::Vector(width) => width.clone(),
        Shape::Image(dims) => Width::Known(dims.iter().product()),
    }
}

/// Check one layer against the shape flowing into it; `None` when it is too
/// broken to build (an unknown layer), in which case it is left out.
fn check_layer(
    spec: &LayerSpec,
    incoming: &Shape,
    type_checks: &mut Vec<TokenStream>,
    cx: &mut Ctxt,
) -> Option<(PlannedLayer, Shape)> {
    let name = spec.name.to_string();
    match name.as_str() {
        "dense" => check_dense(spec, incoming, type_checks, cx),
        "net" => check_net(spec, incoming, cx),
        "flatten" => check_flatten(spec, incoming, cx),
        _ => {
            unknown_name(&spec.name, "layer", LAYERS, cx);
            None
        }
    }
}

/// Rule: an unknown name is an error on the name, with the closest known name
/// when one is close.
fn unknown_name(ident: &syn::Ident, what: &str, known: &[&str], cx: &mut Ctxt) {
    let word = ident.to_string();
    let message = match closest(&word, known) {
        Some(near) => format!("unknown {what} `{word}`; did you mean `{near}`?"),
        None => format!("unknown {what} `{word}`; expected one of: {}", known.join(", ")),
    };
    cx.error_spanned_by(ident, message);
}

/// Rules for `dense(OUT, act)` and `dense(IN => OUT, act)`: a size first, then
/// an optional known activation (default `linear`), nothing else; a vector
/// flowing in; a stated input size equal to the width flowing in.
fn check_dense(
    spec: &LayerSpec,
    incoming: &Shape,
    type_checks: &mut Vec<TokenStream>,
    cx: &mut Ctxt,
) -> Option<(PlannedLayer, Shape)> {
    let args = spec.args.as_deref().unwrap_or(&[]);
    let mut sizes = None;
    let mut activation = None;
    for (i, arg) in args.iter().enumerate() {
        match (i, arg) {
            (0, Arg::Size { input, output }) => sizes = Some((input.clone(), output.clone())),
            (1, Arg::Path(path)) => activation = Some(path),
            (_, Arg::Named { name, .. }) => {
                cx.error_spanned_by(name, format_args!("`dense` has no option `{name}`"));
            }
            (0, other) => cx.error_spanned_by(
                arg_tokens(other),
                "`dense` takes its output size first, e.g. `dense(128, relu)` or `dense(784 => 128, relu)`",
            ),
            (1, other) => cx.error_spanned_by(arg_tokens(other), "expected an activation name, e.g. `relu`"),
            (_, other) => cx.error_spanned_by(arg_tokens(other), "`dense` takes a size and an activation, no more"),
        }
    }
    let Some((stated, output)) = sizes else {
        if args.is_empty() {
            cx.error_spanned_by(&spec.tokens, "`dense` needs an output size, e.g. `dense(128, relu)`");
        }
        return None;
    };
    let activation = dense_activation(activation, cx);
    let out = size(&output, "the output size", cx);
    let input = match incoming {
        Shape::Vector(width) => width.clone(),
        Shape::Image(dims) => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`dense` takes a vector, but it receives an image of shape {}; put `flatten` before it",
                    incoming.describe()
                ),
            );
            Width::Known(dims.iter().product())
        }
    };
    if let Some(stated) = &stated {
        stated_input_matches(stated, &input, &output, &activation, type_checks, cx);
    }
    let label = format!("dense ({})", activation.to_string().to_lowercase());
    let layer = PlannedLayer {
        kind: Kind::Dense { activation },
        tokens: spec.tokens.clone(),
        input,
        output: Width::Known(out),
        label,
    };
    Some((layer, Shape::Vector(Width::Known(out))))
}

/// Rule: a stated input size equals the width flowing in. When that width is a
/// nested network's, the compiler checks it, at the stated number.
fn stated_input_matches(
    stated: &LitInt,
    incoming: &Width,
    output: &LitInt,
    activation: &syn::Ident,
    type_checks: &mut Vec<TokenStream>,
    cx: &mut Ctxt,
) {
    let stated_size = size(stated, "the stated input size", cx);
    match incoming {
        Width::Known(n) if stated_size != 0 && stated_size != *n => cx.error_spanned_by(
            stated,
            format_args!("this layer states {stated_size} inputs, but the layer before it gives {n} outputs"),
        ),
        Width::Known(_) => {}
        Width::Expr(_) => {
            let span = stated.span();
            type_checks.push(quote::quote_spanned! {span=>
                ::nn::__private::takes_input::<::nn::__private::layers::Dense<#stated, #output, ::nn::__private::act::#activation>, #incoming>()
            });
        }
    }
}

/// Rule: an activation is one of `ACTIVATIONS`; an unknown one is reported and
/// replaced by `linear` so the network still builds.
fn dense_activation(path: Option<&Path>, cx: &mut Ctxt) -> syn::Ident {
    let linear = || syn::Ident::new("Linear", proc_macro2::Span::call_site());
    let Some(path) = path else { return linear() };
    let Some(ident) = path.get_ident() else {
        cx.error_spanned_by(path, "expected an activation name, e.g. `relu`");
        return linear();
    };
    let word = ident.to_string();
    match ACTIVATIONS.iter().find(|(name, _)| *name == word) {
        Some((_, ty)) => syn::Ident::new(ty, ident.span()),
        None => {
            let names: Vec<&str> = ACTIVATIONS.iter().map(|(name, _)| *name).collect();
            unknown_name(ident, "activation", &names, cx);
            linear()
        }
    }
}

/// Rule: `net(Path)` names one network, which takes the width flowing in (checked
/// by the compiler, at the path) and gives its own output width.
fn check_net(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<(PlannedLayer, Shape)> {
    let path = match spec.args.as_deref() {
        Some([Arg::Path(path)]) => path.clone(),
        _ => {
            cx.error_spanned_by(&spec.tokens, "`net` takes one network type, e.g. `net(Encoder)`");
            return None;
        }
    };
    let input = match incoming {
        Shape::Vector(width) => width.clone(),
        Shape::Image(dims) => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`net` takes a vector, but it receives an image of shape {}; put `flatten` before it",
                    incoming.describe()
                ),
            );
            Width::Known(dims.iter().product())
        }
    };
    let span = syn::spanned::Spanned::span(&path);
    let output = Width::Expr(quote::quote_spanned!(span=> <#path as ::nn::__private::Widths>::OUTPUT));
    let label = format!("net ({})", path.to_token_stream().to_string().replace(' ', ""));
    let layer =
        PlannedLayer { kind: Kind::Net { path }, tokens: spec.tokens.clone(), input, output: output.clone(), label };
    Some((layer, Shape::Vector(output)))
}

/// Rule: `flatten` takes no arguments and turns an image into a vector of all its values.
fn check_flatten(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<(PlannedLayer, Shape)> {
    if spec.args.is_some() {
        cx.error_spanned_by(&spec.tokens, "`flatten` takes no arguments; write `flatten`");
    }
    let width = flat_width(incoming);
    let layer = PlannedLayer {
        kind: Kind::Flatten,
        tokens: spec.tokens.clone(),
        input: width.clone(),
        output: width.clone(),
        label: "flatten".into(),
    };
    Some((layer, Shape::Vector(width)))
}

fn arg_tokens(arg: &Arg) -> TokenStream {
    match arg {
        Arg::Size { input: Some(i), output } => quote!(#i => #output),
        Arg::Size { input: None, output } => output.to_token_stream(),
        Arg::Path(path) => path.to_token_stream(),
        Arg::Named { name, value } => quote!(#name = #value),
        Arg::Other(expr) => expr.to_token_stream(),
    }
}
