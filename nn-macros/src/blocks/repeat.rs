//! `repeat(N) { .. }`: N copies of its layers one after another, each copy
//! with weights of its own. PyTorch: an `nn.Sequential` of the N copies,
//! each an `nn.Sequential` of the layers.

use super::add::block_layer;
use super::{checked, layer_list, Build, SubNet};
use crate::args;
use crate::ast::{Arg, Block, LayerSpec};
use crate::ctxt::Ctxt;
use crate::layers::{Planned, Row};
use crate::shape::Shape;
use quote::quote;

/// Rules: one count of copies, at least 1; with more than one, the body
/// gives back the shape it receives (each copy takes what the one before
/// gives).
pub fn check(spec: &LayerSpec, block: &Block, incoming: &Shape, cx: &mut Ctxt, build: &Build<'_>) -> Option<Planned> {
    let args = args::split(spec, &[], cx);
    let copies = match args.positional.as_slice() {
        [Arg::Size { input: None, output }] => {
            args::size_or(output, "`repeat(0)` has no copies; a repeat holds at least one", cx)
        }
        _ => {
            cx.error_spanned_by(
                &spec.tokens,
                "`repeat` takes how many copies of its layers to stack, e.g. `repeat(2) { .. }`",
            );
            return None;
        }
    };
    let entries = layer_list(spec, block, "repeat(2) { residual { conv2d(16, 3, padding = same), relu } }", cx)?;
    let sub = SubNet { entries, input: incoming, part: "Body".into(), span: block.brace };
    let (body, clean) = checked(build, &sub, cx)?;
    if clean && copies > 1 && body.output.describe() != incoming.describe() {
        cx.syn_error(syn::Error::new(
            block.brace,
            format_args!(
                "`repeat({copies})` feeds each copy what the one before gives, so its layers must give back the \
                 shape they receive: they receive {}, and give {}; write the layers that change the shape before \
                 the `repeat`",
                incoming.describe(),
                body.output.describe()
            ),
        ));
    }
    let (ty, width) = (&body.ty, incoming.flat());
    let layer = quote!(::nn::__private::layers::Repeat<#ty, #copies, #width>);
    let mut rows = Vec::new();
    for copy in 0..copies {
        rows.push(Row {
            depth: 0,
            label: format!("copy {}", copy + 1),
            output: body.output.summary_tokens(),
            params: quote!(<#ty as ::nn::__private::Layer>::PARAMS),
            state: quote!(<#ty as ::nn::__private::Layer>::STATE),
        });
        rows.extend(body.rows.iter().cloned().map(Row::indented));
    }
    Some(block_layer(body.output.clone(), &format!("repeat ({copies})"), layer, rows, body.items))
}
