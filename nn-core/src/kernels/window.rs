//! The sliding windows of convolution and pooling: output sizes and padding
//! (Keras' rules), and which part of each window lies inside the image. The
//! layers and the views both take their windows from here.

use core::ops::Range;

/// The output size along one axis of `input` values for a window of `kernel`
/// moved by `stride`: with `same` padding `ceil(input / stride)`, else (valid)
/// `floor((input - kernel) / stride) + 1`. `network!` checks that the window
/// fits and the stride is not zero before it writes the sizes into a type.
pub const fn output_size(input: usize, kernel: usize, stride: usize, same: bool) -> usize {
    if same {
        input.div_ceil(stride)
    } else {
        (input - kernel) / stride + 1
    }
}

/// Zeros added before the first value along one axis: with `same` padding half
/// of the total `max(0, (out - 1) · stride + kernel - input)`, rounded down,
/// the rest after the last value (Keras; ONNX's `SAME_UPPER`); none with valid.
pub const fn padding_before(input: usize, kernel: usize, stride: usize, same: bool) -> usize {
    if !same {
        return 0;
    }
    let needed = (output_size(input, kernel, stride, true) - 1) * stride + kernel;
    needed.saturating_sub(input) / 2
}

/// One axis of a window moved over an image: the image's `size` values, the
/// window's `kernel`, its `stride`, the zeros `pad` before the first value
/// and the `out` positions it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Axis {
    pub size: usize,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    pub out: usize,
}

impl Axis {
    pub const fn new(size: usize, kernel: usize, stride: usize, same: bool) -> Self {
        Axis {
            size,
            kernel,
            stride,
            pad: padding_before(size, kernel, stride, same),
            out: output_size(size, kernel, stride, same),
        }
    }

    /// The image's values under the window at output `o` (pooling: the
    /// padding is left out).
    #[inline(always)]
    pub fn under(&self, o: usize) -> Range<usize> {
        let start = (o * self.stride) as isize - self.pad as isize;
        let end = (start + self.kernel as isize).min(self.size as isize);
        start.max(0) as usize..end.max(0) as usize
    }

    /// The outputs whose window puts its value `k` inside the image
    /// (convolution: the others meet the padding's zeros).
    #[inline(always)]
    pub fn inside(&self, k: usize) -> Range<usize> {
        // Input index o · stride + k - pad must be in 0..size.
        let offset = k as isize - self.pad as isize;
        let first = if offset >= 0 { 0 } else { (-offset) as usize }.div_ceil(self.stride);
        let end = if (self.size as isize) <= offset { 0 } else { (self.size as isize - offset) as usize }
            .div_ceil(self.stride);
        first.min(self.out)..end.min(self.out).max(first.min(self.out))
    }
}

/// Call `f(p, ys, xs)` for each output position `p = y · cols.out + x` of
/// one channel, with the image's rows `ys` and columns `xs` under its window
/// (pooling's windows, the padding left out).
#[inline(always)]
pub(crate) fn for_each_window(rows: Axis, cols: Axis, mut f: impl FnMut(usize, Range<usize>, Range<usize>)) {
    for y in 0..rows.out {
        let ys = rows.under(y);
        for x in 0..cols.out {
            f(y * cols.out + x, ys.clone(), cols.under(x));
        }
    }
}

/// The geometry of a window over one sample of `c` channels of `h x w` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub oh: usize,
    pub ow: usize,
    /// Padding before the first row and column.
    pub ph: usize,
    pub pw: usize,
}

impl Window {
    pub const fn new(c: usize, [h, w]: [usize; 2], [kh, kw]: [usize; 2], [sh, sw]: [usize; 2], same: bool) -> Self {
        let (rows, cols) = (Axis::new(h, kh, sh, same), Axis::new(w, kw, sw, same));
        Window { c, h, w, kh, kw, sh, sw, oh: rows.out, ow: cols.out, ph: rows.pad, pw: cols.pad }
    }

    /// The padding on each side, top, left, bottom, right (ONNX's `pads`):
    /// before, as [`padding_before`], and after, what the output needs
    /// beyond the input and the padding before (Keras' extra zero after).
    pub const fn pads(&self) -> [usize; 4] {
        // The padding both sides together: what the output needs beyond the input.
        const fn total(input: usize, kernel: usize, stride: usize, out: usize) -> usize {
            ((out - 1) * stride + kernel).saturating_sub(input)
        }
        let (th, tw) = (total(self.h, self.kh, self.sh, self.oh), total(self.w, self.kw, self.sw, self.ow));
        [self.ph, self.pw, th - self.ph, tw - self.pw]
    }

    /// Output positions per channel.
    pub const fn positions(&self) -> usize {
        self.oh * self.ow
    }

