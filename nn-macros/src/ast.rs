//! The syntax of `network!`, parsed as written; shapes are left to `check`.
//!
//! ```text
//! network! {
//!     /// docs and #[attributes]
//!     pub struct Name {
//!         input: 784,                 // or [1, 28, 28] (an image), [28, 28] (a sequence)
//!         flatten,
//!         dense(128, relu),           // or dense(784 => 128, relu)
//!         net(OtherNetwork),
//!     }
//! }
//! ```

use proc_macro2::{Delimiter, TokenTree};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, LitInt, Path, Token, Visibility};

/// Every struct in one `network!` invocation.
pub struct Networks {
    pub networks: Vec<Network>,
}

/// One `struct Name { ... }`.
pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub entries: Vec<Entry>,
    /// Syntax errors inside one entry's parentheses: that entry is skipped, the
    /// others still build.
    pub entry_errors: Vec<syn::Error>,
}

/// One comma-separated item of the body.
pub enum Entry {
    /// `input: 784` or `input: [1, 28, 28]`.
    Input { key: Ident, value: InputValue },
    /// `name` or `name(args)`.
    Layer(LayerSpec),
}

pub enum InputValue {
    /// `784`.
    Vector(LitInt),
    /// `[1, 28, 28]` or `[28, 28]`: the sizes as written, checked by `check`.
    Dims { bracket: proc_macro2::Span, dims: Vec<LitInt> },
}

/// A layer as written.
pub struct LayerSpec {
    pub name: Ident,
    /// `None` when written without parentheses.
    pub args: Option<Vec<Arg>>,
    /// The whole `name(args)`, for errors about the layer as a whole.
    pub tokens: proc_macro2::TokenStream,
}

/// One argument of a layer.
pub enum Arg {
    /// `128` or `784 => 128`.
    Size { input: Option<LitInt>, output: LitInt },
    /// `relu`, `Encoder`, `crate::blocks::Encoder`.
    Path(Path),
    /// `name = value`.
    Named { name: Ident, value: Expr },
    /// Anything else: reported by `check`.
    Other(Expr),
}

impl Parse for Networks {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut networks = Vec::new();
        while !input.is_empty() {
            networks.push(input.parse()?);
        }
        if networks.is_empty() {
            return Err(input.error("expected a network: `struct Name { input: N, dense(M, relu), ... }`"));
        }
        Ok(Networks { networks })
    }
}

impl Parse for Network {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        input.parse::<Token![struct]>()?;
        let ident: Ident = input.parse()?;
        let body;
        syn::braced!(body in input);
        let mut entries = Vec::new();
        let mut entry_errors = Vec::new();
        while !body.is_empty() {
            match parse_entry(&body)? {
                Ok(entry) => entries.push(entry),
                Err(error) => entry_errors.push(error),
            }
            if body.is_empty() {
                break;
            }
            body.parse::<Token![,]>()?;
        }
        Ok(Network { attrs, vis, ident, entries, entry_errors })
    }
}

/// Parse one entry. The outer error ends the body (its structure is lost); the
/// inner one only skips this entry (its parentheses held a mistake).
fn parse_entry(input: ParseStream) -> syn::Result<syn::Result<Entry>> {
    let name: Ident = input.parse()?;
    if name == "input" && input.peek(Token![:]) {
        input.parse::<Token![:]>()?;
        let value = if input.peek(syn::token::Bracket) {
            let content;
            let bracket = syn::bracketed!(content in input);
            let dims = Punctuated::<LitInt, Token![,]>::parse_terminated(&content)?;
            InputValue::Dims { bracket: bracket.span.join(), dims: dims.into_iter().collect() }
        } else {
            InputValue::Vector(input.parse()?)
        };
        return Ok(Ok(Entry::Input { key: name, value }));
    }
    let group = match input.cursor().group(Delimiter::Parenthesis) {
        Some(_) => match input.parse::<TokenTree>()? {
            TokenTree::Group(group) => Some(group),
            _ => None,
        },
        None => None,
    };
    let mut tokens = quote::quote!(#name);
    let args = match group {
        None => None,
        Some(group) => {
            tokens.extend([TokenTree::Group(group.clone())]);
            let parser = Punctuated::<Arg, Token![,]>::parse_terminated;
            match parser.parse2(group.stream()) {
                Ok(args) => Some(args.into_iter().collect()),
                Err(error) => return Ok(Err(error)),
            }
        }
    };
    Ok(Ok(Entry::Layer(LayerSpec { name, args, tokens })))
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(LitInt) {
            let first: LitInt = input.parse()?;
            if input.peek(Token![=>]) {
                input.parse::<Token![=>]>()?;
                return Ok(Arg::Size { input: Some(first), output: input.parse()? });
            }
            return Ok(Arg::Size { input: None, output: first });
        }
        if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let name: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            return Ok(Arg::Named { name, value: input.parse()? });
        }
        if input.peek(Ident) || input.peek(Token![::]) || input.peek(Token![crate]) || input.peek(Token![self]) {
            let fork = input.fork();
            if let Ok(path) = fork.call(Path::parse_mod_style) {
                if fork.is_empty() || fork.peek(Token![,]) {
                    input.call(Path::parse_mod_style)?;
                    return Ok(Arg::Path(path));
                }
            }
        }
        Ok(Arg::Other(input.parse()?))
    }
}
