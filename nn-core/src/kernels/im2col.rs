//! The window matrix of a convolution (im2col) and its reverse for
//! gradients (col2im): one sample's windows copied into the rows (or the
//! columns) of a matrix, so that the crate's one matrix product computes the
//! convolution, and the window values' gradients added back to the pixels
//! they came from.

use super::window::Window;

impl Window {
    /// The window matrix of one sample, one row per kernel position:
    /// `col[q · ld + p]` is the input value under kernel position
    /// `q = (c · kh + i) · kw + j` when the window is at output position
    /// `p = y · ow + x`, or 0 in the padding. `image` holds `c · h · w`
    /// values; `col` has `depth` rows of `ld >= positions` values (the values
    /// past `positions` are left alone).
    ///
    /// This, [`Window::im2row`] and [`Window::col2im`] are always inlined:
    /// a convolution calls them on its constant window, so every size in their
    /// loops is a constant and a row's copy is a few vector moves, not a
    /// call to `memmove` for each 11 values (measured in `docs/performance.md`).
    #[inline(always)]
    pub fn im2col(&self, image: &[f32], col: &mut [f32], ld: usize) {
        let positions = self.positions();
        let mut q = 0;
        for channel in image[..self.c * self.h * self.w].chunks_exact(self.h * self.w) {
            for i in 0..self.kh {
                let ys = self.valid(i, true);
                for j in 0..self.kw {
                    let xs = self.valid(j, false);
                    let row = &mut col[q * ld..q * ld + positions];
                    q += 1;
                    for (y, out) in row.chunks_exact_mut(self.ow).enumerate() {
                        if !ys.contains(&y) || xs.is_empty() {
                            out.fill(0.0);
                            continue;
                        }
                        let iy = y * self.sh + i - self.ph;
                        let line = &channel[iy * self.w..(iy + 1) * self.w];
                        out[..xs.start].fill(0.0);
                        out[xs.end..].fill(0.0);
                        let first = xs.start * self.sw + j - self.pw;
                        if self.sw == 1 {
                            out[xs.clone()].copy_from_slice(&line[first..first + xs.len()]);
                        } else {
                            for (o, v) in out[xs.clone()].iter_mut().zip(line[first..].iter().step_by(self.sw)) {
                                *o = *v;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The window matrix of one sample, one row per output position: the
    /// transpose of [`Window::im2col`]'s, `row[p · depth + q]`. `KW` is the
    /// kernel's width, a constant so that each kernel row is one fixed-size copy.
    #[inline(always)]
    pub fn im2row<const KW: usize>(&self, image: &[f32], rows: &mut [f32]) {
        debug_assert_eq!(KW, self.kw);
        let (depth, plane) = (self.depth(), self.h * self.w);
        let image = &image[..self.c * plane];
        for (p, out) in rows[..self.positions() * depth].chunks_exact_mut(depth).enumerate() {
            let (y, x) = (p / self.ow, p % self.ow);
            let (y0, x0) = ((y * self.sh) as isize - self.ph as isize, (x * self.sw) as isize - self.pw as isize);
            let inside = y0 >= 0 && x0 >= 0 && y0 as usize + self.kh <= self.h && x0 as usize + KW <= self.w;
            if inside {
                let corner = y0 as usize * self.w + x0 as usize;
                for (c, out) in out.chunks_exact_mut(self.kh * KW).enumerate() {
                    for (i, out) in out.chunks_exact_mut(KW).enumerate() {
                        let start = c * plane + corner + i * self.w;
                        let line: &[f32; KW] = image[start..start + KW].try_into().expect("KW values");
                        out.copy_from_slice(line);
                    }
                }
                continue;
            }
            for (q, o) in out.iter_mut().enumerate() {
                let (c, i, j) = (q / (self.kh * KW), q / KW % self.kh, q % KW);
                let (iy, ix) = (y0 + i as isize, x0 + j as isize);
                let within = (0..self.h as isize).contains(&iy) && (0..self.w as isize).contains(&ix);
                *o = if within { image[c * plane + iy as usize * self.w + ix as usize] } else { 0.0 };
            }
        }
    }

    /// The reverse of [`Window::im2col`] for gradients: each window value
    /// `col[q · ld + p]` is added to the input value it was copied from
    /// (padding values are dropped). `image` is overwritten.
    #[inline(always)]
    pub fn col2im(&self, col: &[f32], ld: usize, image: &mut [f32]) {
        let positions = self.positions();
        let image = &mut image[..self.c * self.h * self.w];
        image.fill(0.0);
        let mut rows = col.chunks(ld).take(self.depth()).map(|row| &row[..positions]);
        for channel in image.chunks_exact_mut(self.h * self.w) {
            for i in 0..self.kh {
                let ys = self.valid(i, true);
                for j in 0..self.kw {
                    let xs = self.valid(j, false);
                    let Some(row) = rows.next() else { return };
                    if xs.is_empty() {
                        continue;
                    }
                    for y in ys.clone() {
                        let iy = y * self.sh + i - self.ph;
                        let line = &mut channel[iy * self.w..(iy + 1) * self.w];
                        let values = &row[y * self.ow..(y + 1) * self.ow][xs.clone()];
                        let first = xs.start * self.sw + j - self.pw;
                        if self.sw == 1 {
                            for (l, v) in line[first..first + xs.len()].iter_mut().zip(values) {
                                *l += v;
                            }
                        } else {
                            for (l, v) in line[first..].iter_mut().step_by(self.sw).zip(values) {
                                *l += v;
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// im2col against the definition, value by value, for strides 1 and 2,
    /// both paddings and an uneven kernel.
    #[test]
    fn im2col_copies_each_window_and_col2im_adds_back() {
        for (kernel, stride, same) in
            [([3, 3], [1, 1], false), ([3, 5], [1, 1], true), ([3, 2], [2, 2], true), ([2, 3], [2, 1], false)]
        {
            let window = Window::new(2, [5, 7], kernel, stride, same);
            let image: Vec<f32> = (0..2 * 5 * 7).map(|v| v as f32 + 1.0).collect();
            let ld = window.positions() + 3;
            let mut col = vec![f32::NAN; window.depth() * ld];
            window.im2col(&image, &mut col, ld);
            let mut rows = vec![f32::NAN; window.depth() * window.positions()];
            match kernel[1] {
                2 => window.im2row::<2>(&image, &mut rows),
                3 => window.im2row::<3>(&image, &mut rows),
                _ => window.im2row::<5>(&image, &mut rows),
            }
            let mut back = vec![0.0; image.len()];
            let mut expected_back = vec![0.0; image.len()];
            for c in 0..2 {
                for i in 0..kernel[0] {
                    for j in 0..kernel[1] {
                        let q = (c * kernel[0] + i) * kernel[1] + j;
                        for y in 0..window.oh {
                            for x in 0..window.ow {
                                let iy = (y * stride[0] + i) as isize - window.ph as isize;
                                let ix = (x * stride[1] + j) as isize - window.pw as isize;
                                let inside = (0..5).contains(&iy) && (0..7).contains(&ix);
                                let at = (c * 5 + iy.max(0) as usize) * 7 + ix.max(0) as usize;
                                let want = if inside { image[at] } else { 0.0 };
                                let p = y * window.ow + x;
                                let at_q = |what: &str| format!("{what}: {kernel:?} {stride:?} {same}: q {q} p {p}");
                                assert_eq!(col[q * ld + p], want, "{}", at_q("im2col"));
                                assert_eq!(rows[p * window.depth() + q], want, "{}", at_q("im2row"));
                                if inside {
                                    expected_back[at] += col[q * ld + p];
                                }
                            }
                        }
                    }
                }
            }
            window.col2im(&col, ld, &mut back);
            assert_eq!(back, expected_back, "{kernel:?} {stride:?} {same}");
        }
    }
}
