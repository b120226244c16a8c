//! Writes the network: the struct, its scratch buffers, and the impls that chain
//! the layers. The math lives in nn-core; this only wires it, with absolute paths
//! through `::nn::__private` so user code cannot shadow them.

use crate::ast::Network;
use crate::check::{self, Kind, Plan, Width};
use crate::ctxt::Ctxt;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

pub fn expand(net: &Network) -> TokenStream {
    let mut cx = Ctxt::default();
    let plan = check::check(net, &mut cx);
    let items = generate(net, &plan);
    let errors = cx.into_compile_errors();
    quote! { #errors #items }
}

/// A layer that becomes a field of the struct.
struct Field {
    /// `layer{n}`, `n` counting every layer as written (so `flatten` keeps its index).
    name: syn::Ident,
    ty: TokenStream,
    /// The widths of the field's own `Layer` impl.
    input: TokenStream,
    output: TokenStream,
    /// The width flowing in from the layer before (differs from `input` only when
    /// a nested network does not fit, which a type check reports).
    incoming: TokenStream,
    /// How `init` builds it from `rng`.
    init: TokenStream,
    /// Its index in the matching PyTorch `nn.Sequential`, where an activation is a
    /// module of its own.
    module: usize,
    span: Span,
}

impl Field {
    /// `<Ty as ::nn::__private::Layer<I, O>>`
    fn as_layer(&self) -> TokenStream {
        let (ty, input, output) = (&self.ty, &self.input, &self.output);
        quote_spanned!(self.span=> <#ty as ::nn::__private::Layer<#input, #output>>)
    }
}

fn fields(plan: &Plan) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut module = 0;
    for (index, layer) in plan.layers.iter().enumerate() {
        let span = layer.tokens.span();
        let name = format_ident!("layer{}", index);
        let (incoming, output) = (layer.input.to_token_stream(), layer.output.to_token_stream());
        let first_module = module;
        module += match &layer.kind {
            Kind::Dense(dense) if dense.activation_module => 2,
            _ => 1,
        };
        let module = first_module;
        let (ty, input) = match &layer.kind {
            Kind::Flatten => continue,
            Kind::Dense(dense) => {
                let activation = &dense.activation;
                let ty = quote_spanned!(span=> ::nn::__private::layers::Dense<#incoming, #output, ::nn::__private::act::#activation>);
                (ty, incoming.clone())
            }
            Kind::Dropout { rate_bits } => {
                let bits = proc_macro2::Literal::u32_unsuffixed(*rate_bits);
                (quote_spanned!(span=> ::nn::__private::layers::Dropout<#incoming, #bits>), incoming.clone())
            }
            Kind::Net { path } => (
                quote_spanned!(span=> #path),
                Width::Expr(quote_spanned!(path.span()=> <#path as ::nn::__private::Widths>::INPUT)).to_token_stream(),
            ),
        };
        let as_layer = quote_spanned!(span=> <#ty as ::nn::__private::Layer<#input, #output>>);
        let init = match &layer.kind {
            Kind::Dense(dense) => dense_init(&ty, &as_layer, dense),
            _ => quote!(#as_layer::init(rng)),
        };
        fields.push(Field { name, ty, input, output, incoming, init, module, span });
    }
    fields
}

/// `init` of a dense layer: its scheme (the activation's unless `init =` says),
/// then its regulariser if `l1 =` or `l2 =` gave one.
fn dense_init(ty: &TokenStream, as_layer: &TokenStream, dense: &check::DenseSpec) -> TokenStream {
    let mut init = match &dense.init {
        Some(scheme) => quote!(<#ty>::with_init(::nn::__private::init::Init::#scheme, rng)),
        None => quote!(#as_layer::init(rng)),
    };
    if dense.l1.is_some() || dense.l2.is_some() {
        let (l1, l2) = (dense.l1.unwrap_or(0.0), dense.l2.unwrap_or(0.0));
        init = quote!(#init.regularized(::nn::__private::layers::Regularizer { l1: #l1, l2: #l2 }));
    }
    init
}

fn generate(net: &Network, plan: &Plan) -> TokenStream {
    let Network { attrs, vis, ident, .. } = net;
    let buffers_ident = format_ident!("__{}Buffers", ident);
    let fields = fields(plan);
    let input = plan.input.to_token_stream();
    let output = plan.layers.last().map_or_else(|| input.clone(), |l| l.output.to_token_stream());

    let field_decls = fields.iter().map(|f| {
        let (name, ty) = (&f.name, &f.ty);
        quote_spanned!(f.span=> #vis #name: #ty,)
    });
    let names: Vec<_> = fields.iter().map(|f| &f.name).collect();
    let layers: Vec<_> = fields.iter().map(Field::as_layer).collect();
    let modules: Vec<_> = fields.iter().map(|f| f.module).collect();
    let inits: Vec<_> = fields.iter().map(|f| &f.init).collect();
    let params = if fields.is_empty() { quote!(0) } else { quote!(#(#layers::PARAMS)+*) };
    let activation = match layers.last() {
        Some(last) => quote!(#last::Activation),
        None => quote!(::nn::__private::act::Linear),
    };
    let type_checks = type_checks(plan);
    let buffers = buffers_struct(&buffers_ident, vis, &fields);
    let forward = forward_one(&fields);
    let forward_batch = forward_batch(&fields, &input);
    let backward_sgd = backward_batch(&fields, &input, true);
    let backward_batch = backward_batch(&fields, &input, false);
    let summary = summary(ident, plan, &fields);

    quote! {
        #(#attrs)*
        #vis struct #ident {
            #(#field_decls)*
        }

        #buffers

        #type_checks

        impl #ident {
            /// Number of input values.
            #vis const INPUT: usize = #input;
            /// Number of output values.
            #vis const OUTPUT: usize = #output;
            /// Number of trainable parameters.
            #vis const PARAMS: usize = #params;

            /// A network with weights drawn from `rng` (He for ReLU layers, Glorot otherwise; zero biases).
            #vis fn new<R: ::nn::__private::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                <Self as ::nn::__private::Layer<#input, #output>>::init(rng)
            }

            /// A network with weights drawn from a generator seeded with `seed`: the same seed gives the same weights.
            #vis fn seeded(seed: u64) -> Self {
                let mut rng = <::nn::__private::rand::rngs::StdRng as ::nn::__private::rand::SeedableRng>::seed_from_u64(seed);
                Self::new(&mut rng)
            }

            /// The output for one sample: an `SVector` or an array of the input width.
            #vis fn forward(&self, input: impl ::nn::__private::Sample<#input>) -> ::nn::__private::nalgebra::SVector<f32, #output> {
                let input = ::nn::__private::Sample::<#input>::into_vector(input);
                <Self as ::nn::__private::Layer<#input, #output>>::forward(self, &input)
            }

            /// The layers, their output shapes and parameter counts, as Keras prints them.
            #vis fn summary(&self) -> ::nn::__private::network::Summary {
                #summary
            }
        }

        impl ::nn::__private::Layer<#input, #output> for #ident {
            type Activation = #activation;
            type Buffers = #buffers_ident;
            const PARAMS: usize = #params;

            fn init<R: ::nn::__private::rand::Rng + ?::core::marker::Sized>(rng: &mut R) -> Self {
                #ident { #(#names: #inits,)* }
            }

            fn zeroed() -> Self {
                #ident { #(#names: #layers::zeroed(),)* }
            }

            fn forward(&self, input: &::nn::__private::nalgebra::SVector<f32, #input>) -> ::nn::__private::nalgebra::SVector<f32, #output> {
                #forward
            }

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

            fn backward_batch(
                &self,
                input: &[f32],
                output: &[f32],
                grad: &mut [f32],
                preactivation: bool,
                grad_input: ::core::option::Option<&mut [f32]>,
                batch: usize,
                buffers: &mut Self::Buffers,
                grads: &mut Self,
            ) {
                #backward_batch
            }

            fn backward_sgd(
                &mut self,
                input: &[f32],
                output: &[f32],
                grad: &mut [f32],
                preactivation: bool,
                grad_input: ::core::option::Option<&mut [f32]>,
                batch: usize,
                buffers: &mut Self::Buffers,
                grads: &mut Self,
                rate: f32,
            ) {
                #backward_sgd
            }

            fn visit_params(&mut self, grads: &Self, visit: &mut dyn ::core::ops::FnMut(&mut [f32], &[f32])) {
                #(#layers::visit_params(&mut self.#names, &grads.#names, visit);)*
            }

            fn params(&self, visit: &mut dyn ::core::ops::FnMut(&[f32])) {
                #(#layers::params(&self.#names, visit);)*
            }

            fn penalty(&self, grads: ::core::option::Option<&mut Self>) -> f64 {
                match grads {
                    ::core::option::Option::Some(grads) => {
                        0.0 #(+ #layers::penalty(&self.#names, ::core::option::Option::Some(&mut grads.#names)))*
                    }
                    ::core::option::Option::None => 0.0 #(+ #layers::penalty(&self.#names, ::core::option::Option::None))*,
                }
            }

            fn tensors(&self, prefix: &str, visit: &mut dyn ::core::ops::FnMut(::nn::__private::Tensor<'_>)) {
                #(#layers::tensors(&self.#names, &::std::format!("{}{}.", prefix, #modules), visit);)*
            }

            fn load_tensors(&mut self, prefix: &str, source: &mut ::nn::__private::TensorSource<'_>) -> ::nn::__private::Result<()> {
                #(#layers::load_tensors(&mut self.#names, &::std::format!("{}{}.", prefix, #modules), source)?;)*
                ::core::result::Result::Ok(())
            }
        }

        impl ::nn::__private::TakesInput<#input> for #ident {}

        impl ::nn::__private::Widths for #ident {
            const INPUT: usize = #input;
            const OUTPUT: usize = #output;
        }

        impl ::nn::__private::Network<#input, #output> for #ident {
            fn summary(&self) -> ::nn::__private::network::Summary {
                #ident::summary(self)
            }
        }
    }
}

/// Checks only the compiler can make: that each nested network takes the width
/// flowing into it (and stated sizes after one), reported at the layer.
fn type_checks(plan: &Plan) -> TokenStream {
    let mut checks = plan.type_checks.clone();
    for layer in &plan.layers {
        if let Kind::Net { path } = &layer.kind {
            let incoming = &layer.input;
            checks.push(quote_spanned!(path.span()=> ::nn::__private::takes_input::<#path, #incoming>()));
        }
    }
    if checks.is_empty() {
        return TokenStream::new();
    }
    quote!(const _: () = { #(#checks;)* };)
}

/// Per layer: its scratch memory; between layers: the activations flowing
/// forward (`a`) and the gradients flowing back (`g`).
fn buffers_struct(ident: &syn::Ident, vis: &syn::Visibility, fields: &[Field]) -> TokenStream {
    let between = fields.len().saturating_sub(1);
    let a: Vec<_> = (0..between).map(|k| format_ident!("a{}", k)).collect();
    let g: Vec<_> = (0..between).map(|k| format_ident!("g{}", k)).collect();
    let b: Vec<_> = (0..fields.len()).map(|k| format_ident!("b{}", k)).collect();
    let layers: Vec<_> = fields.iter().map(Field::as_layer).collect();
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types, non_snake_case)]
        #vis struct #ident {
            #(#a: ::nn::__private::Vec<f32>,)*
            #(#g: ::nn::__private::Vec<f32>,)*
            #(#b: #layers::Buffers,)*
        }

        impl ::core::default::Default for #ident {
            fn default() -> Self {
                #ident {
                    #(#a: ::nn::__private::Vec::new(),)*
                    #(#g: ::nn::__private::Vec::new(),)*
                    #(#b: ::core::default::Default::default(),)*
                }
            }
        }
    }
}

/// Single-sample forward: each layer's output feeds the next.
fn forward_one(fields: &[Field]) -> TokenStream {
    if fields.is_empty() {
        return quote!(input.clone_owned());
    }
    let mut body = quote!(let x = input.clone_owned(););
    for f in fields {
        let (name, layer, incoming, input) = (&f.name, f.as_layer(), &f.incoming, &f.input);
        body.extend(quote! {
            let x = ::nn::__private::same_width::<#incoming, #input>(x);
            let x = #layer::forward(&self.#name, &x);
        });
    }
    quote!(#body x)
}

/// Batched forward through the scratch activations `a{k}`.
fn forward_batch(fields: &[Field], input_width: &TokenStream) -> TokenStream {
    let last = match fields.len() {
        0 => {
            return quote! {
                let _ = (buffers, mode);
                output[..#input_width * batch].copy_from_slice(&input[..#input_width * batch]);
            }
        }
        n => n - 1,
    };
    let mut body = TokenStream::new();
    for (k, f) in fields.iter().enumerate() {
        let (name, layer, width) = (&f.name, f.as_layer(), &f.output);
        let b = format_ident!("b{}", k);
        let x = if k == 0 { quote!(input) } else { activation(k - 1) };
        let out = if k == last {
            quote!(output)
        } else {
            let a = format_ident!("a{}", k);
            quote!(::nn::__private::scratch(&mut buffers.#a, #width * batch))
        };
        body.extend(quote!(#layer::forward_batch(&self.#name, #x, #out, batch, &mut buffers.#b, mode);));
    }
    body
}

fn activation(k: usize) -> TokenStream {
    let a = format_ident!("a{}", k);
    quote!(&buffers.#a[..])
}

/// Batched backward, last layer first, through the scratch gradients `g{k}`;
/// with `sgd`, the body of `backward_sgd`, each layer updating itself.
fn backward_batch(fields: &[Field], input_width: &TokenStream, sgd: bool) -> TokenStream {
    let last = match fields.len() {
        0 => {
            let rate = if sgd { quote!(rate) } else { quote!(()) };
            return quote! {
                let _ = (input, output, preactivation, buffers, grads, #rate);
                if let ::core::option::Option::Some(grad_input) = grad_input {
                    grad_input[..#input_width * batch].copy_from_slice(&grad[..#input_width * batch]);
                }
            };
        }
        n => n - 1,
    };
    let mut body = TokenStream::new();
    for (k, f) in fields.iter().enumerate().rev() {
        let (name, layer) = (&f.name, f.as_layer());
        let b = format_ident!("b{}", k);
        let x = if k == 0 { quote!(input) } else { activation(k - 1) };
        let (out, grad, pre) = if k == last {
            (quote!(output), quote!(grad), quote!(preactivation))
        } else {
            let (a, g) = (format_ident!("a{}", k), format_ident!("g{}", k));
            (quote!(&buffers.#a[..]), quote!(&mut buffers.#g[..]), quote!(false))
        };
        let grad_in = if k == 0 {
            quote!(grad_input)
        } else {
            let g = format_ident!("g{}", k - 1);
            let width = &fields[k - 1].output;
            quote!(::core::option::Option::Some(::nn::__private::scratch(&mut buffers.#g, #width * batch)))
        };
        body.extend(if sgd {
            quote! {
                #layer::backward_sgd(
                    &mut self.#name, #x, #out, #grad, #pre, #grad_in, batch, &mut buffers.#b, &mut grads.#name, rate,
                );
            }
        } else {
            quote! {
                #layer::backward_batch(&self.#name, #x, #out, #grad, #pre, #grad_in, batch, &mut buffers.#b, &mut grads.#name);
            }
        });
    }
    body
}

/// The summary rows, one per layer as written.
fn summary(ident: &syn::Ident, plan: &Plan, fields: &[Field]) -> TokenStream {
    let mut params = fields.iter().map(Field::as_layer);
    let rows = plan.layers.iter().map(|layer| {
        let label = &layer.label;
        let width = &layer.output;
        let count = match layer.kind {
            Kind::Flatten => quote!(0),
            _ => params.next().map_or_else(|| quote!(0), |layer| quote!(#layer::PARAMS)),
        };
        quote! {
            ::nn::__private::network::SummaryRow {
                layer: ::nn::__private::String::from(#label),
                output: ::std::format!("({})", #width),
                params: #count,
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
