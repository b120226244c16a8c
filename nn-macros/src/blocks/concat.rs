//! `concat { [..], [..], .. }`: branches from the same input, their outputs
//! joined: images along their channels, vectors end to end, sequences
//! feature by feature at each step. PyTorch: a module whose forward is
//! `torch.cat([branch(x) for branch in self.branches], dim=1)` (`dim=2` for
//! a sequence, batch first).

use super::add::block_layer;
use super::{branch_rows, branches, build_branches, items, no_arguments, Build};
use crate::ast::{Block, LayerSpec};
use crate::ctxt::Ctxt;
use crate::layers::Planned;
use crate::shape::{Shape, Width};
use quote::quote;

/// Rules: two or more branches giving the same kind of shape, images of one
/// height and width, sequences of one length; the result's channels (or
/// features) are their sum.
pub fn check(spec: &LayerSpec, block: &Block, incoming: &Shape, cx: &mut Ctxt, build: &Build<'_>) -> Option<Planned> {
    no_arguments(spec, cx);
    let branches = branches(spec, block, cx)?;
    let (built, clean) = build_branches(branches, incoming, build, cx)?;
    let first = &built[0].output;
    let mut ok = true;
    for (i, (b, written)) in built.iter().zip(branches).enumerate().skip(1).filter(|_| clean) {
        let problem = match (first, &b.output) {
            (Shape::Image([_, h, w]), Shape::Image([_, h2, w2])) if (h, w) != (h2, w2) => {
                Some("joins images along their channels, so their heights and widths must agree")
            }
            (Shape::Sequence([t, _]), Shape::Sequence([t2, _])) if t != t2 => {
                Some("joins sequences step by step, so their numbers of steps must agree")
            }
            (Shape::Image(_), Shape::Image(_))
            | (Shape::Sequence(_), Shape::Sequence(_))
            | (Shape::Vector(_), Shape::Vector(_)) => None,
            _ => Some("joins branches that give the same kind of values (images, sequences or vectors)"),
        };
        if let Some(problem) = problem {
            ok = false;
            cx.syn_error(syn::Error::new(
                written.bracket,
                format_args!(
                    "`concat` {problem}: branch 1 gives {}, branch {} gives {}",
                    first.in_words(),
                    i + 1,
                    b.output.in_words()
                ),
            ));
        }
    }
    if !ok {
        return None;
    }
    let known = |shape: &Shape| match shape.flat() {
        Width::Known(n) => n,
        Width::Expr(_) => 0,
    };
    let (output, steps) = match first {
        Shape::Image([_, h, w]) => {
            let c = built.iter().map(|b| known(&b.output) / (h * w)).sum();
            (Shape::Image([c, *h, *w]), 1)
        }
        Shape::Sequence([t, _]) => {
            let f = built.iter().map(|b| known(&b.output) / t).sum();
            (Shape::Sequence([*t, f]), *t)
        }
        Shape::Vector(_) => (Shape::Vector(Width::Known(built.iter().map(|b| known(&b.output)).sum())), 1),
    };
    // More than two branches nest: `Concat<B0, Concat<B1, B2, S, N1, N2>, S, N0, N1 + N2>`.
    let mut rest: Option<(proc_macro2::TokenStream, usize)> = None;
    for b in built.iter().rev() {
        let (ty, width) = (b.ty.clone(), known(&b.output));
        rest = Some(match rest {
            None => (ty, width),
            Some((rest, rest_width)) => {
                (quote!(::nn::__private::layers::Concat<#ty, #rest, #steps, #width, #rest_width>), width + rest_width)
            }
        });
    }
    let ty = rest.map(|(ty, _)| ty).unwrap_or_default();
    let rows = branch_rows(&built, |i| format!("branch {}", i + 1));
    Some(block_layer(output, "concat", ty, rows, items(&built)))
}
