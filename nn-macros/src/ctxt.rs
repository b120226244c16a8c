//! Collects every error found while checking a network, to report them all at once.

use proc_macro2::TokenStream;
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// Record an error spanned on the node that caused it.
    pub fn error_spanned_by<T: ToTokens, M: Display>(&mut self, node: T, message: M) {
        self.errors.push(syn::Error::new_spanned(node.into_token_stream(), message));
    }

    /// Record an error that is already a `syn::Error`.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// How many errors were recorded: a rule on what a part gives is
    /// skipped when that part had mistakes of its own (counted before and
    /// after it), which would only be repeated.
    pub fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Every error as `compile_error!` invocations.
    pub fn into_compile_errors(self) -> TokenStream {
        self.errors.iter().map(syn::Error::to_compile_error).collect()
    }
}
