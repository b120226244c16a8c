//! An activation as a layer of its own: `relu`, `softmax`, `leaky_relu(0.2)`,
//! ... (every name of `vocab::ACTIVATIONS`), on any shape. PyTorch: the
//! activation's module (`ReLU()`, `Softmax(-1)`; `Identity()` for `linear`).

use super::{Code, Planned};
use crate::args::{self, ActivationChoice};
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use quote::quote;
use syn::Expr;

/// Rules: no options, and a parameter only for an activation that takes one
/// (`leaky_relu(0.2)`, `elu(0.5)`); any shape in, the same out; a softmax
/// normalises a vector or each step of a sequence, so not an image.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, &[], cx);
    let value = match args.positional.as_slice() {
        [] => None,
        [arg] => Some(parameter(arg, cx)?),
        [_, extra, ..] => {
            cx.error_spanned_by(
                args::tokens(extra),
                format_args!("`{}` takes at most one parameter, e.g. `leaky_relu(0.2)`", spec.name),
            );
            return None;
        }
    };
    let ActivationChoice { ty: activation, label, .. } = args::named_activation(&spec.name, value.as_ref(), cx);
    let (width, group) = match incoming {
        Shape::Vector(width) => (width.clone(), width.clone()),
        Shape::Sequence([steps, features]) => (Width::Known(steps * features), Width::Known(*features)),
        Shape::Image(_) if label == "softmax" => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`softmax` turns a vector (or each step of a sequence) into probabilities, but it receives {}; \
                     put `flatten` or `global_avgpool2d` before it",
                    incoming.in_words()
                ),
            );
            return None;
        }
        Shape::Image(_) => (incoming.flat(), incoming.flat()),
    };
    let params = quote!(#width, #group, ::nn::__private::act::#activation);
    Some(Planned::new(
        incoming.clone(),
        label,
        1,
        Some(Code {
            activated: true,
            ..Code::plain(
                quote!(::nn::__private::layers::Activate<#params>),
                Some(quote!(::nn::__private::view::ActivateView<#params>)),
            )
        }),
    ))
}

/// A parameter as written in the parentheses: a number (`0.2`, `1`).
fn parameter(arg: &Arg, cx: &mut Ctxt) -> Option<Expr> {
    match arg {
        Arg::Size { input: None, output } => {
            Some(Expr::Lit(syn::ExprLit { attrs: Vec::new(), lit: syn::Lit::Int(output.clone()) }))
        }
        Arg::Other(expr) => Some(expr.clone()),
        other => {
            cx.error_spanned_by(args::tokens(other), "an activation's parameter is a number, e.g. `leaky_relu(0.2)`");
            None
        }
    }
}
