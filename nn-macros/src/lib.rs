//! The `network!` macro of the `nn` crate. Use it through `nn`, which documents it.
//!
//! The macro works in three steps: `ast` parses the tokens, `check` walks
//! the layers, computing every shape and collecting every mistake (each layer
//! kind's rules in its module under `layers`, registered there in `LAYERS`,
//! each block kind's under `blocks`, in `BLOCKS`), and
//! `expand` writes the struct and its impls, with `view` writing what builds
//! without std: the network's view, inference from borrowed weights.
//! Mistakes never stop the expansion: they are reported together, and the
//! struct is still emitted so the rest of the user's code does not fail with
//! them.

mod args;
mod ast;
mod blocks;
mod check;
mod ctxt;
mod expand;
mod layers;
mod shape;
mod suggest;
mod view;
mod vocab;

use proc_macro::TokenStream;

/// Declare a neural network; see the `nn` crate's documentation and the guide's
/// first chapter, `docs/guide/01-the-macro.md`.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let parsed = syn::parse_macro_input!(input as ast::Networks);
    let mut out = proc_macro2::TokenStream::new();
    for net in &parsed.networks {
        out.extend(expand::expand(net));
    }
    out.into()
}
