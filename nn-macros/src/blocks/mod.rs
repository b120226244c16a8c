//! One module per block kind: a layer whose body is layers of its own
//! (`residual { .. }`, `repeat(N) { .. }`) or branches of them (`add { [..],
//! [..] }`, `concat { .. }`). Each kind's `check` checks its body's layers as
//! networks of their own (through [`Build`], which `expand` provides, so this
//! floor needs neither `check` nor `expand`), applies its rules to the shapes
//! they give, and plans the nn-core composite that holds them; [`BLOCKS`]
//! registers them: a new kind is one module and one line there.

pub mod add;
pub mod concat;
pub mod repeat;

use crate::ast::{Block, BlockBody, Branch, Entry, LayerSpec, Network};
use crate::ctxt::Ctxt;
use crate::layers::{Planned, Row};
use crate::shape::Shape;
use proc_macro2::{Span, TokenStream};
use quote::quote;

/// The block kinds, each by its name and its check.
pub const BLOCKS: &[BlockKind] = &[
    BlockKind { name: "add", check: add::check_add },
    BlockKind { name: "residual", check: add::check_residual },
    BlockKind { name: "concat", check: concat::check },
    BlockKind { name: "repeat", check: repeat::check },
];

/// A block kind: its name in `network!` and its check.
pub struct BlockKind {
    pub name: &'static str,
    pub check: BlockCheck,
}

/// How a block kind checks a block as written, given the shape flowing in.
pub type BlockCheck = fn(&LayerSpec, &Block, &Shape, &mut Ctxt, &Build<'_>) -> Option<Planned>;

/// The block kind named `name`.
pub fn find(name: &syn::Ident) -> Option<&'static BlockKind> {
    BLOCKS.iter().find(|kind| name == kind.name)
}

/// A list of layers inside a block, to be checked and written as a network
/// of its own.
pub struct SubNet<'a> {
    pub entries: &'a [Entry],
    /// The shape flowing into its first layer.
    pub input: &'a Shape,
    /// Its part of the block, for its type's name: `Body`, `Branch1`.
    pub part: String,
    /// Where it is written, for errors about it as a whole.
    pub span: Span,
}

/// A checked and written list of layers.
pub struct Built {
    /// The shape it gives.
    pub output: Shape,
    /// Its type: a network the macro writes beside the one declared.
    pub ty: TokenStream,
    /// That network's items.
    pub items: TokenStream,
    /// Its summary rows.
    pub rows: Vec<Row>,
}

/// Checks and writes a [`SubNet`]; `None` when it cannot be written (its
/// mistakes are reported).
pub type Build<'a> = dyn Fn(&SubNet<'_>, &mut Ctxt) -> Option<Built> + 'a;

