//! Shapes and rules: walks the layers in order, computes what flows between them,
//! and records every mistake in the user's terms, spanned on what caused it.
//! One function per rule; each says its rule in its comment.

use crate::ast::{Arg, Entry, InputValue, LayerSpec, Network};
use crate::ctxt::Ctxt;
use crate::suggest::closest;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{LitInt, Path};

/// An activation `dense` accepts: its name, its nn-core type, and the default of
/// its one parameter if it takes one (passed to the type as the `f32`'s bits).
struct ActivationSpec {
    name: &'static str,
    ty: &'static str,
    parameter: Option<f32>,
}

const ACTIVATIONS: &[ActivationSpec] = &[
    ActivationSpec { name: "sigmoid", ty: "Sigmoid", parameter: None },
    ActivationSpec { name: "tanh", ty: "Tanh", parameter: None },
    ActivationSpec { name: "relu", ty: "Relu", parameter: None },
    ActivationSpec { name: "softmax", ty: "Softmax", parameter: None },
    ActivationSpec { name: "linear", ty: "Linear", parameter: None },
    ActivationSpec { name: "leaky_relu", ty: "LeakyRelu", parameter: Some(0.3) },
    ActivationSpec { name: "elu", ty: "Elu", parameter: Some(1.0) },
    ActivationSpec { name: "gelu", ty: "Gelu", parameter: None },
    ActivationSpec { name: "softplus", ty: "Softplus", parameter: None },
    ActivationSpec { name: "swish", ty: "Swish", parameter: None },
];

/// The layers the macro knows.
pub const LAYERS: &[&str] = &["dense", "dropout", "flatten", "net"];

/// The options `dense` takes after its size and activation.
const DENSE_OPTIONS: &[&str] = &["init", "l1", "l2"];

/// The initialisers `init = ...` accepts, with their `nn_core::init::Init` variants.
const INITIALISERS: &[(&str, &str)] = &[
    ("glorot_uniform", "GlorotUniform"),
    ("glorot_normal", "GlorotNormal"),
    ("xavier_uniform", "GlorotUniform"),
    ("xavier_normal", "GlorotNormal"),
    ("he_uniform", "HeUniform"),
    ("he_normal", "HeNormal"),
    ("zeros", "Zeros"),
];

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

/// A checked `dense` layer.
pub struct DenseSpec {
    /// The activation's nn-core type, e.g. `Relu` or `LeakyRelu<1050253722>`.
    pub activation: TokenStream,
    /// False for `linear`, which PyTorch writes as no module at all.
    pub activation_module: bool,
    /// `init = ...`: the `Init` variant.
    pub init: Option<syn::Ident>,
    /// `l1 = ...`, `l2 = ...`.
    pub l1: Option<f32>,
    pub l2: Option<f32>,
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
    /// `dense(OUT, act, options)`.
    Dense(DenseSpec),
    /// `dropout(rate)`: the rate as the bits of an `f32`.
    Dropout { rate_bits: u32 },
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
        "dropout" => check_dropout(spec, incoming, cx),
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

/// Rules for `dense(OUT, act, options)` and `dense(IN => OUT, act, options)`: a
/// size first, then an optional known activation (default `linear`), then named
/// options; a vector flowing in; a stated input size equal to the width flowing in.
fn check_dense(
    spec: &LayerSpec,
    incoming: &Shape,
    type_checks: &mut Vec<TokenStream>,
    cx: &mut Ctxt,
) -> Option<(PlannedLayer, Shape)> {
    let args = spec.args.as_deref().unwrap_or(&[]);
    let mut sizes = None;
    let mut activation = None;
    let mut options = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        match (i, arg) {
            (0, Arg::Size { input, output }) => sizes = Some((input.clone(), output.clone())),
            (_, Arg::Named { name, value }) => options.push((name, value)),
            (1, other) => activation = Some(other),
            (0, other) => cx.error_spanned_by(
                arg_tokens(other),
                "`dense` takes its output size first, e.g. `dense(128, relu)` or `dense(784 => 128, relu)`",
            ),
            (_, other) => cx.error_spanned_by(
                arg_tokens(other),
                "after its size and activation, `dense` takes named options: `init = ...`, `l1 = ...`, `l2 = ...`",
            ),
        }
    }
    let Some((stated, output)) = sizes else {
        if args.is_empty() {
            cx.error_spanned_by(&spec.tokens, "`dense` needs an output size, e.g. `dense(128, relu)`");
        }
        return None;
    };
    let (activation, activation_label, activation_module) = dense_activation(activation, cx);
    let mut dense = DenseSpec { activation, activation_module, init: None, l1: None, l2: None };
    dense_options(&options, &mut dense, cx);
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
        stated_input_matches(stated, &input, &output, &dense.activation, type_checks, cx);
    }
    let label = format!("dense ({activation_label})");
    let layer =
        PlannedLayer { kind: Kind::Dense(dense), tokens: spec.tokens.clone(), input, output: Width::Known(out), label };
    Some((layer, Shape::Vector(Width::Known(out))))
}

