//! `embedding(VOCABULARY, DIM)`: the network's input values as token ids,
//! each replaced by its vector. PyTorch: `nn.Embedding(VOCABULARY, DIM)` (its
//! input as integers).

use super::{Code, Planned};
use crate::args;
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use quote::quote;

/// Rules: the vocabulary's size and the vectors' size, both non-zero; a
/// vector of known width flowing in, read as that many token ids (so the
/// layer comes first: `check` says so when it does not).
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let args = args::split(spec, &[], cx);
    let [Arg::Size { input: None, output: vocabulary }, Arg::Size { input: None, output: dim }] =
        args.positional.as_slice()
    else {
        cx.error_spanned_by(
            &spec.tokens,
            "`embedding` takes the vocabulary's size and the vectors' size, e.g. `embedding(10000, 64)`",
        );
        return None;
    };
    let vocabulary = args::size_or(vocabulary, "the vocabulary is empty; an embedding has at least one token", cx);
    let dim = args::size(dim, "the vectors' size", cx);
    let steps = match incoming {
        Shape::Vector(Width::Known(steps)) => *steps,
        other => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`embedding` reads the network's input values as token ids: declare them as `input: STEPS`; \
                     it receives {}",
                    other.in_words()
                ),
            );
            return None;
        }
    };
    (vocabulary > 0 && dim > 0).then_some(())?;
    let code = Code::plain(
        quote!(::nn::__private::layers::Embedding<#vocabulary, #dim, #steps>),
        Some(quote!(::nn::__private::view::EmbeddingView<#vocabulary, #dim, #steps>)),
    );
    let mut planned = Planned::new(Shape::Sequence([steps, dim]), "embedding", 1, Some(code));
    planned.reads_input = true;
    Some(planned)
}