    /// Rows of the window matrix: every channel's kernel positions.
    pub const fn depth(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// The height axis and the width axis of the window.
    #[inline(always)]
    pub(super) const fn axes(&self) -> (Axis, Axis) {
        let rows = Axis { size: self.h, kernel: self.kh, stride: self.sh, pad: self.ph, out: self.oh };
        let cols = Axis { size: self.w, kernel: self.kw, stride: self.sw, pad: self.pw, out: self.ow };
        (rows, cols)
    }

    /// The output rows (or columns) for which kernel offset `k` lands inside
    /// the image, along the height axis when `rows`, else the width axis.
    #[inline(always)]
    pub(super) fn valid(&self, k: usize, rows: bool) -> Range<usize> {
        let (height, width) = self.axes();
        if rows {
            height.inside(k)
        } else {
            width.inside(k)
        }
    }

    /// Call `f(p, ys, xs)` for each output position `p` of one channel with
    /// the input rows and columns its window covers inside the image.
    #[inline(always)]
    pub fn for_each_window(&self, f: impl FnMut(usize, Range<usize>, Range<usize>)) {
        let (rows, cols) = self.axes();
        for_each_window(rows, cols, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ONNX's explicit pads are Keras' padding, the extra zero after:
    /// a (3, 5) kernel of stride 2 on 28 x 28 needs 1 and 3 in all (14
    /// outputs), padded 0 before and 1 after, 1 before and 2 after; valid
    /// padding has none.
    #[test]
    fn pads_put_the_extra_zero_after() {
        assert_eq!(Window::new(1, [28, 28], [3, 5], [2, 2], true).pads(), [0, 1, 1, 2]);
        assert_eq!(Window::new(1, [28, 28], [3, 5], [2, 2], false).pads(), [0, 0, 0, 0]);
    }

    /// Keras' output sizes: `Conv2D(3)` on 28 is 26, `MaxPooling2D(2)` on 26 is
    /// 13, `Conv2D(3)` on 13 is 11, `MaxPooling2D(2)` on 11 is 5; "same" with
    /// stride 2 on 28 is 14 and on 5 is 3.
    #[test]
    fn output_sizes_follow_keras() {
        assert_eq!(output_size(28, 3, 1, false), 26);
        assert_eq!(output_size(26, 2, 2, false), 13);
        assert_eq!(output_size(13, 3, 1, false), 11);
        assert_eq!(output_size(11, 2, 2, false), 5);
        assert_eq!(output_size(28, 3, 1, true), 28);
        assert_eq!(output_size(28, 3, 2, true), 14);
        assert_eq!(output_size(5, 2, 2, true), 3);
        assert_eq!(output_size(7, 5, 2, false), 2);
    }

    /// Total padding `max(0, (out - 1) · s + k - in)`, the smaller half before.
    #[test]
    fn same_padding_puts_the_extra_zero_after() {
        // 28, k 3, s 1: total 2, one before.
        assert_eq!(padding_before(28, 3, 1, true), 1);
        // 28, k 4, s 1: total 3, one before, two after.
        assert_eq!(padding_before(28, 4, 1, true), 1);
        // 28, k 3, s 2: out 14, total 1, none before.
        assert_eq!(padding_before(28, 3, 2, true), 0);
        // 5, k 2, s 2: out 3, total 1, none before.
        assert_eq!(padding_before(5, 2, 2, true), 0);
        // 6, k 5, s 1: total 4, two before.
        assert_eq!(padding_before(6, 5, 1, true), 2);
        assert_eq!(padding_before(28, 3, 1, false), 0);
    }

    /// Every output and kernel offset of a few axes, against the
    /// definition: `inside` holds exactly the outputs whose input index is
    /// in the image, and `under` exactly the image's indices in the window.
    #[test]
    fn windows_follow_their_definition() {
        for (size, kernel, stride, same) in [(7, 3, 1, false), (7, 3, 2, true), (5, 2, 2, true), (6, 5, 1, true)] {
            let axis = Axis::new(size, kernel, stride, same);
            for k in 0..kernel {
                let expected: Vec<usize> = (0..axis.out)
                    .filter(|o| (0..size as isize).contains(&((o * stride + k) as isize - axis.pad as isize)))
                    .collect();
                assert_eq!(axis.inside(k).collect::<Vec<_>>(), expected, "{size} {kernel} {stride} {same} {k}");
            }
            for o in 0..axis.out {
                let start = (o * stride) as isize - axis.pad as isize;
                let expected: Vec<usize> = (start..start + kernel as isize)
                    .filter(|i| (0..size as isize).contains(i))
                    .map(|i| i as usize)
                    .collect();
                assert_eq!(axis.under(o).collect::<Vec<_>>(), expected);
            }
        }
    }

    #[test]
    fn windows_are_clipped_to_the_image() {
        let window = Window::new(1, [5, 5], [2, 2], [2, 2], true);
        let mut seen = Vec::new();
        window.for_each_window(|p, ys, xs| seen.push((p, ys, xs)));
        assert_eq!(seen.len(), 9);
        assert_eq!(seen[0], (0, 0..2, 0..2));
        assert_eq!(seen[8], (8, 4..5, 4..5));
    }
}
