//! Writes the network from its checked plan: the struct, its scratch buffers,
//! and the impls that chain the layers. Nothing here knows a layer kind; the
//! math lives in nn-core, and each layer's type, options and tensors come
//! from its module under `layers/`. Paths are absolute, through
//! `::nn::__private`, so user code cannot shadow them.
//!
//! A network with mistakes is written as a stub: the struct without layers,
//! with the same widths and methods, so that the rest of the program checks
//! against it and only the mistakes themselves are reported.

use crate::ast::{Entry, InputValue, Network};
use crate::blocks::{Built, SubNet};
use crate::check::{self, Plan};
use crate::ctxt::Ctxt;
use crate::layers::{Fusion, Row};
use crate::shape::{Shape, Width};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

/// The network, its items that need std wrapped in `nn::__std_only!` (a
/// proc macro cannot see the features of the crate it writes for), then its
/// view, which builds without std (see `view`).
pub fn expand(net: &Network) -> TokenStream {
    let mut cx = Ctxt::default();
    let plan = check::check(net, &mut cx, build_block);
    if cx.has_errors() {
        let errors = cx.into_compile_errors();
        let stub = stub(net, &plan);
        let view = crate::view::stub(net, &plan);
        return quote! { #errors ::nn::__std_only! { #stub } #view };
    }
    written(net, &plan)
}

/// A network without mistakes: its items, its view, and the networks its
/// blocks hold.
fn written(net: &Network, plan: &Plan) -> TokenStream {
    let network = generate(net, plan);
    let view = crate::view::generate(net, plan);
    let blocks: TokenStream = plan.layers.iter().map(|layer| layer.planned.items.clone()).collect();
    quote! { ::nn::__std_only! { #network } #view #blocks }
}

/// A block's list of layers in `parent`, checked and written as a network
/// of its own, hidden, named after `parent` and the block's place in it
/// (`__ResNetLayer3Body`), which takes the shape flowing into the block.
/// Its items are written only when no mistake has been found anywhere (the
/// networks are stubs then, which need none).
fn build_block(parent: &Network, sub: &SubNet<'_>, cx: &mut Ctxt) -> Option<Built> {
    let span = sub.span;
    let lit = |n: &usize| syn::LitInt::new(&n.to_string(), span);
    let value = match sub.input {
        Shape::Vector(Width::Known(n)) => InputValue::Vector(lit(n)),
        Shape::Sequence(dims) => InputValue::Dims { bracket: span, dims: dims.iter().map(lit).collect() },
        Shape::Image(dims) => InputValue::Dims { bracket: span, dims: dims.iter().map(lit).collect() },
        Shape::Vector(Width::Expr(_)) => {
            cx.syn_error(syn::Error::new(
                span,
                "a block cannot take the output of `net(..)`, whose width only the compiler knows; put the block \
                 inside the nested network, or state the width with a layer that knows it",
            ));
            return None;
        }
    };
    let ident = format_ident!("__{}{}", parent.ident.to_string().trim_start_matches('_'), sub.part, span = span);
    let mut entries = vec![Entry::Input { key: syn::Ident::new("input", span), value }];
    entries.extend(sub.entries.iter().cloned());
    let net = Network {
        attrs: vec![syn::parse_quote!(#[doc(hidden)])],
        vis: parent.vis.clone(),
        ident: ident.clone(),
        entries,
        entry_errors: Vec::new(),
    };
    let plan = check::check(&net, cx, build_block);
    let rows = rows(&plan, &fields(&plan));
    let items = if cx.has_errors() { TokenStream::new() } else { written(&net, &plan) };
    Some(Built { output: plan.output, ty: quote!(#ident), items, rows })
}

/// A layer that becomes a field of the struct.
struct Field {
    /// `layer{n}`, `n` counting every layer as written (so `flatten` keeps its index).
    name: syn::Ident,
    /// `<Ty as ::nn::__private::Layer>`.
    layer: TokenStream,
    ty: TokenStream,
    init: TokenStream,
    configure: TokenStream,
    activated: bool,
    /// Its index in the matching PyTorch `nn.Sequential`.
    module: usize,
    /// Whether the macro knows its input and output widths (not after or at a
    /// nested network, whose widths the compiler checks).
    known: (bool, bool),
    fusion: Fusion,
}

/// Whether fields `k` and `k + 1` run as one pair (see [`Fusion`]).
fn fused(fields: &[Field], k: usize) -> bool {
    fields[k].fusion == Fusion::Leads && fields.get(k + 1).is_some_and(|next| next.fusion == Fusion::Follows)
}

fn fields(plan: &Plan) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut module = 0;
    for layer in &plan.layers {
        let first_module = module;
        module += layer.planned.modules;
        let Some(code) = &layer.planned.code else { continue };
        let span = layer.spec_tokens.span();
        let ty = code.ty.clone();
        let as_layer = quote_spanned!(span=> <#ty as ::nn::__private::Layer>);
        let known = |shape: &Shape| matches!(shape.flat(), Width::Known(_));
        fields.push(Field {
            name: format_ident!("layer{}", layer.index),
            init: code.init.clone().unwrap_or_else(|| quote!(#as_layer::init(rng))),
            layer: as_layer,
            ty,
            configure: code.configure.clone(),
            activated: code.activated,
            module: first_module,
            known: (known(&layer.input), known(&layer.planned.output)),
            fusion: code.fusion,
        });
    }
    fields
}

/// The items every network has, full or stub: the inherent consts and
/// constructors, `forward`, `summary`, and the trait impls around `Layer`.
struct Common<'a> {
    net: &'a Network,
    input: Width,
    /// One input sample's dimensions as declared, e.g. `[1, 28, 28]`.
    input_dims: TokenStream,
    output: Width,
    params: TokenStream,
    /// The activation applied last, and the output values per prediction.
    activation: (TokenStream, TokenStream),
    summary: TokenStream,
}

impl Common<'_> {
    fn tokens(&self) -> TokenStream {
        let Common { net, input, input_dims, output, params, activation: (activation, group), summary } = self;
        let (vis, ident) = (&net.vis, &net.ident);
        quote! {
            impl #ident {
                /// Number of input values.
                #vis const INPUT: usize = #input;
                /// Number of output values.
                #vis const OUTPUT: usize = #output;
                /// Number of trainable parameters.
                #vis const PARAMS: usize = #params;

                /// A network with weights drawn from `rng` (He for ReLU layers, Glorot otherwise; zero biases).
                #vis fn new<R: ::nn::__private::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                    <Self as ::nn::__private::Layer>::init(rng)
                }

                /// A network with weights drawn from a generator seeded with `seed`: the same seed gives the same weights.
                #vis fn seeded(seed: u64) -> Self {
                    let mut rng = <::nn::__private::rand::rngs::StdRng as ::nn::__private::rand::SeedableRng>::seed_from_u64(seed);
                    Self::new(&mut rng)
                }

                /// The output for one sample: an `SVector` or an array of the input width.
                /// Allocates nothing after the first call on a thread.
                #vis fn forward(&self, input: impl ::nn::__private::Sample<#input>) -> ::nn::__private::nalgebra::SVector<f32, #output> {
                    let input = ::nn::__private::Sample::<#input>::into_vector(input);
                    let mut output = ::nn::__private::nalgebra::SVector::<f32, #output>::zeros();
                    ::nn::__private::forward_one(self, input.as_slice(), output.as_mut_slice());
                    output
                }

                /// The layers, their output shapes and parameter counts, as Keras prints them.
                #vis fn summary(&self) -> ::nn::__private::network::Summary {
                    #summary
                }
            }

            impl ::nn::__private::Activated for #ident {
                type Activation = #activation;
                const GROUP: usize = #group;
            }

            impl ::nn::__private::TakesInput<#input> for #ident {}

            impl ::nn::__private::Widths for #ident {
                const INPUT: usize = #input;
                const OUTPUT: usize = #output;
            }

            impl ::nn::__private::Network<#input, #output> for #ident {
                const INPUT_SHAPE: &'static [usize] = &#input_dims;

                fn summary(&self) -> ::nn::__private::network::Summary {
                    #ident::summary(self)
                }
            }
        }
    }
}

