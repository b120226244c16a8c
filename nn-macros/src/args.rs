//! The arguments of a layer, read the same way for every kind: positional
//! arguments, then `name = value` options; sizes, numbers, names and pairs.

use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::suggest::closest;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use syn::{Expr, Ident, LitInt};

/// A layer's arguments, split: positional first, then the named options.
pub struct Args<'a> {
    pub positional: Vec<&'a Arg>,
    pub options: Vec<(&'a Ident, &'a Expr)>,
}

/// Rule: positional arguments come before named options; an option is known to
/// the layer (with a suggestion when misspelt) and given once.
pub fn split<'a>(spec: &'a LayerSpec, known: &[&str], cx: &mut Ctxt) -> Args<'a> {
    let layer = spec.name.to_string();
    let mut args = Args { positional: Vec::new(), options: Vec::new() };
    for arg in spec.args.iter().flatten() {
        match arg {
            Arg::Named { name, value } => {
                let word = name.to_string();
                if args.options.iter().any(|(seen, _)| **seen == word) {
                    cx.error_spanned_by(name, format_args!("option `{word}` is given twice"));
                } else if !known.contains(&word.as_str()) {
                    let message = match (closest(&word, known), known.is_empty()) {
                        (_, true) => format!("`{layer}` takes no options"),
                        (Some(near), _) => format!("`{layer}` has no option `{word}`; did you mean `{near}`?"),
                        (None, _) => format!("`{layer}` has no option `{word}`; its options are {}", known.join(", ")),
                    };
                    cx.error_spanned_by(name, message);
                } else {
                    args.options.push((name, value));
                }
            }
            positional if args.options.is_empty() => args.positional.push(positional),
            positional => {
                cx.error_spanned_by(tokens(positional), "positional arguments come before the named options");
            }
        }
    }
    args
}

