//! `dense(OUT, activation, options)` and `dense(IN => OUT, ...)`: a fully
//! connected layer on a vector, or on every step of a sequence. PyTorch:
//! `Linear(IN, OUT)` (which works on the last dimension), then the
//! activation's module; `use_bias = false` is `bias=False`.

use super::{use_bias, weight_options, Code, Fusion, Planned};
use crate::args::{self, ActivationChoice};
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use quote::{quote, quote_spanned};

const OPTIONS: &[&str] = &["init", "l1", "l2", "use_bias"];

/// Rules: a size first, then an optional activation (default `linear`), then
/// options; a vector flowing in; a stated input size equal to the width flowing in.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, OPTIONS, cx);
    let (stated, output) = match args.positional.first() {
        Some(Arg::Size { input, output }) => (input.clone(), output.clone()),
        Some(other) => {
            cx.error_spanned_by(
                args::tokens(other),
                "`dense` takes its output size first, e.g. `dense(128, relu)` or `dense(784 => 128, relu)`",
            );
            return None;
        }
        None => {
            cx.error_spanned_by(&spec.tokens, "`dense` needs an output size, e.g. `dense(128, relu)`");
            return None;
        }
    };
    if let Some(extra) = args.positional.get(2) {
        cx.error_spanned_by(
            args::tokens(extra),
            "after its size and activation, `dense` takes named options: `init = ...`, `l1 = ...`, `l2 = ...`, \
             `use_bias = false`",
        );
    }
    let ActivationChoice { ty: activation, label, module } = args::activation(args.positional.get(1).copied(), cx);
    let out = args::size(&output, "the output size", cx);
    let bias = use_bias(&args, cx);
    // On a sequence, the same layer on every step (Keras' `Dense` on a
    // sequence): `[T, F]` in, `[T, out]` out.
    let steps = match incoming {
        Shape::Sequence([steps, _]) => Some(*steps),
        _ => None,
    };
    let input = match incoming {
        Shape::Vector(width) => width.clone(),
        Shape::Sequence([_, features]) => Width::Known(*features),
        other => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!("`dense` takes a vector, but it receives {}; put `flatten` before it", other.in_words()),
            );
            other.flat()
        }
    };
    let mut type_checks = Vec::new();
    // The type takes the stated size as its input width: the compiler then
    // checks it against a nested network's output width, at the stated number.
    let type_input = match (&stated, &input) {
        (Some(stated), Width::Known(n)) => {
            args::stated_matches(stated, *n, (("input", "inputs"), ("output", "outputs")), cx);
            input.clone()
        }
        (Some(stated), Width::Expr(_)) => {
            let span = stated.span();
            let ty = quote_spanned!(span=> ::nn::__private::layers::Dense<#stated, #output, ::nn::__private::act::#activation #bias>);
            type_checks.push(quote_spanned!(span=> ::nn::__private::takes_input::<#ty, #input>()));
            Width::Known(args::size(stated, "the stated input size", cx))
        }
        (None, _) => input,
    };
    let params = quote!(#type_input, #out, ::nn::__private::act::#activation #bias);
    let dense = quote!(::nn::__private::layers::Dense<#params>);
    let view = quote!(::nn::__private::view::DenseView<#params>);
    let (init, configure) = weight_options(&dense, &args, cx);
    let modules = 1 + usize::from(module);
    let label = format!("dense ({label})");
    let Some(steps) = steps else {
        let view = Some(view);
        let code = Code { ty: dense, init, configure, activated: true, type_checks, view, fusion: Fusion::Alone };
        return Some(Planned::new(Shape::Vector(Width::Known(out)), label, modules, Some(code)));
    };
    let ty = quote!(::nn::__private::layers::PerStep<#dense, #steps>);
    let init = init.map(|inner| quote!(::nn::__private::layers::PerStep(#inner)));
    let configure = if configure.is_empty() { configure } else { quote!(.map(|layer| layer #configure)) };
    let view = Some(quote!(::nn::__private::view::PerStepView<#view, #steps>));
    let code = Code { ty, init, configure, activated: true, type_checks, view, fusion: Fusion::Alone };
    Some(Planned::new(Shape::Sequence([steps, out]), label, modules, Some(code)))
}
