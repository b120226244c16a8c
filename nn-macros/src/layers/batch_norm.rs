//! `batch_norm` and `batch_norm(momentum = ..., epsilon = ...)`: normalises
//! each feature of a vector or each channel of an image. PyTorch:
//! `BatchNorm1d(C, eps, momentum = 1 - momentum)` or `BatchNorm2d(...)`.

use super::{Code, Planned};
use crate::args;
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use proc_macro2::TokenStream;
use quote::quote;

const OPTIONS: &[&str] = &["momentum", "epsilon"];

/// Rules: only options; `0 <= momentum < 1`, `epsilon > 0`; a vector (per
/// feature) or an image (per channel) flowing in; the shape passes through.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, OPTIONS, cx);
    if let Some(first) = args.positional.first() {
        cx.error_spanned_by(
            args::tokens(first),
            "`batch_norm` takes only named options: `momentum = ...`, `epsilon = ...`",
        );
    }
    let mut configure = TokenStream::new();
    // Keras' epsilon, which `BatchNorm::new` also starts from.
    let mut epsilon = 1e-3f32;
    if let Some(value) = args.option("momentum") {
        match args::number(value, "`momentum`", cx) {
            Some(m) if (0.0..1.0).contains(&m) => configure.extend(quote!(.with_momentum(#m))),
            Some(m) => cx.error_spanned_by(
                value,
                format_args!("`momentum` is the weight of the old moving statistics, in [0, 1); found {m}"),
            ),
            None => {}
        }
    }
    if let Some(value) = args.option("epsilon") {
        match args::number(value, "`epsilon`", cx) {
            Some(e) if e > 0.0 => {
                epsilon = e;
                configure.extend(quote!(.with_epsilon(#e)));
            }
            Some(e) => cx.error_spanned_by(
                value,
                format_args!("`epsilon` keeps the division away from zero and must be above 0; found {e}"),
            ),
            None => {}
        }
    }
    let (channels, spatial): (Width, usize) = match incoming {
        Shape::Vector(width) => (width.clone(), 1),
        Shape::Image([c, h, w]) => (Width::Known(*c), h * w),
        other => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`batch_norm` takes a vector or an image, but it receives {}; put `flatten` before it",
                    other.in_words()
                ),
            );
            return None;
        }
    };
    let bits = proc_macro2::Literal::u32_unsuffixed(epsilon.to_bits());
    let mut code = Code::plain(
        quote!(::nn::__private::layers::BatchNorm<#channels, #spatial>),
        Some(quote!(::nn::__private::view::BatchNormView<#channels, #spatial, #bits>)),
    );
    code.configure = configure;
    Some(Planned::new(incoming.clone(), "batch_norm", 1, Some(code)))
}
