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
//!         residual { dense(128, relu) },          // a block: its layers in braces
//!         add { [dense(64)], [dense(64)] },      // or its branches, each in brackets
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
#[derive(Clone)]
pub enum Entry {
    /// `input: 784` or `input: [1, 28, 28]`.
    Input { key: Ident, value: InputValue },
    /// `name` or `name(args)`.
    Layer(LayerSpec),
}

#[derive(Clone)]
pub enum InputValue {
    /// `784`.
    Vector(LitInt),
    /// `[1, 28, 28]` or `[28, 28]`: the sizes as written, checked by `check`.
    Dims { bracket: proc_macro2::Span, dims: Vec<LitInt> },
}

/// A layer as written.
#[derive(Clone)]
pub struct LayerSpec {
    pub name: Ident,
    /// `None` when written without parentheses.
    pub args: Option<Vec<Arg>>,
    /// The whole `name(args)`, for errors about the layer as a whole.
    pub tokens: proc_macro2::TokenStream,
    /// What follows in braces: a block's layers or branches.
    pub block: Option<Block>,
}

/// A block's body as written: `{ layers }` or `{ [layers], [layers], ... }`.
#[derive(Clone)]
pub struct Block {
    /// The braces, for errors about the body as a whole.
    pub brace: proc_macro2::Span,
    pub body: BlockBody,
    /// Syntax errors inside one entry's parentheses (that entry is skipped).
    pub errors: Vec<syn::Error>,
}

#[derive(Clone)]
pub enum BlockBody {
    /// `{ dense(16), relu }`.
    Layers(Vec<Entry>),
    /// `{ [dense(16)], [] }`: each branch's layers, `[]` the identity.
    Branches(Vec<Branch>),
}

/// One bracketed branch of a block.
#[derive(Clone)]
pub struct Branch {
    pub bracket: proc_macro2::Span,
    pub entries: Vec<Entry>,
}

/// One argument of a layer.
#[derive(Clone)]
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
        let (entries, entry_errors) = parse_entries(&body)?;
        Ok(Network { attrs, vis, ident, entries, entry_errors })
    }
}

/// Parse comma-separated entries up to the end of `body`: the entries, and
/// the errors inside entries' parentheses (each skips its entry).
fn parse_entries(body: ParseStream) -> syn::Result<(Vec<Entry>, Vec<syn::Error>)> {
    let mut entries = Vec::new();
    let mut entry_errors = Vec::new();
    while !body.is_empty() {
        match parse_entry(body)? {
            Ok(entry) => entries.push(entry),
            Err(error) => entry_errors.push(error),
        }
        if body.is_empty() {
            break;
        }
        body.parse::<Token![,]>()?;
    }
    Ok((entries, entry_errors))
}

/// A block's body after its name and arguments: `{ layers }` or
/// `{ [layers], [layers], ... }`.
fn parse_block(input: ParseStream) -> syn::Result<Block> {
    let content;
    let brace = syn::braced!(content in input);
    if !content.peek(syn::token::Bracket) {
        let (entries, errors) = parse_entries(&content)?;
        return Ok(Block { brace: brace.span.join(), body: BlockBody::Layers(entries), errors });
    }
    let (mut branches, mut errors) = (Vec::new(), Vec::new());
    while !content.is_empty() {
        let inner;
        let bracket = syn::bracketed!(inner in content);
        let (entries, entry_errors) = parse_entries(&inner)?;
        errors.extend(entry_errors);
        branches.push(Branch { bracket: bracket.span.join(), entries });
        if content.is_empty() {
            break;
        }
        content.parse::<Token![,]>()?;
    }
    Ok(Block { brace: brace.span.join(), body: BlockBody::Branches(branches), errors })
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
                Err(error) => {
                    // The block after it still belongs to this entry.
                    if input.peek(syn::token::Brace) {
                        parse_block(input)?;
                    }
                    return Ok(Err(error));
                }
            }
        }
    };
    let block = if input.peek(syn::token::Brace) { Some(parse_block(input)?) } else { None };
    Ok(Ok(Entry::Layer(LayerSpec { name, args, tokens, block })))
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