/// Rules for `dense`'s options: each known (with a suggestion when misspelt),
/// each given once; `init` names a known scheme; `l1` and `l2` are numbers >= 0.
fn dense_options(options: &[(&syn::Ident, &syn::Expr)], dense: &mut DenseSpec, cx: &mut Ctxt) {
    let mut seen: Vec<String> = Vec::new();
    for (name, value) in options {
        let word = name.to_string();
        if seen.contains(&word) {
            cx.error_spanned_by(name, format_args!("option `{word}` is given twice"));
            continue;
        }
        seen.push(word.clone());
        match word.as_str() {
            "init" => dense.init = initialiser(value, cx),
            "l1" => dense.l1 = non_negative(value, "`l1`", cx),
            "l2" => dense.l2 = non_negative(value, "`l2`", cx),
            _ => {
                let message = match closest(&word, DENSE_OPTIONS) {
                    Some(near) => format!("`dense` has no option `{word}`; did you mean `{near}`?"),
                    None => format!("`dense` has no option `{word}`; its options are {}", DENSE_OPTIONS.join(", ")),
                };
                cx.error_spanned_by(name, message);
            }
        }
    }
}

/// Rule: `init = NAME` names one of `INITIALISERS`.
fn initialiser(value: &syn::Expr, cx: &mut Ctxt) -> Option<syn::Ident> {
    let names: Vec<&str> = INITIALISERS.iter().map(|(name, _)| *name).collect();
    let syn::Expr::Path(path) = value else {
        cx.error_spanned_by(value, format_args!("expected an initialiser name, one of: {}", names.join(", ")));
        return None;
    };
    let Some(ident) = path.path.get_ident() else {
        cx.error_spanned_by(value, format_args!("expected an initialiser name, one of: {}", names.join(", ")));
        return None;
    };
    let word = ident.to_string();
    match INITIALISERS.iter().find(|(name, _)| *name == word) {
        Some((_, variant)) => Some(syn::Ident::new(variant, ident.span())),
        None => {
            unknown_name(ident, "initialiser", &names, cx);
            None
        }
    }
}

/// A number literal (integer or float) as `f32`, or an error on it.
fn number(value: &syn::Expr, what: &str, cx: &mut Ctxt) -> Option<f32> {
    let parsed = match value {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(lit), .. }) => lit.base10_parse::<f32>(),
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => lit.base10_parse::<f32>(),
        _ => {
            cx.error_spanned_by(value, format_args!("{what} must be a number, e.g. `1e-4`"));
            return None;
        }
    };
    match parsed {
        Ok(v) if v.is_finite() => Some(v),
        Ok(_) => {
            cx.error_spanned_by(value, format_args!("{what} must be a finite number"));
            None
        }
        Err(error) => {
            cx.syn_error(error);
            None
        }
    }
}

/// Rule: a penalty factor is a number >= 0.
fn non_negative(value: &syn::Expr, what: &str, cx: &mut Ctxt) -> Option<f32> {
    if let syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), .. }) = value {
        cx.error_spanned_by(value, format_args!("{what} must be zero or more"));
        return None;
    }
    number(value, what, cx)
}

