//! `flatten`: an image or a sequence as a vector of all its values, in the
//! order they are stored (C, then H, then W; PyTorch's `Flatten()`).

use super::{no_arguments, Planned};
use crate::ast::LayerSpec;
use crate::ctxt::Ctxt;
use crate::shape::Shape;

/// Rule: no arguments; any shape in, a vector of as many values out.
pub fn check(spec: &LayerSpec, incoming: &Shape, cx: &mut Ctxt) -> Option<Planned> {
    no_arguments(spec, cx);
    Some(Planned::new(Shape::Vector(incoming.flat()), "flatten", 1, None))
}
