//! `conv2d(FILTERS, KERNEL, activation, options)` and `conv2d(C => FILTERS, ...)`:
//! a 2-D convolution over an image. PyTorch: `Conv2d(C, FILTERS, KERNEL,
//! stride, padding)`, then the activation's module; `use_bias = false` is `bias=False`.

use super::{image_input, use_bias, weight_options, window, Code, Fusion, Planned};
use crate::args::{self, ActivationChoice};
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::Shape;
use quote::quote;

const OPTIONS: &[&str] = &["stride", "padding", "init", "l1", "l2", "use_bias"];

/// Rules: the number of filters first (with the input channels stated as
/// `C => F` if wished, which must equal the channels flowing in), then the
/// kernel, then an optional activation that works value by value; an image
/// flowing in; the window rules of `window::check` (stride default 1).
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, OPTIONS, cx);
    let (stated, filters) = match args.positional.first() {
        Some(Arg::Size { input, output }) => (input.clone(), output.clone()),
        Some(other) => {
            cx.error_spanned_by(
                args::tokens(other),
                "`conv2d` takes its number of filters first, e.g. `conv2d(32, 3, relu)`",
            );
            return None;
        }
        None => {
            cx.error_spanned_by(
                &spec.tokens,
                "`conv2d` needs a number of filters and a kernel size, e.g. `conv2d(32, 3, relu)`",
            );
            return None;
        }
    };
    let Some(kernel) = args.positional.get(1) else {
        cx.error_spanned_by(
            &spec.tokens,
            "`conv2d` needs a kernel size after its filters, e.g. `conv2d(32, 3, relu)` or `conv2d(32, (3, 5))`",
        );
        return None;
    };
    if let Some(extra) = args.positional.get(3) {
        cx.error_spanned_by(
            args::tokens(extra),
            "after its filters, kernel and activation, `conv2d` takes named options: `stride = ...`, `padding = ...`, `init = ...`, `l1 = ...`, `l2 = ...`, `use_bias = false`",
        );
    }
    let ActivationChoice { ty: activation, label, module } = args::activation(args.positional.get(2).copied(), cx);
    if label == "softmax" {
        cx.error_spanned_by(
            args::tokens(args.positional[2]),
            "`softmax` turns a vector into probabilities; put it on a `dense` layer after `flatten`",
        );
    }
    let bias = use_bias(&args, cx);
    let f = args::size_or(&filters, "the number of filters is 0; a convolution has at least one filter", cx);
    let [c, h, w] = image_input(spec, incoming, cx)?;
    if let Some(stated) = &stated {
        args::stated_matches(stated, c, (("input channel", "input channels"), ("channel", "channels")), cx);
    }
    let window = window::check(kernel, &args, [h, w], "kernel", Some([1, 1]), cx)?;
    let ([kh, kw], [sh, sw], same, [oh, ow]) = (window.size, window.stride, window.same, window.output);
    let params = quote!(#c, #h, #w, #f, #kh, #kw, #sh, #sw, #same, ::nn::__private::act::#activation #bias);
    let ty = quote!(::nn::__private::layers::Conv2d<#params>);
    let view = Some(quote!(::nn::__private::view::Conv2dView<#params>));
    let (init, configure) = weight_options(&ty, &args, cx);
    Some(Planned::new(
        Shape::Image([f, oh, ow]),
        format!("conv2d ({label})"),
        1 + usize::from(module),
        Some(Code { ty, init, configure, activated: true, type_checks: Vec::new(), view, fusion: Fusion::Leads }),
    ))
}
