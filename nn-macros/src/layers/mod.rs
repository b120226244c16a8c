//! One module per layer kind: its arguments, its output shape and its rules,
//! its nn-core type (and its type in `nn::view`), its modules in PyTorch's
//! `nn.Sequential` and its summary line. Each kind's `check` turns a layer as written, and the shape flowing
//! into it, into a [`Planned`] layer; [`LAYERS`] registers them: a new kind is one module and one line there.

pub mod activation;
pub mod batch_norm;
pub mod bidirectional;
pub mod conv2d;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod flatten;
pub mod global_avgpool2d;
pub mod layer_norm;
pub mod net;
pub mod pool2d;
pub mod recurrent;
pub mod reshape;
pub mod window;

use crate::args::{self, Args};
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::Shape;
use proc_macro2::TokenStream;
use quote::quote;

/// The layer kinds, each by its name and the function that checks it (its
/// module under `layers/`). A new kind is one module and one line here.
pub const LAYERS: &[Kind] = &[
    Kind { name: "dense", check: dense::check },
    Kind { name: "dropout", check: dropout::check },
    Kind { name: "flatten", check: flatten::check },
    Kind { name: "reshape", check: reshape::check },
    Kind { name: "net", check: net::check },
    Kind { name: "conv2d", check: conv2d::check },
    Kind { name: "maxpool2d", check: pool2d::check_max },
    Kind { name: "avgpool2d", check: pool2d::check_avg },
    Kind { name: "global_avgpool2d", check: global_avgpool2d::check },
    Kind { name: "batch_norm", check: batch_norm::check },
    Kind { name: "layer_norm", check: layer_norm::check },
    Kind { name: "lstm", check: recurrent::check_lstm },
    Kind { name: "gru", check: recurrent::check_gru },
    Kind { name: "simple_rnn", check: recurrent::check_simple_rnn },
    Kind { name: "bidirectional", check: bidirectional::check },
    Kind { name: "embedding", check: embedding::check },
];

/// The check of the layer kind named `name`: one of [`LAYERS`], or an
/// activation (any of `vocab::ACTIVATIONS`) standing as a layer of its own.
pub fn find(name: &syn::Ident) -> Option<Check> {
    let kind = LAYERS.iter().find(|kind| name == kind.name).map(|kind| kind.check);
    kind.or_else(|| crate::vocab::ACTIVATIONS.iter().any(|a| name == a.name).then_some(activation::check as Check))
}

/// Every name a layer may have, for suggestions: the kinds, then the activations.
pub fn names() -> Vec<&'static str> {
    LAYERS.iter().map(|kind| kind.name).chain(crate::vocab::ACTIVATIONS.iter().map(|a| a.name)).collect()
}

/// How a layer kind checks a layer as written, given the shape flowing in.
pub type Check = fn(&LayerSpec, &Shape, &mut Ctxt) -> Option<Planned>;

/// A layer kind: its name in `network!` and its check.
pub struct Kind {
    pub name: &'static str,
    pub check: Check,
}

/// A checked layer: what flows out of it and how to write it.
pub struct Planned {
    pub output: Shape,
    /// Its summary label, e.g. `conv2d (relu)`.
    pub label: String,
    /// Modules it takes in the matching `torch.nn.Sequential` (an activation
    /// is a module of its own), so that later layers' tensors are named right.
    pub modules: usize,
    /// Its nn-core layer, or `None` when there is nothing to compute
    /// (`flatten`: the values are already in order).
    pub code: Option<Code>,
    /// Whether it reads the network's input values as they are (an
    /// embedding's token ids), and so must be the first layer.
    pub reads_input: bool,
    /// The summary rows under its own (a block's branches and layers).
    pub nested: Vec<Row>,
    /// Items its type needs beside the network (a block's branches, each a
    /// network of its own).
    pub items: TokenStream,
}

/// One row of a network's summary, as the macro writes it.
#[derive(Clone)]
pub struct Row {
    /// What the row names.
    pub label: String,
    /// How deep inside blocks it stands (0: a layer of the network).
    pub depth: usize,
    /// The shape it gives (`Shape::summary_tokens`).
    pub output: TokenStream,
    /// Its trainable parameters and its other training state, as expressions.
    pub params: TokenStream,
    pub state: TokenStream,
}

impl Row {
    /// The same row a level deeper.
    pub fn indented(mut self) -> Row {
        self.depth += 1;
        self
    }
}

impl Planned {
    /// A layer that takes what the layer before it gives.
    pub fn new(output: Shape, label: impl Into<String>, modules: usize, code: Option<Code>) -> Self {
        Planned {
            output,
            label: label.into(),
            modules,
            code,
            reads_input: false,
            nested: Vec::new(),
            items: TokenStream::new(),
        }
    }
}

