//! `global_avgpool2d`: each channel's mean. PyTorch: `AdaptiveAvgPool2d(1)`
//! then `Flatten()`, two modules.

use super::{image_input, no_arguments, Code, Planned};
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use quote::quote;

/// Rules: no arguments; an image `[C, H, W]` in, a vector of `C` out.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    no_arguments(spec, cx);
    let [c, h, w] = image_input(spec, incoming, cx)?;
    Some(Planned::new(
        Shape::Vector(Width::Known(c)),
        "global_avgpool2d",
        2,
        Some(Code::plain(
            quote!(::nn::__private::layers::GlobalAvgPool2d<#c, #h, #w>),
            Some(quote!(::nn::__private::view::GlobalAvgPool2dView<#c, #h, #w>)),
        )),
    ))
}
