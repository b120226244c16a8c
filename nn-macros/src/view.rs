//! Writes what a network has in every build, with or without std: its view,
//! `NameView<'a>`, whose fields are its layers' parameters where they lie in
//! a weight blob; `Name::view(bytes)`; `NameView::forward`, which chains the
//! layers' views through two arrays on the stack sized from the widths the
//! plan knows; and `nn::view::Infer` for `Name`, so that it nests in another
//! network's view. Without std, `Name` is a struct without fields that has
//! its widths and `view` (the rest of it, which `expand` writes, needs std).
//!
//! As in `expand`, nothing here knows a layer kind: each layer's type in
//! `nn::view` comes from its module under `layers/`.

use crate::ast::Network;
use crate::check::Plan;
use crate::shape::Width;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

/// A layer the view runs.
struct Step {
    /// `layer{n}`, as the network's field.
    name: syn::Ident,
    /// Its type in `nn::view`.
    ty: TokenStream,
    /// Its index in the matching PyTorch `nn.Sequential`.
    module: usize,
    input: Width,
    output: Width,
    /// Whether the compiler checks its widths with std (a nested network's).
    type_checked: bool,
}

fn steps(plan: &Plan) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut module = 0;
    for layer in &plan.layers {
        let first_module = module;
        module += layer.planned.modules;
        let Some(code) = &layer.planned.code else { continue };
        let Some(ty) = code.view.clone() else { continue };
        steps.push(Step {
            name: format_ident!("layer{}", layer.index),
            ty,
            module: first_module,
            input: layer.input.flat(),
            output: layer.planned.output.flat(),
            type_checked: !code.type_checks.is_empty(),
        });
    }
    steps
}

/// The view of a network without mistakes, and its type without std.
pub fn generate(net: &Network, plan: &Plan) -> TokenStream {
    let Network { vis, ident, .. } = net;
    let view = format_ident!("{}View", ident);
    let steps = steps(plan);
    let (input, output) = (plan.input.flat(), plan.output.flat());
    let infer = quote!(::nn::__private::view::Infer);
    let fields = steps.iter().map(|s| {
        let (name, ty) = (&s.name, &s.ty);
        quote!(#vis #name: <#ty as #infer>::Params<'a>,)
    });
    let loads = steps.iter().map(|s| {
        let (name, ty, module) = (&s.name, &s.ty, s.module);
        quote!(#name: <#ty as #infer>::load(weights, &prefix.module(#module)?)?,)
    });
    // A view of no layers (only dropout and flatten) holds no borrowed value.
    let (marker, marker_value) = if steps.is_empty() {
        (quote!(__weights: ::core::marker::PhantomData<&'a [u8]>,), quote!(__weights: ::core::marker::PhantomData,))
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let forward = forward(&steps, &output);
    let checks = checks(&steps);
    let items = items(net, &view, &input, &output);
    let doc = format!(
        "The parameters of [`{ident}`] where they lie in a weight blob, from [`{ident}::view`]: its `forward` \
         runs the network without the heap."
    );
    // A block's network, which the macro writes beside the one declared, is
    // hidden, and so is its view.
    let hidden =
        net.attrs.iter().any(|a| a.path().is_ident("doc") && a.to_token_stream().to_string().contains("hidden"));
    let hidden = if hidden { quote!(#[doc(hidden)]) } else { TokenStream::new() };
    quote! {
        #hidden
        #[doc = #doc]
        #[derive(Clone, Copy, Debug)]
        #vis struct #view<'a> {
            #(#fields)*
            #marker
        }

        #checks

        #items

        impl #infer for #ident {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            type Params<'a> = #view<'a>;

            fn load<'a>(
                weights: &mut ::nn::__private::view::Weights<'a>,
                prefix: &::nn::__private::view::Prefix,
            ) -> ::core::result::Result<#view<'a>, ::nn::__private::view::Error> {
                ::core::result::Result::Ok(#view { #(#loads)* #marker_value })
            }

            fn forward(view: &#view<'_>, input: &[f32], output: &mut [f32]) {
                #forward
            }
        }
    }
}

/// The view of a network with mistakes: the same items, computing nothing
/// (the build stops at the mistakes' errors before anything runs).
pub fn stub(net: &Network, plan: &Plan) -> TokenStream {
    let Network { vis, ident, .. } = net;
    let view = format_ident!("{}View", ident);
    let (input, output) = (plan.input.flat(), plan.output.flat());
    let items = items(net, &view, &input, &output);
    quote! {
        #[derive(Clone, Copy, Debug)]
        #vis struct #view<'a> {
            __weights: ::core::marker::PhantomData<&'a [u8]>,
        }

        #items

        impl ::nn::__private::view::Infer for #ident {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            type Params<'a> = #view<'a>;

            fn load<'a>(
                _: &mut ::nn::__private::view::Weights<'a>,
                _: &::nn::__private::view::Prefix,
            ) -> ::core::result::Result<#view<'a>, ::nn::__private::view::Error> {
                ::core::result::Result::Ok(#view { __weights: ::core::marker::PhantomData })
            }

            fn forward(_: &#view<'_>, _: &[f32], output: &mut [f32]) {
                output.fill(0.0);
            }
        }
    }
}

/// What full and stub networks share: `Name::view`, `NameView::forward`,
/// and, without std, the struct and its widths.
fn items(net: &Network, view: &syn::Ident, input: &Width, output: &Width) -> TokenStream {
    let Network { attrs, vis, ident, .. } = net;
    quote! {
        ::nn::__no_std_only! {
            #(#attrs)*
            #vis struct #ident {}

            impl #ident {
                /// Number of input values.
                #vis const INPUT: usize = #input;
                /// Number of output values.
                #vis const OUTPUT: usize = #output;
            }

            impl ::nn::__private::Widths for #ident {
                const INPUT: usize = #input;
                const OUTPUT: usize = #output;
            }
        }

        impl #ident {
            /// The network's parameters where they lie in `bytes`, a safetensors blob as `save`
            /// writes it (embedded in the binary with `include_bytes!`, say): checked, and never
            /// copied. Every tensor must be there with its type and shape, and no other; an error
            /// names the tensor. The view's `forward` allocates nothing.
            #vis fn view(bytes: &[u8]) -> ::core::result::Result<#view<'_>, ::nn::__private::view::Error> {
                ::nn::__private::view::Weights::parse(bytes)?.load::<Self>()
            }
        }

        impl #view<'_> {
            /// The output for one sample, from the borrowed weights, every value between layers
            /// on the stack: it allocates nothing.
            #vis fn forward(&self, input: &[f32; #input]) -> [f32; #output] {
                let mut output = [0.0f32; #output];
                <#ident as ::nn::__private::view::Infer>::forward(self, input, &mut output);
                output
            }
        }
    }
}