/// [`Build`] for a block of the network `parent` (`expand` writes it; its
/// networks are named after `parent`).
pub type BuildIn = fn(parent: &Network, sub: &SubNet<'_>, cx: &mut Ctxt) -> Option<Built>;

/// A block's branches: each the network of its layers, or the identity for
/// `[]`; and whether they went without mistakes of their own.
pub fn build_branches(
    branches: &[Branch],
    incoming: &Shape,
    build: &Build<'_>,
    cx: &mut Ctxt,
) -> Option<(Vec<Built>, bool)> {
    let before = cx.error_count();
    let mut built = Vec::new();
    for (i, branch) in branches.iter().enumerate() {
        if branch.entries.iter().all(|entry| !matches!(entry, Entry::Layer(_))) {
            let width = incoming.flat();
            built.push(Built {
                output: incoming.clone(),
                ty: quote!(::nn::__private::layers::Identity<#width>),
                items: TokenStream::new(),
                rows: Vec::new(),
            });
            continue;
        }
        let sub =
            SubNet { entries: &branch.entries, input: incoming, part: format!("Branch{i}"), span: branch.bracket };
        built.push(build(&sub, cx)?);
    }
    Some((built, cx.error_count() == before))
}

/// Rule: a block that takes no arguments is written without parentheses.
pub fn no_arguments(spec: &LayerSpec, cx: &mut Ctxt) {
    if spec.args.is_some() {
        let name = &spec.name;
        cx.error_spanned_by(&spec.tokens, format_args!("`{name}` takes no arguments; write `{name} {{ .. }}`"));
    }
}

/// `build` over `sub`, and whether it went without mistakes of its own.
pub fn checked(build: &Build<'_>, sub: &SubNet<'_>, cx: &mut Ctxt) -> Option<(Built, bool)> {
    let before = cx.error_count();
    let built = build(sub, cx)?;
    Some((built, cx.error_count() == before))
}

/// Rule: a block reports the syntax errors inside its body's entries.
pub fn body_errors(block: &Block, cx: &mut Ctxt) {
    for error in &block.errors {
        cx.syn_error(error.clone());
    }
}

/// Rule: a block whose body is one list of layers (`residual`, `repeat`)
/// is written `{ layers }`, not with branches; and it has at least one layer.
pub fn layer_list<'b>(spec: &LayerSpec, block: &'b Block, example: &str, cx: &mut Ctxt) -> Option<&'b [Entry]> {
    body_errors(block, cx);
    match &block.body {
        BlockBody::Layers(entries) if entries.iter().any(|e| matches!(e, Entry::Layer(_))) => Some(entries),
        BlockBody::Layers(_) => {
            cx.syn_error(syn::Error::new(
                block.brace,
                format_args!("`{}` has no layers; write them in its braces, e.g. `{example}`", spec.name),
            ));
            None
        }
        BlockBody::Branches(_) => {
            cx.syn_error(syn::Error::new(
                block.brace,
                format_args!(
                    "`{}` takes one list of layers in braces, without brackets, e.g. `{example}`; branches in \
                     brackets are for `add` and `concat`",
                    spec.name
                ),
            ));
            None
        }
    }
}

/// Rule: a block that merges branches (`add`, `concat`) is written with two
/// or more of them, each in brackets: `{ [..], [..] }`.
pub fn branches<'b>(spec: &LayerSpec, block: &'b Block, cx: &mut Ctxt) -> Option<&'b [Branch]> {
    body_errors(block, cx);
    let example = format!("`{} {{ [conv2d(16, 3, padding = same)], [] }}`", spec.name);
    match &block.body {
        BlockBody::Branches(branches) if branches.len() >= 2 => Some(branches),
        BlockBody::Branches(_) => {
            cx.syn_error(syn::Error::new(
                block.brace,
                format_args!(
                    "`{}` merges two or more branches, but it has one; add another, e.g. {example} (`[]` is the \
                     identity)",
                    spec.name
                ),
            ));
            None
        }
        BlockBody::Layers(_) => {
            cx.syn_error(syn::Error::new(
                block.brace,
                format_args!("`{}` takes its branches each in brackets, e.g. {example}", spec.name),
            ));
            None
        }
    }
}

/// The summary rows of a block's branches: a row for each (`branch 1`, its
/// shape and its parameters), its layers under it.
pub fn branch_rows(built: &[Built], label: impl Fn(usize) -> String) -> Vec<Row> {
    let mut rows = Vec::new();
    for (i, branch) in built.iter().enumerate() {
        let ty = &branch.ty;
        rows.push(Row {
            depth: 0,
            label: label(i),
            output: branch.output.summary_tokens(),
            params: quote!(<#ty as ::nn::__private::Layer>::PARAMS),
            state: quote!(<#ty as ::nn::__private::Layer>::STATE),
        });
        rows.extend(branch.rows.iter().cloned().map(Row::indented));
    }
    rows
}

/// The items of every branch.
pub fn items(built: &[Built]) -> TokenStream {
    built.iter().map(|b| b.items.clone()).collect()
}