impl Args<'_> {
    /// The value of option `name`, if given.
    pub fn option(&self, name: &str) -> Option<&Expr> {
        self.options.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

/// An argument as written, for spans.
pub fn tokens(arg: &Arg) -> TokenStream {
    match arg {
        Arg::Size { input: Some(i), output } => quote!(#i => #output),
        Arg::Size { input: None, output } => output.to_token_stream(),
        Arg::Path(path) => path.to_token_stream(),
        Arg::Named { name, value } => quote!(#name = #value),
        Arg::Other(expr) => expr.to_token_stream(),
    }
}

/// Rule: a size is a non-zero integer without a suffix that fits in `usize`.
/// Returns 0 after an error.
pub fn size(lit: &LitInt, what: &str, cx: &mut Ctxt) -> usize {
    size_or(lit, &format!("{what} is 0; a layer must have at least one value"), cx)
}

/// [`size`], saying `zero` when it is 0.
pub fn size_or(lit: &LitInt, zero: &str, cx: &mut Ctxt) -> usize {
    match lit.base10_parse::<usize>() {
        Ok(0) => {
            cx.error_spanned_by(lit, zero);
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

/// Rule: a pair of sizes is one size for both axes (`3`) or two in
/// parentheses (`(3, 5)`: height, width), each non-zero (or else an error
/// saying `zero`). `None` after an error.
pub fn pair(value: &Expr, what: &str, zero: &str, cx: &mut Ctxt) -> Option<[usize; 2]> {
    let literal = |expr: &Expr| match expr {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => Some(lit.clone()),
        _ => None,
    };
    let lits = match value {
        Expr::Tuple(tuple) if tuple.elems.len() == 2 => tuple.elems.iter().map(literal).collect::<Option<Vec<_>>>(),
        Expr::Paren(inner) => literal(&inner.expr).map(|lit| vec![lit.clone(), lit]),
        single => literal(single).map(|lit| vec![lit.clone(), lit]),
    };
    let Some(lits) = lits else {
        cx.error_spanned_by(value, format_args!("{what} is a size or a pair of sizes, e.g. `3` or `(3, 5)`"));
        return None;
    };
    let sizes = [size_or(&lits[0], zero, cx), size_or(&lits[1], zero, cx)];
    sizes.iter().all(|s| *s > 0).then_some(sizes)
}

/// A `pair` from a size argument (`3`) or any other (`(3, 5)`).
pub fn pair_arg(arg: &Arg, what: &str, zero: &str, cx: &mut Ctxt) -> Option<[usize; 2]> {
    match arg {
        Arg::Size { input: None, output } => {
            let n = size_or(output, zero, cx);
            (n > 0).then_some([n, n])
        }
        Arg::Other(expr) => pair(expr, what, zero, cx),
        other => {
            cx.error_spanned_by(
                tokens(other),
                format_args!("{what} is a size or a pair of sizes, e.g. `3` or `(3, 5)`"),
            );
            None
        }
    }
}

/// A number literal (integer or float) as `f32`, or an error on it.
pub fn number(value: &Expr, what: &str, cx: &mut Ctxt) -> Option<f32> {
    let parsed = match value {
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(lit), .. }) => lit.base10_parse::<f32>(),
        Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => lit.base10_parse::<f32>(),
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

/// A number argument: an integer written as a size (`0`) or any other expression (`0.2`).
pub fn number_arg(arg: &Arg, what: &str, cx: &mut Ctxt) -> Option<f32> {
    match arg {
        Arg::Size { input: None, output } => {
            let expr = Expr::Lit(syn::ExprLit { attrs: Vec::new(), lit: syn::Lit::Int(output.clone()) });
            number(&expr, what, cx)
        }
        Arg::Other(expr) => number(expr, what, cx),
        other => {
            cx.error_spanned_by(tokens(other), format_args!("{what} must be a number"));
            None
        }
    }
}

/// Rule: a penalty factor is a number >= 0.
pub fn non_negative(value: &Expr, what: &str, cx: &mut Ctxt) -> Option<f32> {
    if let Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), .. }) = value {
        cx.error_spanned_by(value, format_args!("{what} must be zero or more"));
        return None;
    }
    number(value, what, cx)
}

/// Rule: an unknown name is an error on the name, with the closest known name
/// when one is close.
pub fn unknown_name(ident: &Ident, what: &str, known: &[&str], cx: &mut Ctxt) {
    let word = ident.to_string();
    let message = match closest(&word, known) {
        Some(near) => format!("unknown {what} `{word}`; did you mean `{near}`?"),
        None => format!("unknown {what} `{word}`; expected one of: {}", known.join(", ")),
    };
    cx.error_spanned_by(ident, message);
}

/// Rule: a name option (`padding = same`) is one identifier among `known`.
pub fn name<'a>(value: &Expr, what: &str, known: &[&'a str], cx: &mut Ctxt) -> Option<&'a str> {
    let ident = match value {
        Expr::Path(path) => path.path.get_ident(),
        _ => None,
    };
    let Some(ident) = ident else {
        cx.error_spanned_by(value, format_args!("expected a {what}, one of: {}", known.join(", ")));
        return None;
    };
    let found = known.iter().find(|k| ident == *k).copied();
    if found.is_none() {
        unknown_name(ident, what, known, cx);
    }
    found
}

/// Rule: a stated input size equals the size flowing in, reported on the
/// stated number: "this layer states 3 input channels, but the layer before
/// it gives 1 channel".
pub fn stated_matches(stated: &LitInt, incoming: usize, units: Units<'_>, cx: &mut Ctxt) {
    let stated_size = size(stated, "the stated input size", cx);
    if stated_size != 0 && stated_size != incoming {
        cx.error_spanned_by(
            stated,
            format_args!(
                "this layer states {}, but the layer before it gives {}",
                count(stated_size, units.0),
                count(incoming, units.1)
            ),
        );
    }
}

/// What a stated size counts, and what the layer before gives, each as
/// `(singular, plural)`.
pub type Units<'a> = ((&'a str, &'a str), (&'a str, &'a str));