/// The body of `Infer::forward`: each layer's view reads what the one before
/// it wrote, into two arrays taken in turn (`a` for the even layers, `b` for
/// the odd ones), each as large as the widest value it holds; the last
/// layer writes `output`.
fn forward(steps: &[Step], output: &Width) -> TokenStream {
    let Some(last) = steps.len().checked_sub(1) else {
        return quote!(output[..#output].copy_from_slice(&input[..#output]););
    };
    let buffer = |k: usize| if k.is_multiple_of(2) { format_ident!("a") } else { format_ident!("b") };
    let mut body = TokenStream::new();
    for parity in 0..2.min(last) {
        let widths: Vec<&Width> = steps[..last].iter().skip(parity).step_by(2).map(|s| &s.output).collect();
        let name = buffer(parity);
        let size = max_width(&widths);
        body.extend(quote!(let mut #name = [0.0f32; #size];));
    }
    for (k, step) in steps.iter().enumerate() {
        let (name, ty) = (&step.name, &step.ty);
        let source = match k.checked_sub(1) {
            None => quote!(input),
            Some(before) => {
                let (buffer, width) = (buffer(before), &steps[before].output);
                quote!(&#buffer[..#width])
            }
        };
        let target = if k == last {
            quote!(output)
        } else {
            let (buffer, width) = (buffer(k), &step.output);
            quote!(&mut #buffer[..#width])
        };
        body.extend(quote!(<#ty as ::nn::__private::view::Infer>::forward(&view.#name, #source, #target);));
    }
    body
}

/// The largest of `widths`: a number when the plan knows them all.
fn max_width(widths: &[&Width]) -> TokenStream {
    let known: Option<Vec<usize>> = widths
        .iter()
        .map(|w| match w {
            Width::Known(n) => Some(*n),
            Width::Expr(_) => None,
        })
        .collect();
    match known {
        Some(known) => {
            let max = proc_macro2::Literal::usize_unsuffixed(known.into_iter().max().unwrap_or(0));
            quote!(#max)
        }
        None => quote!({ ::nn::__private::view::max_width(&[#(#widths),*]) }),
    }
}

/// The tie between the plan's widths and each layer view's, as `expand`'s
/// checks tie them to the layers': every view takes the width flowing into
/// it and gives the one flowing out. Where the compiler checks the widths
/// with std (at and after a nested network), these checks are made without
/// std only: with std, `expand`'s report a mismatch in the user's terms.
fn checks(steps: &[Step]) -> TokenStream {
    let message = "network!: a layer's view differs in width from the layer";
    let (mut always, mut without_std) = (Vec::new(), Vec::new());
    for step in steps {
        let ty = &step.ty;
        for (width, side) in [(&step.input, quote!(INPUT)), (&step.output, quote!(OUTPUT))] {
            let check = quote!(::core::assert!(<#ty as ::nn::__private::view::Infer>::#side == #width, #message););
            match width {
                Width::Known(_) if !step.type_checked => always.push(check),
                _ => without_std.push(check),
            }
        }
    }
    let always = (!always.is_empty()).then(|| quote!(const _: () = { #(#always)* };));
    let without_std =
        (!without_std.is_empty()).then(|| quote!(::nn::__no_std_only! { const _: () = { #(#without_std)* }; }));
    quote!(#always #without_std)
}