/// Rule for `dropout(rate)`: one number, `0 <= rate < 1`; the width passes through.
fn check_dropout(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<(PlannedLayer, Shape)> {
    let rate = match spec.args.as_deref() {
        Some([Arg::Size { input: None, output }]) => number(
            &syn::Expr::Lit(syn::ExprLit { attrs: Vec::new(), lit: syn::Lit::Int(output.clone()) }),
            "the dropout rate",
            cx,
        )
        .map(|r| (r, output.to_token_stream())),
        Some([Arg::Other(value)]) => number(value, "the dropout rate", cx).map(|r| (r, value.to_token_stream())),
        _ => {
            cx.error_spanned_by(&spec.tokens, "`dropout` takes one rate, e.g. `dropout(0.2)`");
            return None;
        }
    };
    let (rate, tokens) = rate?;
    if !(0.0..1.0).contains(&rate) {
        cx.error_spanned_by(tokens, format_args!("a dropout rate is a probability in [0, 1); found {rate}"));
        return None;
    }
    let width = flat_width(incoming);
    if let Shape::Image(_) = incoming {
        cx.error_spanned_by(&spec.tokens, "`dropout` takes a vector here; put `flatten` before it");
    }
    let layer = PlannedLayer {
        kind: Kind::Dropout { rate_bits: rate.to_bits() },
        tokens: spec.tokens.clone(),
        input: width.clone(),
        output: width.clone(),
        label: format!("dropout ({rate})"),
    };
    Some((layer, Shape::Vector(width)))
}

/// Rule: a stated input size equals the width flowing in. When that width is a
/// nested network's, the compiler checks it, at the stated number.
fn stated_input_matches(
    stated: &LitInt,
    incoming: &Width,
    output: &LitInt,
    activation: &TokenStream,
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

/// Rule: an activation is one of `ACTIVATIONS`, written `name` or, for those with
/// a parameter, `name(value)`; an unknown one is reported and replaced by `linear`
/// so the network still builds. Returns the type, the summary label, and whether
/// PyTorch has a module for it.
fn dense_activation(arg: Option<&Arg>, cx: &mut Ctxt) -> (TokenStream, String, bool) {
    let linear = (quote!(Linear), "linear".to_string(), false);
    let (ident, value) = match arg {
        None => return linear,
        Some(Arg::Path(path)) => match path.get_ident() {
            Some(ident) => (ident.clone(), None),
            None => {
                cx.error_spanned_by(path, "expected an activation name, e.g. `relu`");
                return linear;
            }
        },
        Some(Arg::Other(syn::Expr::Call(call))) => {
            let ident = match &*call.func {
                syn::Expr::Path(path) => path.path.get_ident().cloned(),
                _ => None,
            };
            match (ident, call.args.first(), call.args.len()) {
                (Some(ident), Some(value), 1) => (ident, Some(value.clone())),
                _ => {
                    cx.error_spanned_by(call, "expected an activation, e.g. `relu` or `leaky_relu(0.2)`");
                    return linear;
                }
            }
        }
        Some(other) => {
            cx.error_spanned_by(arg_tokens(other), "expected an activation name, e.g. `relu`");
            return linear;
        }
    };
    let word = ident.to_string();
    let Some(spec) = ACTIVATIONS.iter().find(|a| a.name == word) else {
        let names: Vec<&str> = ACTIVATIONS.iter().map(|a| a.name).collect();
        unknown_name(&ident, "activation", &names, cx);
        return linear;
    };
    let ty = syn::Ident::new(spec.ty, ident.span());
    match (spec.parameter, value) {
        (None, None) => (quote!(#ty), word, spec.name != "linear"),
        (None, Some(value)) => {
            cx.error_spanned_by(value, format_args!("`{word}` takes no parameter"));
            (quote!(#ty), word, true)
        }
        (Some(default), value) => {
            let parameter = match &value {
                Some(value) => number(value, &format!("the parameter of `{word}`"), cx).unwrap_or(default),
                None => default,
            };
            let bits = proc_macro2::Literal::u32_unsuffixed(parameter.to_bits());
            (quote!(#ty<#bits>), format!("{word}({parameter})"), true)
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
