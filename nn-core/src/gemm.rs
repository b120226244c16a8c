//! The one matrix product of the hot loop.
//!
//! nalgebra multiplies fully static matrices column by column; its packed GEMM is
//! only reached through dynamic dimensions. Every product in training and batched
//! inference goes through [`gemm`] instead, which calls a packed kernel on the
//! matrices' storage directly, whatever their static shape.

/// A read-only matrix over a slice, with element strides (column-major when `rs == 1`).
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> MatRef<'a> {
    /// A column-major `rows x cols` matrix stored in `data`.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows * cols` values (a bug in the caller).
    pub fn col_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert!(data.len() >= rows * cols, "matrix of {rows}x{cols} over {} values", data.len());
        MatRef { data, rows, cols, rs: 1, cs: rows }
    }

    /// The transpose, as a view of the same values.
    pub fn t(self) -> Self {
        MatRef { rows: self.cols, cols: self.rows, rs: self.cs, cs: self.rs, ..self }
    }
}

/// `c = alpha * a * b + beta * c`, with `c` column-major `a.rows x b.cols`.
///
/// # Panics
/// If the shapes do not agree or `c` is too short (bugs in the caller, not user input).
pub fn gemm(alpha: f32, a: MatRef<'_>, b: MatRef<'_>, beta: f32, c: &mut [f32]) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "gemm: inner dimensions {k} and {} differ", b.rows);
    assert!(c.len() >= m * n, "gemm: output of {m}x{n} over {} values", c.len());
    if m == 0 || n == 0 {
        return;
    }
    // SAFETY: `MatRef::col_major` checked that each slice covers its matrix, the
    // transpose only swaps strides, and `c` was checked above; all strides are
    // element counts within those slices and fit in isize because the slices do.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.as_mut_ptr(),
            1,
            m as isize,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference product in f64 over column-major slices.
    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut c = vec![0.0; m * n];
        for j in 0..n {
            for i in 0..m {
                c[i + j * m] = (0..k).map(|p| f64::from(a[i + p * m]) * f64::from(b[p + j * k])).sum::<f64>() as f32;
            }
        }
        c
    }

    #[test]
    fn matches_naive_product_including_transposes() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|v| (v as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|v| (v as f32 * 0.91).cos()).collect();
        let expected = naive(&a, &b, m, k, n);

        let mut c = vec![1.0; m * n];
        gemm(1.0, MatRef::col_major(&a, m, k), MatRef::col_major(&b, k, n), 0.0, &mut c);
        for (x, y) in c.iter().zip(&expected) {
            assert!((x - y).abs() < 1e-5);
        }

        // (b^T a^T)^T = a b: compute b^T a^T into an n x m matrix and compare transposed.
        let mut ct = vec![0.0; n * m];
        gemm(1.0, MatRef::col_major(&b, k, n).t(), MatRef::col_major(&a, m, k).t(), 0.0, &mut ct);
        for i in 0..m {
            for j in 0..n {
                assert!((ct[j + i * n] - expected[i + j * m]).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn beta_one_accumulates() {
        let a = [1.0, 2.0];
        let b = [3.0];
        let mut c = [10.0, 20.0];
        gemm(2.0, MatRef::col_major(&a, 2, 1), MatRef::col_major(&b, 1, 1), 1.0, &mut c);
        assert_eq!(c, [16.0, 32.0]);
    }
}
