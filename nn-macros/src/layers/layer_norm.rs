//! `layer_norm` and `layer_norm(epsilon = ...)`: normalises the last
//! dimension of a vector, or of each step of a sequence. PyTorch:
//! `LayerNorm(F, eps)`.

use super::{Code, Planned};
use crate::args;
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use quote::quote;

const OPTIONS: &[&str] = &["epsilon"];

/// PyTorch's default epsilon (Keras' is 1e-3).
const EPSILON: f32 = 1e-5;

/// Rules: only options; `epsilon > 0`; a vector or a sequence flowing in
/// (normalised over its features), not an image; the shape passes through.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, OPTIONS, cx);
    if let Some(first) = args.positional.first() {
        cx.error_spanned_by(args::tokens(first), "`layer_norm` takes only the named option `epsilon = ...`");
    }
    let epsilon = match args.option("epsilon") {
        None => EPSILON,
        Some(value) => match args::number(value, "`epsilon`", cx) {
            Some(e) if e > 0.0 => e,
            Some(e) => {
                cx.error_spanned_by(
                    value,
                    format_args!("`epsilon` keeps the division away from zero and must be above 0; found {e}"),
                );
                EPSILON
            }
            None => EPSILON,
        },
    };
    let (width, features) = match incoming {
        Shape::Vector(width) => (width.clone(), width.clone()),
        Shape::Sequence([steps, features]) => (Width::Known(steps * features), Width::Known(*features)),
        Shape::Image(_) => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`layer_norm` normalises the last dimension of a vector or of each step of a sequence, but it \
                     receives {}; normalise each channel with `batch_norm`, or `flatten` first",
                    incoming.in_words()
                ),
            );
            return None;
        }
    };
    let bits = proc_macro2::Literal::u32_unsuffixed(epsilon.to_bits());
    Some(Planned::new(
        incoming.clone(),
        "layer_norm",
        1,
        Some(Code::plain(
            quote!(::nn::__private::layers::LayerNorm<#width, #features, #bits>),
            Some(quote!(::nn::__private::view::LayerNormView<#width, #features, #bits>)),
        )),
    ))
}