/// The nn-core layer behind a planned layer.
pub struct Code {
    /// The type, with every size written out.
    pub ty: TokenStream,
    /// How `new` builds it from `rng`, when not by `Layer::init`.
    pub init: Option<TokenStream>,
    /// Method calls applied to it both when it is built and when it is
    /// zeroed (so a network loaded from a file keeps its options).
    pub configure: TokenStream,
    /// Whether it ends in an activation (implements `Activated`).
    pub activated: bool,
    /// Checks only the compiler can make (a nested network's widths).
    pub type_checks: Vec<TokenStream>,
    /// Its type in `nn::view` (which builds without std), for the network's
    /// view; `None` for a layer a view skips (dropout, the identity there).
    pub view: Option<TokenStream>,
    /// How it runs with a neighbour sample by sample, where the two are
    /// written one after the other.
    pub fusion: Fusion,
}

/// A layer's part in a pair of layers that runs sample by sample, so that
/// the values between the two stay in the cache (nn-core's `layers::Pair`,
/// which the first layer's type implements for the second's): a layer that
/// `Leads` and the one right after it that `Follows` run as one.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum Fusion {
    /// Runs alone.
    #[default]
    Alone,
    /// Runs the layer after it, when that one follows.
    Leads,
    /// Runs inside the layer before it, when that one leads.
    Follows,
}

impl Code {
    /// A layer built by `Layer::init`, holding nothing, without an
    /// activation, whose view is `view`.
    pub fn plain(ty: TokenStream, view: Option<TokenStream>) -> Self {
        Code {
            ty,
            init: None,
            configure: TokenStream::new(),
            activated: false,
            type_checks: Vec::new(),
            view,
            fusion: Fusion::Alone,
        }
    }
}

/// The options of a layer with weights (`dense`, `conv2d`): `init =`, `l1 =`,
/// `l2 =`. Returns how to build it and how to configure it.
pub fn weight_options(ty: &TokenStream, args: &Args<'_>, cx: &mut Ctxt) -> (Option<TokenStream>, TokenStream) {
    let init = args.option("init").and_then(|value| args::initialiser(value, cx));
    let l1 = args.option("l1").and_then(|value| args::non_negative(value, "`l1`", cx));
    let l2 = args.option("l2").and_then(|value| args::non_negative(value, "`l2`", cx));
    let init = init.map(|scheme| quote!(<#ty>::with_init(::nn::__private::init::Init::#scheme, rng)));
    let configure = if l1.is_some() || l2.is_some() {
        let (l1, l2) = (l1.unwrap_or(0.0), l2.unwrap_or(0.0));
        quote!(.regularized(::nn::__private::layers::Regularizer { l1: #l1, l2: #l2 }))
    } else {
        TokenStream::new()
    };
    (init, configure)
}

/// Rule: `use_bias` is `true` or `false` (default true: a layer with weights
/// adds a bias; Keras' and PyTorch's default too). Without one the layer's
/// type says so (its last const parameter `false`): `tokens` is `, false`
/// then, and empty otherwise, to follow the type's other parameters.
pub fn use_bias(args: &Args<'_>, cx: &mut Ctxt) -> TokenStream {
    match args.option("use_bias") {
        None | Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(syn::LitBool { value: true, .. }), .. })) => {
            TokenStream::new()
        }
        Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Bool(_), .. })) => quote!(, false),
        Some(other) => {
            cx.error_spanned_by(other, "`use_bias` is `true` or `false`");
            TokenStream::new()
        }
    }
}

/// Rule: a layer that takes no arguments is written without parentheses.
pub fn no_arguments(spec: &LayerSpec, cx: &mut Ctxt) {
    if spec.args.is_some() {
        let name = &spec.name;
        cx.error_spanned_by(&spec.tokens, format_args!("`{name}` takes no arguments; write `{name}`"));
    }
}

/// Rule: a sequence layer receives a sequence. Returns its `[T, F]`, or
/// `None` after reporting what it receives instead.
pub fn sequence_input(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<[usize; 2]> {
    match incoming {
        Shape::Sequence(dims) => Some(*dims),
        other => {
            let hint = match other {
                Shape::Vector(_) => {
                    "; a sequence input is declared as `input: [steps, features]`, and token ids go through \
                     `embedding` first"
                }
                _ => "; a sequence input is declared as `input: [steps, features]`",
            };
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`{}` takes a sequence (steps, features), but it receives {}{hint}",
                    spec.name,
                    other.in_words()
                ),
            );
            None
        }
    }
}

/// Rule: an image layer receives an image. Returns its `[C, H, W]`, or `None`
/// after reporting what it receives instead.
pub fn image_input(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<[usize; 3]> {
    match incoming {
        Shape::Image(dims) => Some(*dims),
        other => {
            let hint = match other {
                Shape::Vector(_) => "; image layers come before `flatten`, and an image input is declared as `input: [channels, height, width]`",
                _ => "",
            };
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`{}` takes an image (channels, height, width), but it receives {}{hint}",
                    spec.name,
                    other.in_words()
                ),
            );
            None
        }
    }
}
