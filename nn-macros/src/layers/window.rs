//! What convolution and pooling share: a window of `(rows, columns)` moved
//! by a stride, with Keras' `valid` or `same` padding, and the output size
//! that follows (DESIGN.md's table).

use crate::args::{self, Args};
use crate::ast::Arg;
use crate::ctxt::Ctxt;
use crate::vocab::PADDINGS;

/// A checked window over an image of `h x w`.
pub struct Window {
    pub size: [usize; 2],
    pub stride: [usize; 2],
    pub same: bool,
    /// The output rows and columns.
    pub output: [usize; 2],
}

/// Rules: a window is one size or a pair (`3`, `(3, 5)`), none zero; `stride`
/// likewise (default `default_stride`), none zero; `padding` is `valid`
/// (default) or `same`; with `valid` padding the window fits in the image.
/// `noun` names the window in errors ("kernel", "window"). `None` after an error.
pub fn check(
    window: &Arg,
    args: &Args<'_>,
    [h, w]: [usize; 2],
    noun: &str,
    default_stride: Option<[usize; 2]>,
    cx: &mut Ctxt,
) -> Option<Window> {
    let size = args::pair_arg(
        window,
        &format!("the {noun} size"),
        &format!("the {noun} size is 0; a {noun} covers at least one value"),
        cx,
    );
    let stride_zero = "a stride of 0 never moves the window; a stride is at least 1";
    let stride = match args.option("stride") {
        Some(value) => args::pair(value, "the stride", stride_zero, cx),
        None => default_stride.or(size).or(Some([1, 1])),
    };
    let same = match args.option("padding") {
        Some(value) => args::name(value, "padding", PADDINGS, cx).map(|p| p == "same"),
        None => Some(false),
    };
    let (size, stride, same) = (size?, stride?, same?);
    if !same && (size[0] > h || size[1] > w) {
        cx.error_spanned_by(
            args::tokens(window),
            format_args!(
                "the {}x{} {noun} does not fit in the {h}x{w} image this layer receives, so it has no place to \
                 slide to; make it smaller, or pad the image with `padding = same`",
                size[0], size[1]
            ),
        );
        return None;
    }
    let out = |input: usize, k: usize, s: usize| if same { input.div_ceil(s) } else { (input - k) / s + 1 };
    Some(Window { size, stride, same, output: [out(h, size[0], stride[0]), out(w, size[1], stride[1])] })
}
