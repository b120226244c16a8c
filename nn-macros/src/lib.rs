//! The `network!` macro of the `nn` crate. Use it through `nn`, which documents it.
//!
//! The macro works in three steps, one module each: [`ast`] parses the tokens,
//! [`check`] computes every layer's shape and collects every mistake, and
//! [`expand`] writes the struct and its impls. Mistakes never stop the
//! expansion: they are reported together, and the struct is still emitted so the
//! rest of the user's code does not fail with them.

mod ast;
mod check;
mod ctxt;
mod expand;
mod suggest;

use proc_macro::TokenStream;

/// Declare a neural network; see the `nn` crate's documentation.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    let parsed = syn::parse_macro_input!(input as ast::Networks);
    let mut out = proc_macro2::TokenStream::new();
    for net in &parsed.networks {
        out.extend(expand::expand(net));
    }
    out.into()
}
