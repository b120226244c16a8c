//! Shapes and rules: walks the layers in order, computes what flows between
//! them, and records every mistake in the user's terms, spanned on what
//! caused it. The rules of each layer kind live in its module under
//! `layers/`, those of each block kind under `blocks/` (a block's layers are
//! checked as networks of their own, through the `BuildIn` the caller
//! gives); the rules of the network as a whole live here, one function each,
//! with its rule in its comment.

use crate::args::size;
use crate::ast::{Entry, InputValue, LayerSpec, Network};
use crate::blocks::{self, BuildIn, SubNet};
use crate::ctxt::Ctxt;
use crate::layers::{self, Planned};
use crate::shape::{Shape, Width};
use syn::LitInt;

/// A checked layer and the shape flowing into it.
pub struct PlannedLayer {
    /// Its place among the layers as written, from 0 (`layer{index}`).
    pub index: usize,
    /// The layer as written, for spans.
    pub spec_tokens: proc_macro2::TokenStream,
    pub input: Shape,
    pub planned: Planned,
}

/// The checked network.
pub struct Plan {
    pub input: Shape,
    pub layers: Vec<PlannedLayer>,
    pub output: Shape,
}

pub fn check(net: &Network, cx: &mut Ctxt, build: BuildIn) -> Plan {
    for error in &net.entry_errors {
        cx.syn_error(error.clone());
    }
    let input = input_shape(net, cx);
    let mut shape = input.clone();
    let mut layers = Vec::new();
    for (index, spec) in net.entries.iter().filter_map(layer).enumerate() {
        if let Some(planned) = check_layer(net, index, spec, &shape, cx, build) {
            reads_input_first(spec, &planned, index, cx);
            let input = std::mem::replace(&mut shape, planned.output.clone());
            layers.push(PlannedLayer { index, spec_tokens: spec.tokens.clone(), input, planned });
        }
    }
    has_layers(net, cx);
    Plan { input, layers, output: shape }
}

fn layer(entry: &Entry) -> Option<&LayerSpec> {
    match entry {
        Entry::Layer(spec) => Some(spec),
        Entry::Input { .. } => None,
    }
}

/// Rule: a network declares `input:` exactly once, before its layers, with
/// non-zero sizes. Without one, the width is taken as 0 so the rest still checks.
fn input_shape(net: &Network, cx: &mut Ctxt) -> Shape {
    let mut found: Option<Shape> = None;
    let mut seen_layer = false;
    for entry in &net.entries {
        match entry {
            Entry::Layer(_) => seen_layer = true,
            Entry::Input { key, value } => {
                if found.is_some() {
                    cx.error_spanned_by(key, "`input` is declared twice; a network has one input");
                    continue;
                }
                if seen_layer {
                    cx.error_spanned_by(key, "`input:` must come before the layers");
                }
                found = Some(match value {
                    InputValue::Vector(lit) => Shape::Vector(Width::Known(size(lit, "input width", cx))),
                    InputValue::Dims { bracket, dims } => dims_shape(*bracket, dims, cx),
                });
            }
        }
    }
    found.unwrap_or_else(|| {
        cx.error_spanned_by(
            &net.ident,
            format_args!("network `{}` has no input; declare its width first, e.g. `input: 784,`", net.ident),
        );
        Shape::Vector(Width::Known(0))
    })
}

/// Rule: a bracketed input is an image `[channels, height, width]` or a
/// sequence `[steps, features]`, of non-zero sizes.
fn dims_shape(bracket: proc_macro2::Span, dims: &[LitInt], cx: &mut Ctxt) -> Shape {
    let names: &[&str] = match dims.len() {
        2 => &["steps", "features"],
        3 => &["channels", "height", "width"],
        n => {
            cx.syn_error(syn::Error::new(
                bracket,
                format_args!(
                    "an input in brackets is an image `[channels, height, width]` or a sequence `[steps, features]`; \
                     found {n} sizes"
                ),
            ));
            return Shape::Vector(Width::Known(0));
        }
    };
    let sizes: Vec<usize> = dims.iter().zip(names).map(|(lit, name)| size(lit, name, cx)).collect();
    if sizes.iter().try_fold(1usize, |acc, s| acc.checked_mul(*s)).is_none() {
        cx.syn_error(syn::Error::new(bracket, "this input has more values than a `usize` can count"));
        return Shape::Vector(Width::Known(0));
    }
    match sizes[..] {
        [t, f] => Shape::Sequence([t, f]),
        [c, h, w] => Shape::Image([c, h, w]),
        _ => Shape::Vector(Width::Known(0)),
    }
}

/// Rule: a layer that reads the network's input values as they are (an
/// embedding's token ids) is the first layer.
fn reads_input_first(spec: &LayerSpec, planned: &Planned, index: usize, cx: &mut Ctxt) {
    if planned.reads_input && index > 0 {
        cx.error_spanned_by(
            &spec.name,
            format_args!(
                "`{}` reads the network's input values as token ids, so it must be the first layer",
                spec.name
            ),
        );
    }
}

/// Rule: a network has at least one layer after its input.
fn has_layers(net: &Network, cx: &mut Ctxt) {
    if !net.entries.iter().any(|e| matches!(e, Entry::Layer(_))) {
        cx.error_spanned_by(
            &net.ident,
            format_args!("network `{}` has no layers; add one after the input, e.g. `dense(10, softmax)`", net.ident),
        );
    }
}

/// Rule: a layer's name is one of `layers::LAYERS`, an activation, or a
/// block kind of `blocks::BLOCKS` (which, alone, is followed by braces); its
/// kind checks the rest. `None` when it is too broken to plan (it is left
/// out, and the shape flowing in passes on to the next layer).
fn check_layer(
    net: &Network,
    index: usize,
    spec: &LayerSpec,
    incoming: &Shape,
    cx: &mut Ctxt,
    build: BuildIn,
) -> Option<Planned> {
    if let Some(kind) = blocks::find(&spec.name) {
        let Some(block) = &spec.block else {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!(
                    "`{}` is a block: its layers follow in braces, e.g. `{}`",
                    spec.name,
                    match kind.name {
                        "add" | "concat" => "add { [conv2d(16, 3, padding = same)], [] }",
                        "repeat" => "repeat(2) { dense(64, relu) }",
                        _ => "residual { dense(64, relu) }",
                    }
                ),
            );
            return None;
        };
        let build = |sub: &SubNet<'_>, cx: &mut Ctxt| {
            build(net, &SubNet { part: format!("Layer{index}{}", sub.part), ..*sub }, cx)
        };
        return (kind.check)(spec, block, incoming, cx, &build);
    }
    if let Some(block) = &spec.block {
        let blocks: Vec<String> = blocks::BLOCKS.iter().map(|kind| format!("`{}`", kind.name)).collect();
        cx.syn_error(syn::Error::new(
            block.brace,
            format_args!("`{}` is a layer, not a block: only {} take layers in braces", spec.name, blocks.join(", ")),
        ));
    }
    match layers::find(&spec.name) {
        Some(check) => check(spec, incoming, cx),
        None => {
            let mut names = layers::names();
            names.extend(blocks::BLOCKS.iter().map(|kind| kind.name));
            crate::args::unknown_name(&spec.name, "layer", &names, cx);
            None
        }
    }
}