/// `1 channel`, `3 channels`: `unit` is `(singular, plural)`.
pub fn count(n: usize, (singular, plural): (&str, &str)) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A checked activation: its nn-core type (`Relu`, `LeakyRelu<1050253722>`),
/// its summary label, and whether PyTorch has a module for it (`linear` is none).
pub struct ActivationChoice {
    pub ty: TokenStream,
    pub label: String,
    pub module: bool,
}

/// Rule: an activation is one of `vocab::ACTIVATIONS`, written `name` or, for
/// those with a parameter, `name(value)`; an unknown one is reported and
/// replaced by `linear`. No argument means `linear`.
pub fn activation(arg: Option<&Arg>, cx: &mut Ctxt) -> ActivationChoice {
    let linear = || ActivationChoice { ty: quote!(Linear), label: "linear".into(), module: false };
    let (ident, value) = match arg {
        None => return linear(),
        Some(Arg::Path(path)) => match path.get_ident() {
            Some(ident) => (ident.clone(), None),
            None => {
                cx.error_spanned_by(path, "expected an activation name, e.g. `relu`");
                return linear();
            }
        },
        Some(Arg::Other(Expr::Call(call))) => {
            let ident = match &*call.func {
                Expr::Path(path) => path.path.get_ident().cloned(),
                _ => None,
            };
            match (ident, call.args.first(), call.args.len()) {
                (Some(ident), Some(value), 1) => (ident, Some(value.clone())),
                _ => {
                    cx.error_spanned_by(call, "expected an activation, e.g. `relu` or `leaky_relu(0.2)`");
                    return linear();
                }
            }
        }
        Some(other) => {
            cx.error_spanned_by(tokens(other), "expected an activation name, e.g. `relu`");
            return linear();
        }
    };
    named_activation(&ident, value.as_ref(), cx)
}

/// Rule: the activation `ident` is one of `vocab::ACTIVATIONS`, given `value`
/// as its parameter only if it takes one (`leaky_relu(0.2)`); an unknown one
/// is reported and replaced by `linear`.
pub fn named_activation(ident: &Ident, value: Option<&Expr>, cx: &mut Ctxt) -> ActivationChoice {
    let linear = || ActivationChoice { ty: quote!(Linear), label: "linear".into(), module: false };
    let word = ident.to_string();
    let Some(spec) = crate::vocab::ACTIVATIONS.iter().find(|a| a.name == word) else {
        let names: Vec<&str> = crate::vocab::ACTIVATIONS.iter().map(|a| a.name).collect();
        unknown_name(ident, "activation", &names, cx);
        return linear();
    };
    let ty = Ident::new(spec.ty, ident.span());
    let module = spec.name != "linear";
    match (spec.parameter, value) {
        (None, None) => ActivationChoice { ty: quote!(#ty), label: word, module },
        (None, Some(value)) => {
            cx.error_spanned_by(value, format_args!("`{word}` takes no parameter"));
            ActivationChoice { ty: quote!(#ty), label: word, module }
        }
        (Some(default), value) => {
            let parameter = match value {
                Some(value) => number(value, &format!("the parameter of `{word}`"), cx).unwrap_or(default),
                None => default,
            };
            let bits = proc_macro2::Literal::u32_unsuffixed(parameter.to_bits());
            ActivationChoice { ty: quote!(#ty<#bits>), label: format!("{word}({parameter})"), module }
        }
    }
}

/// Rule: `init = NAME` names one of `vocab::INITIALISERS`; returns its `Init` variant.
pub fn initialiser(value: &Expr, cx: &mut Ctxt) -> Option<Ident> {
    let names: Vec<&str> = crate::vocab::INITIALISERS.iter().map(|(name, _)| *name).collect();
    let word = name(value, "initialiser", &names, cx)?;
    let variant = crate::vocab::INITIALISERS.iter().find(|(name, _)| *name == word).map(|(_, v)| *v)?;
    Some(Ident::new(variant, syn::spanned::Spanned::span(value)))
}
