//! `dropout(RATE)`: drops values in training, on any shape. PyTorch: `Dropout(RATE)`.

use super::{Code, Planned};
use crate::args;
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::Shape;
use quote::quote;

/// Rule: one number, `0 <= rate < 1`; the shape passes through.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, &[], cx);
    let [rate] = args.positional.as_slice() else {
        cx.error_spanned_by(&spec.tokens, "`dropout` takes one rate, e.g. `dropout(0.2)`");
        return None;
    };
    let value = args::number_arg(rate, "the dropout rate", cx)?;
    if !(0.0..1.0).contains(&value) {
        cx.error_spanned_by(
            args::tokens(rate),
            format_args!("a dropout rate is a probability in [0, 1); found {value}"),
        );
        return None;
    }
    let width = incoming.flat();
    let bits = proc_macro2::Literal::u32_unsuffixed(value.to_bits());
    Some(Planned::new(
        incoming.clone(),
        format!("dropout ({value})"),
        1,
        // A view runs inference, where dropout is the identity: it skips it.
        Some(Code::plain(quote!(::nn::__private::layers::Dropout<#width, #bits>), None)),
    ))
}
