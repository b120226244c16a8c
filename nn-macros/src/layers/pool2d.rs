//! `maxpool2d(SIZE, options)` and `avgpool2d(SIZE, options)`: the largest or
//! the mean value of each window of each channel. PyTorch: `MaxPool2d(SIZE)`,
//! `AvgPool2d(SIZE)` (for `padding = same`, see docs/guide/05-weights-and-deploy.md).

use super::{image_input, window, Code, Fusion, Planned};
use crate::args;
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::Shape;
use proc_macro2::TokenStream;
use quote::quote;

const OPTIONS: &[&str] = &["stride", "padding"];

/// `maxpool2d`, which a `conv2d` before it runs sample by sample.
pub fn check_max(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let mut planned = check(spec, incoming, (quote!(MaxPool2d), quote!(MaxPool2dView)), cx)?;
    if let Some(code) = &mut planned.code {
        code.fusion = Fusion::Follows;
    }
    Some(planned)
}

/// `avgpool2d`.
pub fn check_avg(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    check(spec, incoming, (quote!(AvgPool2d), quote!(AvgPool2dView)), cx)
}

/// Rules: one window size (`2` or `(2, 3)`); an image flowing in; the window
/// rules of `window::check`, with the stride the window itself unless given
/// (Keras' default). `layer` names its nn-core type in `layers` and in `view`.
fn check(
    spec: &LayerSpec,
    incoming: &Shape,
    (layer, view): (TokenStream, TokenStream),
    cx: &mut Ctxt,
) -> Option<Planned> {
    let name = spec.name.to_string();
    let args = args::split(spec, OPTIONS, cx);
    let [size] = args.positional.as_slice() else {
        cx.error_spanned_by(
            &spec.tokens,
            format_args!("`{name}` takes one window size, e.g. `{name}(2)` or `{name}((2, 3))`"),
        );
        return None;
    };
    let [c, h, w] = image_input(spec, incoming, cx)?;
    let window = window::check(size, &args, [h, w], "window", None, cx)?;
    let ([ph, pw], [sh, sw], same, [oh, ow]) = (window.size, window.stride, window.same, window.output);
    Some(Planned::new(
        Shape::Image([c, oh, ow]),
        name,
        1,
        Some(Code::plain(
            quote!(::nn::__private::layers::#layer<#c, #h, #w, #ph, #pw, #sh, #sw, #same>),
            Some(quote!(::nn::__private::view::#view<#c, #h, #w, #ph, #pw, #sh, #sw, #same>)),
        )),
    ))
}
