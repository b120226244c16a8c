//! `reshape([..])`: the values as they are stored, read as another shape of
//! as many values: `[N]` (a vector), `[T, F]` (a sequence) or `[C, H, W]` (an
//! image). Nothing to compute: the layer has no field, and in ONNX it is a
//! `Reshape` (or, to one dimension, a `Flatten`). PyTorch: a module of its
//! own (`Unflatten(1, (..))` when it receives a vector).

use super::Planned;
use crate::args;
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use syn::{Expr, LitInt};

/// Rules: one shape in brackets of one, two or three non-zero sizes, which
/// hold as many values as the shape flowing in.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, &[], cx);
    let lits = match args.positional.as_slice() {
        [Arg::Other(Expr::Array(array))] => sizes(array, cx)?,
        _ => {
            cx.error_spanned_by(
                &spec.tokens,
                "`reshape` takes the shape it gives, in brackets: `reshape([784])`, `reshape([16, 49])` or \
                 `reshape([4, 7, 7])`",
            );
            return None;
        }
    };
    let dims: Vec<usize> = lits
        .iter()
        .map(|lit| args::size_or(lit, "a dimension of `reshape` is 0; each holds at least one value", cx))
        .collect();
    if dims.contains(&0) {
        return None;
    }
    let output = match dims[..] {
        [n] => Shape::Vector(Width::Known(n)),
        [t, f] => Shape::Sequence([t, f]),
        [c, h, w] => Shape::Image([c, h, w]),
        _ => return None,
    };
    // Planned even when the sizes differ, so that the layers after it are
    // checked against the shape it states, not against one it would not give.
    holds_what_it_receives(spec, &dims, incoming, cx);
    Some(Planned::new(output, "reshape", 1, None))
}

/// Rule: the shape is one to three integer sizes in brackets. Returns them,
/// or `None` after reporting what is wrong.
fn sizes(array: &syn::ExprArray, cx: &mut Ctxt) -> Option<Vec<LitInt>> {
    let mut lits = Vec::new();
    for elem in &array.elems {
        match elem {
            Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(lit), .. }) => lits.push(lit.clone()),
            other => {
                cx.error_spanned_by(other, "a dimension of `reshape` is a size, e.g. `reshape([16, 49])`");
                return None;
            }
        }
    }
    if lits.is_empty() || lits.len() > 3 {
        cx.error_spanned_by(
            array,
            format_args!(
                "`reshape` gives a vector `[N]`, a sequence `[steps, features]` or an image `[channels, height, \
                 width]`; found {} sizes",
                lits.len()
            ),
        );
        return None;
    }
    Some(lits)
}

/// Rule: the shape holds as many values as the layer receives (which the
/// macro must know: not the output of a nested network), reported at the
/// layer with both sizes: "reshape to [16, 50] holds 800 values, but it
/// receives [1, 28, 28] = 784".
fn holds_what_it_receives(spec: &LayerSpec, dims: &[usize], incoming: &Shape, cx: &mut Ctxt) {
    let Width::Known(received) = incoming.flat() else {
        cx.error_spanned_by(
            &spec.tokens,
            "`reshape` must know how many values it receives, but the output width of a nested network is known \
             only to the compiler; reshape inside the nested network instead",
        );
        return;
    };
    let Some(held) = dims.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d)) else {
        cx.error_spanned_by(&spec.tokens, "this shape has more values than a `usize` can count");
        return;
    };
    if held == received {
        return;
    }
    let list = |dims: &[usize]| dims.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    let receives = match incoming {
        Shape::Vector(_) => format!("a vector of {received} values"),
        Shape::Sequence(d) => format!("[{}] = {received}", list(d)),
        Shape::Image(d) => format!("[{}] = {received}", list(d)),
    };
    cx.error_spanned_by(
        &spec.tokens,
        format_args!("reshape to [{}] holds {held} values, but it receives {receives}", list(dims)),
    );
}
