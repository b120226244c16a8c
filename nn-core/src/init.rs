//! Weight initialisation schemes (Keras' names and formulas). Without std,
//! only the names: drawing weights needs std.

#[cfg(feature = "std")]
use rand::Rng;

/// How a layer's weights are drawn. Biases always start at zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Init {
    /// Uniform in `±sqrt(6 / (fan_in + fan_out))` (Glorot/Xavier uniform).
    GlorotUniform,
    /// Normal with `σ = sqrt(2 / (fan_in + fan_out))`, truncated at 2σ (Glorot/Xavier normal).
    GlorotNormal,
    /// Uniform in `±sqrt(6 / fan_in)` (He uniform).
    HeUniform,
    /// Normal with `σ = sqrt(2 / fan_in)`, truncated at 2σ (He normal).
    HeNormal,
    /// All zeros.
    Zeros,
    /// A matrix with orthonormal columns (or rows, whichever are fewer), from
    /// the QR decomposition of a matrix of standard normal draws (Keras'
    /// `Orthogonal`, the default for recurrent weights). `fill` takes the
    /// matrix as `fan_in` rows by `fan_out` columns, column-major.
    Orthogonal,
}

impl Init {
    /// The name used in `network!` and in `summary()`.
    pub const fn name(self) -> &'static str {
        match self {
            Init::GlorotUniform => "glorot_uniform",
            Init::GlorotNormal => "glorot_normal",
            Init::HeUniform => "he_uniform",
            Init::HeNormal => "he_normal",
            Init::Zeros => "zeros",
            Init::Orthogonal => "orthogonal",
        }
    }

    /// Fill `weights` for a layer with `fan_in` inputs and `fan_out` outputs.
    #[cfg(feature = "std")]
    pub fn fill<R: Rng + ?Sized>(self, weights: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut R) {
        let (fan, fan_sum) = (fan_in.max(1) as f32, (fan_in + fan_out).max(1) as f32);
        match self {
            Init::GlorotUniform => uniform(weights, (6.0 / fan_sum).sqrt(), rng),
            Init::HeUniform => uniform(weights, (6.0 / fan).sqrt(), rng),
            Init::GlorotNormal => truncated_normal(weights, (2.0 / fan_sum).sqrt(), rng),
            Init::HeNormal => truncated_normal(weights, (2.0 / fan).sqrt(), rng),
            Init::Zeros => weights.fill(0.0),
            Init::Orthogonal => orthogonal(weights, fan_in, fan_out, rng),
        }
    }
}

/// An orthogonal `rows x cols` matrix, column-major, into `weights`: Q of the QR
/// decomposition of normal draws, its columns' signs fixed by R's diagonal so
/// that the law is uniform over orthogonal matrices (Keras' recipe).
#[cfg(feature = "std")]
fn orthogonal<R: Rng + ?Sized>(weights: &mut [f32], rows: usize, cols: usize, rng: &mut R) {
    use nalgebra::DMatrix;
    assert_eq!(weights.len(), rows * cols, "an orthogonal matrix of {rows}x{cols} over {} values", weights.len());
    // QR of the tall orientation; transposed back for a wide matrix.
    let (tall, wide) = (rows.max(cols), rows.min(cols));
    let normal = |rng: &mut R| {
        let u1: f64 = 1.0 - rng.random::<f64>();
        let u2: f64 = rng.random();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    };
    let draws = DMatrix::<f64>::from_fn(tall, wide, |_, _| normal(rng));
    let qr = draws.qr();
    let (mut q, r) = (qr.q(), qr.r());
    for (j, mut column) in q.column_iter_mut().enumerate() {
        if r[(j, j)] < 0.0 {
            column.neg_mut();
        }
    }
    let q = if rows >= cols { q } else { q.transpose() };
    for (w, v) in weights.iter_mut().zip(q.iter()) {
        *w = *v as f32;
    }
}

#[cfg(feature = "std")]
fn uniform<R: Rng + ?Sized>(weights: &mut [f32], limit: f32, rng: &mut R) {
    for w in weights {
        *w = rng.random_range(-limit..=limit);
    }
}

/// Normal draws (Box–Muller) redrawn outside two standard deviations; the standard
/// deviation is scaled as Keras does so that the truncated law has variance `sigma²`.
#[cfg(feature = "std")]
fn truncated_normal<R: Rng + ?Sized>(weights: &mut [f32], sigma: f32, rng: &mut R) {
    const TRUNCATION_SCALE: f32 = 0.879_625_7;
    let std = sigma / TRUNCATION_SCALE;
    for w in weights {
        *w = loop {
            let u1: f32 = 1.0 - rng.random::<f32>(); // in (0, 1]
            let u2: f32 = rng.random();
            let z = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
            if z.abs() <= 2.0 {
                break z * std;
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn stats(init: Init, fan_in: usize, fan_out: usize) -> (f32, f32, f32) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut w = vec![0.0; 20_000];
        init.fill(&mut w, fan_in, fan_out, &mut rng);
        let mean = w.iter().sum::<f32>() / w.len() as f32;
        let var = w.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / w.len() as f32;
        let max = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        (mean, var, max)
    }

    #[test]
    fn each_scheme_has_its_documented_variance_and_bound() {
        // Uniform on ±L has variance L²/3.
        let (mean, var, max) = stats(Init::GlorotUniform, 100, 50);
        assert!(mean.abs() < 0.01 && (var - 2.0 / 150.0).abs() < 0.1 * 2.0 / 150.0);
        assert!(max <= (6.0f32 / 150.0).sqrt());
        let (_, var, max) = stats(Init::HeUniform, 100, 50);
        assert!((var - 0.02).abs() < 0.002 && max <= (0.06f32).sqrt());
        let (_, var, max) = stats(Init::HeNormal, 100, 50);
        assert!((var - 0.02).abs() < 0.002, "variance {var}");
        assert!(max <= 2.0 * (0.02f32).sqrt() / 0.879_625_7 + 1e-6);
        let (_, var, _) = stats(Init::GlorotNormal, 100, 50);
        assert!((var - 2.0 / 150.0).abs() < 0.1 * 2.0 / 150.0, "variance {var}");
        assert_eq!(stats(Init::Zeros, 3, 3), (0.0, 0.0, 0.0));
    }

    /// QᵀQ = I for the fewer of rows and columns, tall and wide.
    #[test]
    fn orthogonal_matrices_have_orthonormal_columns_or_rows() {
        use nalgebra::DMatrix;
        for (rows, cols) in [(8, 8), (32, 8), (8, 32)] {
            let mut rng = rand::rngs::StdRng::seed_from_u64(5);
            let mut w = vec![0.0; rows * cols];
            Init::Orthogonal.fill(&mut w, rows, cols, &mut rng);
            let m = DMatrix::from_column_slice(rows, cols, &w).map(f64::from);
            let gram = if rows >= cols { m.transpose() * &m } else { &m * m.transpose() };
            let identity = DMatrix::<f64>::identity(gram.nrows(), gram.ncols());
            assert!((gram - identity).abs().max() < 1e-5, "{rows}x{cols}");
        }
    }
}
