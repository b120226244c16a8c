//! `lstm(U)`, `gru(U)` and `simple_rnn(U, activation)` (each also
//! `kind(F => U, ...)`, with `return_sequences`, `init`, `recurrent_init`):
//! a recurrent layer over a sequence. PyTorch: `nn.LSTM(F, U, batch_first=True)`
//! (`nn.GRU`, `nn.RNN`), which returns a tuple, then a module that takes the
//! last step (or every step): two modules (see docs/guide/05-weights-and-deploy.md).

use super::{sequence_input, Code, Planned};
use crate::args::{self, Args};
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use proc_macro2::TokenStream;
use quote::quote;

const OPTIONS: &[&str] = &["return_sequences", "init", "recurrent_init"];

/// A checked recurrent layer, before it is wrapped (or not) in `bidirectional`.
pub struct RecurrentPlan {
    /// The nn-core cell, e.g. `LstmCell` (the layer's and its view's).
    pub cell: TokenStream,
    pub steps: usize,
    pub features: usize,
    pub units: usize,
    pub sequences: bool,
    /// `(init, recurrent_init)` as `Init` variants, when either is given.
    pub init: Option<(TokenStream, TokenStream)>,
    /// The summary label, e.g. `lstm` or `simple_rnn (tanh)`.
    pub label: String,
}

impl RecurrentPlan {
    /// `Recurrent<Cell, T, F, U, SEQ>`.
    pub fn layer_type(&self) -> TokenStream {
        self.layer(quote!(Recurrent))
    }

    /// The nn-core layer `kind<Cell, T, F, U, SEQ>` (`Recurrent` or `Bidirectional`).
    pub fn layer(&self, kind: TokenStream) -> TokenStream {
        let RecurrentPlan { cell, steps, features, units, sequences, .. } = self;
        quote!(::nn::__private::layers::#kind<::nn::__private::layers::#cell, #steps, #features, #units, #sequences>)
    }

    /// Its view, `kind<Cell, T, F, U, SEQ>` (`RecurrentView` or `BidirectionalView`).
    pub fn view(&self, kind: TokenStream) -> TokenStream {
        let RecurrentPlan { cell, steps, features, units, sequences, .. } = self;
        quote!(::nn::__private::view::#kind<::nn::__private::view::#cell, #steps, #features, #units, #sequences>)
    }

    /// How to build one direction from `rng`, when an initialiser is given.
    pub fn init(&self) -> Option<TokenStream> {
        let ty = self.layer_type();
        self.init.as_ref().map(|(kernel, recurrent)| {
            quote!(<#ty>::with_init(::nn::__private::init::Init::#kernel, ::nn::__private::init::Init::#recurrent, rng))
        })
    }

    /// What flows out of one direction (`units` values, or a sequence of them).
    pub fn output(&self, width: usize) -> Shape {
        if self.sequences {
            Shape::Sequence([self.steps, width])
        } else {
            Shape::Vector(Width::Known(width))
        }
    }
}

pub fn check_lstm(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    single(check(spec, incoming, cx)?)
}

pub fn check_gru(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    single(check(spec, incoming, cx)?)
}

pub fn check_simple_rnn(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    single(check(spec, incoming, cx)?)
}

/// One direction, as a layer of its own.
fn single(plan: RecurrentPlan) -> Option<Planned> {
    let mut code = Code::plain(plan.layer_type(), Some(plan.view(quote!(RecurrentView))));
    code.init = plan.init();
    Some(Planned::new(plan.output(plan.units), plan.label.clone(), 2, Some(code)))
}

/// Rules: the number of units first (the features per step stated as
/// `F => U` if wished, which must equal those flowing in), then, for
/// `simple_rnn` only, an optional activation (default tanh); options
/// `return_sequences = true | false`, `init` and `recurrent_init`; a
/// sequence flowing in.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<RecurrentPlan> {
    let name = spec.name.to_string();
    let args = args::split(spec, OPTIONS, cx);
    let (stated, units) = match args.positional.first() {
        Some(Arg::Size { input, output }) => (input.clone(), output.clone()),
        Some(other) => {
            cx.error_spanned_by(
                args::tokens(other),
                format_args!("`{name}` takes its number of units first, e.g. `{name}(128)`"),
            );
            return None;
        }
        None => {
            cx.error_spanned_by(&spec.tokens, format_args!("`{name}` needs a number of units, e.g. `{name}(128)`"));
            return None;
        }
    };
    let takes_activation = name == "simple_rnn";
    let extra = if takes_activation { 2 } else { 1 };
    if let Some(arg) = args.positional.get(extra) {
        let message = if takes_activation {
            format!("after its units and activation, `{name}` takes named options: {}", OPTIONS.join(", "))
        } else {
            format!("after its units, `{name}` takes named options: {} (its activations are fixed)", OPTIONS.join(", "))
        };
        cx.error_spanned_by(args::tokens(arg), message);
    }
    let (cell, label) = match name.as_str() {
        "lstm" => (quote!(LstmCell), name.clone()),
        "gru" => (quote!(GruCell), name.clone()),
        _ => {
            let activation = match args.positional.get(1) {
                Some(arg) => args::activation(Some(arg), cx),
                None => args::ActivationChoice { ty: quote!(Tanh), label: "tanh".into(), module: true },
            };
            if activation.label == "softmax" {
                cx.error_spanned_by(
                    args::tokens(args.positional[1]),
                    "`softmax` turns a vector into probabilities; put it on a `dense` layer",
                );
            }
            let ty = activation.ty;
            let activation_type = quote!(::nn::__private::act::#ty);
            (quote!(SimpleRnnCell<#activation_type>), format!("{name} ({})", activation.label))
        }
    };
    let units = args::size_or(&units, &format!("the number of units is 0; `{name}` has at least one unit"), cx);
    let sequences = return_sequences(&args, cx);
    let init = initialisers(&args, cx);
    // A layer given no sequence still gives its output, so that the layers
    // after it are checked against what it would give.
    let [steps, features] = sequence_input(spec, incoming, cx).unwrap_or([1, 1]);
    if let (Some(stated), Shape::Sequence(_)) = (&stated, incoming) {
        args::stated_matches(
            stated,
            features,
            (("feature per step", "features per step"), ("feature per step", "features per step")),
            cx,
        );
    }
    (units > 0).then_some(())?;
    Some(RecurrentPlan { cell, steps, features, units, sequences: sequences?, init: init?, label })
}

/// Rule: `return_sequences` is `true` or `false` (default false).
fn return_sequences(args: &Args<'_>, cx: &mut Ctxt) -> Option<bool> {
    match args.option("return_sequences") {
        None => Some(false),
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(value), .. })) => Some(value.value),
        Some(other) => {
            cx.error_spanned_by(other, "`return_sequences` is `true` or `false`");
            None
        }
    }
}

/// Rule: `init` and `recurrent_init` name initialisers (Keras' defaults:
/// Glorot uniform and orthogonal). `Some(None)` when neither is given.
fn initialisers(args: &Args<'_>, cx: &mut Ctxt) -> Option<Option<(TokenStream, TokenStream)>> {
    let read = |name: &str, default: TokenStream, cx: &mut Ctxt| match args.option(name) {
        None => Some(default),
        Some(value) => args::initialiser(value, cx).map(|ident| quote!(#ident)),
    };
    let kernel = read("init", quote!(GlorotUniform), cx);
    let recurrent = read("recurrent_init", quote!(Orthogonal), cx);
    if args.option("init").is_none() && args.option("recurrent_init").is_none() {
        return Some(None);
    }
    Some(Some((kernel?, recurrent?)))
}
