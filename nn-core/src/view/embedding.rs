//! `embedding`: token ids replaced by their vectors, as a view runs it.

use super::{Error, Infer, Prefix, Weights};

/// The view of [`layers::Embedding`](crate::layers::Embedding): each of the
/// `T` input values is a token id, a whole number in `0..V`, replaced by
/// row `id` of the table. A value that is not one gives NaN for its step,
/// as the layer's single-sample `forward` does.
///
/// # Shapes
///
/// `T` ids in, `[T, D]` out; `weight` is `[V, D]`.
///
/// ```
/// use nn::view::{EmbeddingView, Infer};
///
/// assert_eq!(<EmbeddingView<8, 16, 20> as Infer>::OUTPUT, 20 * 16);
/// ```
pub struct EmbeddingView<const V: usize, const D: usize, const T: usize>;

/// Where an embedding's table lies.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddingParams<'a> {
    /// `[V, D]`, row-major: row `i` is the vector of id `i`.
    pub weight: &'a [f32],
}

impl<const V: usize, const D: usize, const T: usize> Infer for EmbeddingView<V, D, T> {
    const INPUT: usize = T;
    const OUTPUT: usize = T * D;
    type Params<'a> = EmbeddingParams<'a>;

    /// `weight` `[V, D]`.
    fn load<'a>(weights: &mut Weights<'a>, prefix: &Prefix) -> Result<EmbeddingParams<'a>, Error> {
        Ok(EmbeddingParams { weight: weights.f32s(prefix, "weight", &[V, D])? })
    }

    fn forward(params: &EmbeddingParams<'_>, input: &[f32], output: &mut [f32]) {
        for (value, out) in input[..T].iter().zip(output[..T * D].chunks_exact_mut(D)) {
            // A whole number in 0..V: `as` truncates toward zero, and gives
            // the value back only when there was nothing to truncate.
            let id = *value as usize;
            if *value >= 0.0 && (id as f32) == *value && id < V {
                for (o, w) in out.iter_mut().zip(params.weight[id * D..(id + 1) * D].iter()) {
                    *o = *w;
                }
            } else {
                out.fill(f32::NAN);
            }
        }
    }
}