fn generate(net: &Network, plan: &Plan) -> TokenStream {
    let Network { attrs, vis, ident, .. } = net;
    let buffers_ident = format_ident!("__{}Buffers", ident);
    let fields = fields(plan);
    let (input, output) = (plan.input.flat(), plan.output.flat());

    let field_decls = fields.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        quote!(#vis #name: #ty,)
    });
    let names: Vec<_> = fields.iter().map(|f| &f.name).collect();
    let inits = fields.iter().map(|f| {
        let (init, configure) = (&f.init, &f.configure);
        quote!(#init #configure)
    });
    let zeroed = fields.iter().map(|f| {
        let (layer, configure) = (&f.layer, &f.configure);
        quote!(#layer::zeroed() #configure)
    });
    let params = sum(fields.iter().map(|f| {
        let layer = &f.layer;
        quote!(#layer::PARAMS)
    }));
    let state = sum(fields.iter().map(|f| {
        let layer = &f.layer;
        quote!(#layer::STATE)
    }));
    let widths = fields.iter().map(|f| {
        let layer = &f.layer;
        quote!(#layer::WIDEST)
    });
    let widest = quote!(::nn::__private::view::max_width(&[#input, #(#widths),*]));
    let activation = activated(fields.last().filter(|last| last.activated).map(|last| &last.ty), &output);
    let common = Common {
        net,
        input: input.clone(),
        input_dims: plan.input.dims_tokens(),
        output: output.clone(),
        params: params.clone(),
        activation,
        summary: summary(ident, plan, &fields),
    }
    .tokens();
    let checks = compile_time_checks(plan, &fields, &input, &output);
    let buffers = buffers_struct(&buffers_ident, vis, &fields);
    let forward_batch = forward_batch(&fields, &input);
    let backward_sgd = backward(&fields, &input, true);
    let backward_batch = backward(&fields, &input, false);
    let parts = parts(&fields);
    let update_state = update_state(&fields);
    let check_input = check_input(&fields);
    let onnx = onnx(plan, &fields);

    quote! {
        #(#attrs)*
        #vis struct #ident {
            #(#field_decls)*
        }

        #buffers

        #checks

        #common

        impl ::nn::__private::Layer for #ident {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            const PARAMS: usize = #params;
            const STATE: usize = #state;
            const WIDEST: usize = #widest;
            type Buffers = #buffers_ident;

            fn init<R: ::nn::__private::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                #ident { #(#names: #inits,)* }
            }

            fn zeroed() -> Self {
                #ident { #(#names: #zeroed,)* }
            }

            #check_input

            fn forward_batch(
                &self,
                input: &[f32],
                output: &mut [f32],
                batch: usize,
                buffers: &mut Self::Buffers,
                mode: &mut ::nn::__private::Mode<'_>,
            ) {
                #forward_batch
            }

            fn backward_batch(&self, pass: ::nn::__private::Backward<'_, Self::Buffers>, grads: &mut Self) {
                #backward_batch
            }

            fn backward_sgd(&mut self, pass: ::nn::__private::Backward<'_, Self::Buffers>, grads: &mut Self, rate: f32) {
                #backward_sgd
            }

            #parts

            #update_state

            fn onnx(
                &self,
                graph: &mut ::nn::__private::onnx::Graph,
                prefix: &str,
                input: ::nn::__private::onnx::Value,
            ) -> ::nn::__private::Result<::nn::__private::onnx::Value> {
                #onnx
            }
        }
    }
}

/// `a + b + c`, or `0` for none.
fn sum(terms: impl Iterator<Item = TokenStream>) -> TokenStream {
    let terms: Vec<_> = terms.collect();
    if terms.is_empty() {
        quote!(0)
    } else {
        quote!(#(#terms)+*)
    }
}

/// Checks only the compiler can make (each nested network takes the width
/// flowing into it, and stated sizes after one), reported at the layer; and
/// the tie between the macro's shapes and nn-core's: every layer's input
/// width is the output width of the one before, which fails the build if the
/// macro ever computed a size that nn-core computes otherwise.
fn compile_time_checks(plan: &Plan, fields: &[Field], input: &Width, output: &Width) -> TokenStream {
    let mut checks: Vec<TokenStream> =
        plan.layers.iter().filter_map(|l| l.planned.code.as_ref()).flat_map(|c| c.type_checks.clone()).collect();
    let message = "network!: a layer's input width differs from the output width before it";
    let mut before: Option<(TokenStream, bool)> = matches!(input, Width::Known(_)).then(|| (quote!(#input), true));
    for field in fields {
        let layer = &field.layer;
        if let Some((width, true)) = &before {
            if field.known.0 {
                checks.push(quote!(::core::assert!(#layer::INPUT == #width, #message)));
            }
        }
        before = Some((quote!(#layer::OUTPUT), field.known.1));
    }
    if let (Some((width, true)), Width::Known(_)) = (&before, output) {
        checks.push(quote!(::core::assert!(#output == #width, #message)));
    }
    if checks.is_empty() {
        return TokenStream::new();
    }
    quote!(const _: () = { #(#checks;)* };)
}

/// Per layer: its scratch memory; between layers: the values flowing forward
/// (`a`) and the gradients flowing back (`g`).
fn buffers_struct(ident: &syn::Ident, vis: &syn::Visibility, fields: &[Field]) -> TokenStream {
    let between = fields.len().saturating_sub(1);
    let a: Vec<_> = (0..between).map(|k| format_ident!("a{}", k)).collect();
    let g: Vec<_> = (0..between).map(|k| format_ident!("g{}", k)).collect();
    let b: Vec<_> = (0..fields.len()).map(|k| format_ident!("b{}", k)).collect();
    let layers: Vec<_> = fields.iter().map(|f| &f.layer).collect();
    quote! {
        #[doc(hidden)]
        #[derive(Default)]
        #vis struct #ident {
            #(#a: ::nn::__private::Vec<f32>,)*
            #(#g: ::nn::__private::Vec<f32>,)*
            #(#b: #layers::Buffers,)*
        }
    }
}

/// `&buffers.a{k}[..]`: the values between layer `k` and `k + 1`.
fn between(k: usize) -> TokenStream {
    let a = format_ident!("a{}", k);
    quote!(&buffers.#a[..])
}

/// `<First as Pair<Next>>`: the trait through which a pair runs.
fn pair(first: &TokenStream, next: &TokenStream) -> TokenStream {
    quote!(<#first as ::nn::__private::Pair<#next>>)
}

/// Batched forward through the scratch values `a{k}`; a fused pair (see
/// [`Fusion`]) as one call, which leaves the values between its two layers
/// (`a{k}` of its first) unused.
fn forward_batch(fields: &[Field], input_width: &Width) -> TokenStream {
    let Some(last) = fields.len().checked_sub(1) else {
        return quote! {
            let _ = (buffers, mode);
            output[..#input_width * batch].copy_from_slice(&input[..#input_width * batch]);
        };
    };
    let out = |k: usize| {
        if k == last {
            quote!(output)
        } else {
            let (a, layer) = (format_ident!("a{}", k), &fields[k].layer);
            quote!(::nn::__private::scratch(&mut buffers.#a, #layer::OUTPUT * batch))
        }
    };
    let mut body = TokenStream::new();
    let mut k = 0;
    while k <= last {
        let (name, layer) = (&fields[k].name, &fields[k].layer);
        let b = format_ident!("b{}", k);
        let x = if k == 0 { quote!(input) } else { between(k - 1) };
        if fused(fields, k) {
            let (next, next_ty, out) = (&fields[k + 1].name, &fields[k + 1].ty, out(k + 1));
            let (pair, next_b) = (pair(&fields[k].ty, next_ty), format_ident!("b{}", k + 1));
            body.extend(quote! {
                #pair::forward_pair(&self.#name, &self.#next, #x, #out, batch, &mut buffers.#b, &mut buffers.#next_b, mode);
            });
            k += 2;
        } else {
            let out = out(k);
            body.extend(quote!(#layer::forward_batch(&self.#name, #x, #out, batch, &mut buffers.#b, mode);));
            k += 1;
        }
    }
    body
}

/// Batched backward, last layer first, through the scratch gradients `g{k}`;
/// with `sgd`, the body of `backward_sgd`, each layer updating itself.
fn backward(fields: &[Field], input_width: &Width, sgd: bool) -> TokenStream {
    let Some(last) = fields.len().checked_sub(1) else {
        let rate = if sgd { quote!(rate) } else { quote!(()) };
        return quote! {
            let _ = (grads, #rate);
            let ::nn::__private::Backward { grad, grad_input, batch, .. } = pass;
            if let ::core::option::Option::Some(grad_input) = grad_input {
                grad_input[..#input_width * batch].copy_from_slice(&grad[..#input_width * batch]);
            }
        };
    };
    let mut body = quote! {
        let ::nn::__private::Backward { input, output, grad, preactivation, grad_input, batch, buffers } = pass;
    };
    // What layer `k` is given: its output, the gradient with respect to it,
    // and whether that is with respect to the pre-activations.
    let given = |k: usize| {
        if k == last {
            (quote!(output), quote!(&mut grad[..]), quote!(preactivation))
        } else {
            let g = format_ident!("g{}", k);
            (between(k), quote!(&mut buffers.#g[..]), quote!(false))
        }
    };
    let mut k = last + 1;
    while k > 0 {
        k -= 1;
        // A fused pair is met at its second layer; `first` is its first.
        let first = if k > 0 && fused(fields, k - 1) { k - 1 } else { k };
        let (name, layer) = (&fields[first].name, &fields[first].layer);
        let b = format_ident!("b{}", first);
        let x = if first == 0 { quote!(input) } else { between(first - 1) };
        let (out, grad, pre) = given(k);
        let grad_in = if first == 0 {
            quote!(grad_input)
        } else {
            let g = format_ident!("g{}", first - 1);
            quote!(::core::option::Option::Some(::nn::__private::scratch(&mut buffers.#g, #layer::INPUT * batch)))
        };
        let pass = quote! {
            ::nn::__private::Backward {
                input: #x, output: #out, grad: #grad, preactivation: #pre, grad_input: #grad_in, batch, buffers: &mut buffers.#b,
            }
        };
        body.extend(match (first < k, sgd) {
            (true, sgd) => {
                let (next, next_b, pair) =
                    (&fields[k].name, format_ident!("b{}", k), pair(&fields[first].ty, &fields[k].ty));
                let (call, this, rate) = if sgd {
                    (quote!(backward_pair_sgd), quote!(&mut self.#name), quote!(, rate))
                } else {
                    (quote!(backward_pair), quote!(&self.#name), TokenStream::new())
                };
                quote!(#pair::#call(#this, &self.#next, #pass, &mut buffers.#next_b, &mut grads.#name #rate);)
            }
            (false, true) => quote!(#layer::backward_sgd(&mut self.#name, #pass, &mut grads.#name, rate);),
            (false, false) => quote!(#layer::backward_batch(&self.#name, #pass, &mut grads.#name);),
        });
        k = first;
    }
    body
}

/// `parts` and `parts_mut`: each layer's tensors under its module, in order.
fn parts(fields: &[Field]) -> TokenStream {
    let visits = |method: TokenStream, reference: TokenStream| -> TokenStream {
        fields
            .iter()
            .map(|f| {
                let (layer, name, module) = (&f.layer, &f.name, f.module);
                quote!(#layer::#method(#reference self.#name, &path.module(#module), visit);)
            })
            .collect()
    };
    let (read, write) = (visits(quote!(parts), quote!(&)), visits(quote!(parts_mut), quote!(&mut)));
    // Each layer pairs its own parameters with its gradients, so the walk
    // stays linear in the network's tensors (the derived one looks up each
    // gradient by its index among all of them).
    let pairs: TokenStream = fields
        .iter()
        .map(|f| {
            let (layer, name) = (&f.layer, &f.name);
            quote!(#layer::visit_params(&mut self.#name, &grads.#name, visit);)
        })
        .collect();
    let penalties: TokenStream = fields
        .iter()
        .map(|f| {
            let (layer, name) = (&f.layer, &f.name);
            quote!(total += #layer::penalty(&self.#name, grads.as_deref_mut().map(|g| &mut g.#name));)
        })
        .collect();
    quote! {
        fn visit_params(&mut self, grads: &Self, visit: &mut dyn ::core::ops::FnMut(&mut [f32], &[f32])) {
            let _ = (grads, &visit);
            #pairs
        }

        fn penalty(&self, mut grads: ::core::option::Option<&mut Self>) -> f64 {
            let mut total = 0.0;
            let _ = &mut grads;
            #penalties
            total
        }

        fn parts<'s>(
            &'s self,
            path: &::nn::__private::layers::Path<'_>,
            visit: &mut dyn ::core::ops::FnMut(::nn::__private::layers::Part<'_, ::nn::__private::layers::Data<'s>>),
        ) {
            #read
        }

        fn parts_mut<'s>(
            &'s mut self,
            path: &::nn::__private::layers::Path<'_>,
            visit: &mut dyn ::core::ops::FnMut(::nn::__private::layers::Part<'_, ::nn::__private::layers::DataMut<'s>>),
        ) {
            #write
        }
    }
}

/// `update_state`: each layer's, with its buffers.
fn update_state(fields: &[Field]) -> TokenStream {
    let updates = fields.iter().enumerate().map(|(k, f)| {
        let (layer, name, b) = (&f.layer, &f.name, format_ident!("b{}", k));
        quote!(#layer::update_state(&mut self.#name, &buffers.#b);)
    });
    quote! {
        fn update_state(&mut self, buffers: &Self::Buffers) {
            let _ = buffers;
            #(#updates)*
        }
    }
}

/// `check_input`: the first layer's rules for the network's input values
/// (an embedding's token ids, or a nested network's).
fn check_input(fields: &[Field]) -> TokenStream {
    let Some(first) = fields.first() else { return TokenStream::new() };
    let (layer, name) = (&first.layer, &first.name);
    quote! {
        fn check_input(&self, input: &[f32], batch: usize) -> ::nn::__private::Result<()> {
            #layer::check_input(&self.#name, input, batch)
        }
    }
}

/// The body of `onnx`: the input shaped as declared, then each layer's
/// operators, named after its module as its tensors are, and its output
/// shaped as the macro computed it (a `flatten`, which has no field, is only
/// that); an error names the layer as written.
fn onnx(plan: &Plan, fields: &[Field]) -> TokenStream {
    let input_dims = plan.input.dims_tokens();
    let mut fields = fields.iter();
    let steps = plan.layers.iter().map(|layer| {
        let (index, label, dims) = (layer.index, &layer.planned.label, layer.planned.output.dims_tokens());
        let field = layer.planned.code.as_ref().and_then(|_| fields.next());
        let shaped = match field {
            Some(f) => {
                let (layer, name, module) = (&f.layer, &f.name, f.module);
                quote! {
                    #layer::onnx(&self.#name, graph, &::nn::__private::format!("{}{}.", prefix, #module), x)
                        .and_then(|x| graph.shaped(x, &#dims))
                }
            }
            None => quote!(graph.shaped(x, &#dims)),
        };
        quote!(let x = #shaped.map_err(|e| e.in_layer(#index, #label))?;)
    });
    quote! {
        let x = graph.shaped(input, &#input_dims)?;
        #(#steps)*
        ::core::result::Result::Ok(x)
    }
}

/// The summary rows, one per layer as written, each block's rows under it.
fn rows(plan: &Plan, fields: &[Field]) -> Vec<Row> {
    let mut fields = fields.iter();
    let mut rows = Vec::new();
    for layer in &plan.layers {
        let field = layer.planned.code.as_ref().and_then(|_| fields.next());
        let count = |what: TokenStream| {
            field.map_or_else(
                || quote!(0),
                |f| {
                    let layer = &f.layer;
                    quote!(#layer::#what)
                },
            )
        };
        rows.push(Row {
            depth: 0,
            label: layer.planned.label.clone(),
            output: layer.planned.output.summary_tokens(),
            params: count(quote!(PARAMS)),
            state: count(quote!(STATE)),
        });
        rows.extend(layer.planned.nested.iter().cloned());
    }
    rows
}

/// The summary: the network's name and its rows.
fn summary(ident: &syn::Ident, plan: &Plan, fields: &[Field]) -> TokenStream {
    let rows = rows(plan, fields).into_iter().map(|Row { label, depth, output, params, state }| {
        quote! {
            ::nn::__private::network::SummaryRow {
                layer: ::nn::__private::String::from(#label),
                output: #output,
                params: #params,
                state: #state,
                depth: #depth,
            }
        }
    });
    let name = ident.to_string();
    quote! {
        ::nn::__private::network::Summary {
            name: ::nn::__private::String::from(#name),
            rows: ::nn::__private::vec![#(#rows),*],
        }
    }
}

/// The network as a struct without layers, for a declaration with mistakes:
/// the same widths and methods, computing nothing (the build stops at the
/// mistakes' errors before anything runs).
fn stub(net: &Network, plan: &Plan) -> TokenStream {
    let Network { attrs, vis, ident, .. } = net;
    let (input, output) = (plan.input.flat(), plan.output.flat());
    let last = plan.layers.last().and_then(|l| l.planned.code.as_ref());
    let activation = activated(last.filter(|code| code.activated).map(|code| &code.ty), &output);
    let common = Common {
        net,
        input: input.clone(),
        input_dims: plan.input.dims_tokens(),
        output: output.clone(),
        params: quote!(0),
        activation,
        summary: quote!(::nn::__private::network::Summary {
            name: ::nn::__private::String::new(),
            rows: ::nn::__private::Vec::new(),
        }),
    }
    .tokens();
    quote! {
        #(#attrs)*
        #vis struct #ident {}

        #common

        impl ::nn::__private::Layer for #ident {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
            const PARAMS: usize = 0;
            const STATE: usize = 0;
            type Buffers = ();

            fn init<R: ::nn::__private::rand::Rng + ?::core::marker::Sized>(_: &mut R) -> Self {
                #ident {}
            }

            fn zeroed() -> Self {
                #ident {}
            }

            fn forward_batch(&self, _: &[f32], output: &mut [f32], _: usize, _: &mut (), _: &mut ::nn::__private::Mode<'_>) {
                output.fill(0.0);
            }

            fn backward_batch(&self, _: ::nn::__private::Backward<'_, ()>, _: &mut Self) {}

            fn parts<'s>(
                &'s self,
                _: &::nn::__private::layers::Path<'_>,
                _: &mut dyn ::core::ops::FnMut(::nn::__private::layers::Part<'_, ::nn::__private::layers::Data<'s>>),
            ) {
            }

            fn parts_mut<'s>(
                &'s mut self,
                _: &::nn::__private::layers::Path<'_>,
                _: &mut dyn ::core::ops::FnMut(::nn::__private::layers::Part<'_, ::nn::__private::layers::DataMut<'s>>),
            ) {
            }

            fn onnx(
                &self,
                _: &mut ::nn::__private::onnx::Graph,
                _: &str,
                _: ::nn::__private::onnx::Value,
            ) -> ::nn::__private::Result<::nn::__private::onnx::Value> {
                ::core::result::Result::Err(::nn::__private::Error::export(::nn::__private::String::from(
                    "a network declared with mistakes has no ONNX form",
                )))
            }
        }
    }
}

/// A network's `Activated` items: its last layer's activation and groups of
/// output values when that layer is `activated` (of type `last`), else no
/// activation and the whole output of `output` values as one prediction.
fn activated(last: Option<&TokenStream>, output: &Width) -> (TokenStream, TokenStream) {
    match last {
        Some(ty) => (
            quote!(<#ty as ::nn::__private::Activated>::Activation),
            quote!(<#ty as ::nn::__private::Activated>::GROUP),
        ),
        None => (quote!(::nn::__private::act::Linear), quote!(#output)),
    }
}
