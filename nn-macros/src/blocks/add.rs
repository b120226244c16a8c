//! `add { [..], [..], .. }`: branches from the same input, their outputs
//! summed; `residual { .. }`: its body's output added to its input (`add {
//! [..], [] }` with the body's tensors under `body`). PyTorch: a module whose
//! forward is `sum(branch(x) for branch in self.branches)`, or `x +
//! self.body(x)`.

use super::{branch_rows, branches, build_branches, checked, items, layer_list, no_arguments, Build, SubNet};
use crate::ast::{Block, LayerSpec};
use crate::ctxt::Ctxt;
use crate::layers::{Code, Planned, Row};
use crate::shape::Shape;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};

/// Rules: two or more branches, each giving the same shape.
pub fn check_add(
    spec: &LayerSpec,
    block: &Block,
    incoming: &Shape,
    cx: &mut Ctxt,
    build: &Build<'_>,
) -> Option<Planned> {
    no_arguments(spec, cx);
    let branches = branches(spec, block, cx)?;
    let (built, clean) = build_branches(branches, incoming, build, cx)?;
    let output = built[0].output.clone();
    for (i, (b, written)) in built.iter().zip(branches).enumerate().skip(1) {
        if clean && b.output.describe() != output.describe() {
            cx.syn_error(syn::Error::new(
                written.bracket,
                format_args!(
                    "`add` sums its branches, so each must give the same shape: branch 1 gives {}, branch {} gives {}",
                    output.describe(),
                    i + 1,
                    b.output.describe()
                ),
            ));
        }
    }
    let width = output.flat();
    // More than two branches nest: `Add<B0, Add<B1, B2, N>, N>`.
    let ty = built
        .iter()
        .rev()
        .map(|b| b.ty.clone())
        .reduce(|rest, ty| quote!(::nn::__private::layers::Add<#ty, #rest, #width>))
        .unwrap_or_default();
    let rows = branch_rows(&built, |i| format!("branch {}", i + 1));
    Some(block_layer(output, "add", ty, rows, items(&built)))
}

/// Rules: a list of layers that gives back the shape it receives.
pub fn check_residual(
    spec: &LayerSpec,
    block: &Block,
    incoming: &Shape,
    cx: &mut Ctxt,
    build: &Build<'_>,
) -> Option<Planned> {
    no_arguments(spec, cx);
    let entries = layer_list(spec, block, "residual { conv2d(16, 3, padding = same), batch_norm }", cx)?;
    let sub = SubNet { entries, input: incoming, part: "Body".into(), span: block.brace };
    let (body, clean) = checked(build, &sub, cx)?;
    if clean && body.output.describe() != incoming.describe() {
        cx.syn_error(syn::Error::new(
            block.brace,
            format_args!(
                "`residual` adds its input to its body's output, so the body must give back the shape it \
                 receives: it receives {}, its body gives {}; to change the shape, use `add` with a projection \
                 branch that gives the body's shape, e.g. `add {{ [..], [{}] }}`",
                incoming.describe(),
                body.output.describe(),
                projection(incoming, &body.output)
            ),
        ));
    }
    let (ty, width) = (&body.ty, incoming.flat());
    let ty = quote!(::nn::__private::layers::Residual<#ty, #width>);
    Some(block_layer(incoming.clone(), "residual", ty, body.rows, body.items))
}

/// A layer that takes `from` to the shape `to`, for the hint: a 1x1
/// convolution with the stride that halves (or divides) the image, or a
/// dense layer.
fn projection(from: &Shape, to: &Shape) -> String {
    match (from, to) {
        (Shape::Image([_, h, _]), Shape::Image([c, h2, _])) if *h2 > 0 && h % h2 == 0 && h / h2 > 1 => {
            format!("conv2d({c}, 1, stride = {}), batch_norm", h / h2)
        }
        (Shape::Image(_), Shape::Image([c, ..])) => format!("conv2d({c}, 1), batch_norm"),
        (_, Shape::Sequence([_, f])) => format!("dense({f})"),
        (_, to) => format!("dense({})", to.flat().to_token_stream()),
    }
}

/// A block as a layer of the network: one module, its type its own view's.
pub fn block_layer(output: Shape, label: &str, ty: TokenStream, rows: Vec<Row>, items: TokenStream) -> Planned {
    let mut planned = Planned::new(output, label, 1, Some(Code::plain(ty.clone(), Some(ty))));
    planned.nested = rows.into_iter().map(Row::indented).collect();
    planned.items = items;
    planned
}
