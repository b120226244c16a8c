//! The sliding windows of convolution and pooling: output sizes and padding
//! (Keras' rules, which the layers in [`crate::layers`] follow too), and the
//! part of each window that lies inside the image, as a view runs them.

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

    /// The input index of output `o`'s window value `k` (inside the image).
    pub fn input(&self, o: usize, k: usize) -> usize {
        o * self.stride + k - self.pad
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
