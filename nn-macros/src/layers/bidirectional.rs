//! `bidirectional(lstm(U))` (or of `gru`, `simple_rnn`): the recurrent layer
//! over the sequence in both directions, outputs side by side. PyTorch: the
//! same module with `bidirectional=True`, its tensors for the backward
//! direction ending in `_reverse`.

use super::{recurrent, Code, Planned};
use crate::args;
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::Shape;
use quote::{quote, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;

const RECURRENT: &[&str] = &["lstm", "gru", "simple_rnn"];

/// Rules: one recurrent layer, written as it would be on its own, whose
/// rules apply; twice its units flow out.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let usage = "`bidirectional` takes one recurrent layer, e.g. `bidirectional(lstm(64))`";
    let call = match spec.args.as_deref() {
        Some([Arg::Other(syn::Expr::Call(call))]) => call,
        Some([Arg::Path(path)]) => {
            cx.error_spanned_by(path, format_args!("{usage}: give the layer its units"));
            return None;
        }
        _ => {
            cx.error_spanned_by(&spec.tokens, usage);
            return None;
        }
    };
    let name = match &*call.func {
        syn::Expr::Path(path) => path.path.get_ident().cloned(),
        _ => None,
    };
    let Some(name) = name else {
        cx.error_spanned_by(&call.func, usage);
        return None;
    };
    if !RECURRENT.iter().any(|kind| name == kind) {
        args::unknown_name(&name, "recurrent layer", RECURRENT, cx);
        return None;
    }
    let parsed = Punctuated::<Arg, syn::Token![,]>::parse_terminated.parse2(call.args.to_token_stream());
    let inner_args = match parsed {
        Ok(args) => args.into_iter().collect(),
        Err(error) => {
            cx.syn_error(error);
            return None;
        }
    };
    let inner = LayerSpec { name, args: Some(inner_args), tokens: call.to_token_stream(), block: None };
    let plan = recurrent::check(&inner, incoming, cx)?;
    let units = plan.units;
    let ty = plan.layer(quote!(Bidirectional));
    let mut code = Code::plain(ty.clone(), Some(plan.view(quote!(BidirectionalView))));
    code.init = plan.init().map(|direction| quote!(<#ty>::with(rng, |rng| #direction)));
    Some(Planned::new(plan.output(2 * units), format!("bidirectional ({})", plan.label), 2, Some(code)))
}
