//! `net(Path)`: another network used as a layer. PyTorch: its own `Sequential`.

use super::{Code, Planned};
use crate::ast::{Arg, LayerSpec};
use crate::ctxt::Ctxt;
use crate::shape::{Shape, Width};
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;

/// Rule: one network type, which takes the width flowing in (checked by the
/// compiler, at the path) and gives its own output width.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    let path = match spec.args.as_deref() {
        Some([Arg::Path(path)]) => path.clone(),
        _ => {
            cx.error_spanned_by(&spec.tokens, "`net` takes one network type, e.g. `net(Encoder)`");
            return None;
        }
    };
    let input = match incoming {
        Shape::Vector(width) => width.clone(),
        other => {
            cx.error_spanned_by(
                &spec.tokens,
                format_args!("`net` takes a vector, but it receives {}; put `flatten` before it", other.in_words()),
            );
            other.flat()
        }
    };
    let span = path.span();
    let output = Width::Expr(quote_spanned!(span=> <#path as ::nn::__private::Widths>::OUTPUT));
    // The type as `Nested` names it, through the network's output width: a
    // path that is not a network makes that width an error, which ends the
    // compiler's checks of everything built on the type there (one error
    // rather than one per use).
    let ty = quote_spanned!(span=> <#path as ::nn::__private::Nested<{ <#path as ::nn::__private::Widths>::OUTPUT }>>::Network);
    // A network is its own view's type too.
    let mut code = Code::plain(ty.clone(), Some(ty));
    code.activated = true;
    code.type_checks.push(quote_spanned!(span=> ::nn::__private::takes_input::<#path, #input>()));
    Some(Planned::new(
        Shape::Vector(output),
        format!("net ({})", path.to_token_stream().to_string().replace(' ', "")),
        1,
        Some(code),
    ))
}
