//! `embedding`: token ids replaced by their vectors. Its pass, [`lookup`],
//! is the one forward both the layer and its view run.

use super::Infer;
use crate::safetensors::{Prefix, Weights};
#[cfg(feature = "std")]
use {
    super::{Backward, Data, DataMut, Layer, Mode, Part, Path},
    crate::error::{Error, Result},
    crate::onnx::{Attr, Graph, Value},
    rand::Rng,
};

/// The id `value` stands for, if it is a whole number in `0..vocabulary`:
/// `as` truncates toward zero, and gives the value back only when there was
/// nothing to truncate.
pub(crate) fn token_id(value: f32, vocabulary: usize) -> Option<usize> {
    let id = value as usize;
    (value >= 0.0 && id < vocabulary && id as f32 == value).then_some(id)
}

/// Each value of `ids` replaced by its row of `table` (`[V, D]`,
/// row-major), one row of `output` per id; a value that is not an id gives
/// a row of NaN. What [`Embedding`] runs on a batch and [`EmbeddingView`] on
/// a sample.
pub(crate) fn lookup<const V: usize, const D: usize>(table: &[f32], ids: &[f32], output: &mut [f32]) {
    for (value, out) in ids.iter().zip(output.chunks_exact_mut(D)) {
        match token_id(*value, V) {
            Some(id) => out.copy_from_slice(&table[id * D..(id + 1) * D]),
            None => out.fill(f32::NAN),
        }
    }
}

/// The view of [`Embedding`]: each of the `T` input values is a token id, a
/// whole number in `0..V`, replaced by row `id` of the table. A value that
/// is not one gives NaN for its step, as the layer's single-sample
/// `forward` does.
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
    fn load<'a>(
        weights: &mut Weights<'a>,
        prefix: &Prefix,
    ) -> core::result::Result<EmbeddingParams<'a>, crate::safetensors::Error> {
        Ok(EmbeddingParams { weight: weights.f32s(prefix, "weight", &[V, D])? })
    }

    fn forward(params: &EmbeddingParams<'_>, input: &[f32], output: &mut [f32]) {
        lookup::<V, D>(params.weight, &input[..T], &mut output[..T * D]);
    }
}

#[cfg(feature = "std")]
/// A lookup table of `V` vectors of `D` values (Keras' `Embedding`, PyTorch's
/// `nn.Embedding`): each of a sample's `T` input values is a token id, a
/// whole number in `0..V` (stored as `f32`, as Keras takes them), and the
/// output is the vectors of those ids, step by step.
///
/// An id that is not a whole number in `0..V` is an [`Error::InvalidToken`]
/// from [`Layer::check_input`], which `fit`, `evaluate` and `predict` call
/// first; a forward pass given one anyway (a network's single-sample
/// `forward`) outputs NaN for its step rather than panicking.
///
/// # Shapes
///
/// `T` ids in, `[T, D]` out; `weight` is `[V, D]`, Keras' uniform ±0.05 to start.
///
/// ```
/// use nn_core::layers::{Embedding, Layer, Mode};
///
/// let table = Embedding::<4, 2, 3>::seeded(1);
/// let mut out = [0.0; 6];
/// table.forward_batch(&[3.0, 0.0, 3.0], &mut out, 1, &mut (), &mut Mode::Inference);
/// assert_eq!(out[..2], table.weight[6..8]);
/// assert_eq!(out[..2], out[4..]);
/// assert!(table.check_input(&[1.0, 4.0, 0.5], 1).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding<const V: usize, const D: usize, const T: usize> {
    /// `V x D` values, row-major: row `i` is the vector of id `i`.
    pub weight: Vec<f32>,
}

#[cfg(feature = "std")]
impl<const V: usize, const D: usize, const T: usize> Embedding<V, D, T> {
    /// Keras' initialisation from a seeded generator.
    pub fn seeded(seed: u64) -> Self {
        use rand::SeedableRng;
        Self::init(&mut rand::rngs::StdRng::seed_from_u64(seed))
    }

    /// The id `value` stands for, if it is a whole number in `0..V`.
    fn id(value: f32) -> Option<usize> {
        token_id(value, V)
    }
}

#[cfg(feature = "std")]
impl<const V: usize, const D: usize, const T: usize> Layer for Embedding<V, D, T> {
    const INPUT: usize = T;
    const OUTPUT: usize = T * D;
    const PARAMS: usize = V * D;
    const STATE: usize = 0;
    type Buffers = ();

    fn init<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::zeroed();
        for w in &mut layer.weight {
            *w = rng.random_range(-0.05..=0.05);
        }
        layer
    }

    fn zeroed() -> Self {
        Embedding { weight: vec![0.0; V * D] }
    }

    fn check_input(&self, input: &[f32], batch: usize) -> Result<()> {
        let bad = input[..T * batch].iter().position(|v| Self::id(*v).is_none());
        match bad {
            None => Ok(()),
            Some(at) => Err(Error::InvalidToken { sample: at / T, position: at % T, value: input[at], vocabulary: V }),
        }
    }

    fn forward_batch(&self, input: &[f32], output: &mut [f32], batch: usize, _: &mut (), _: &mut Mode<'_>) {
        lookup::<V, D>(&self.weight, &input[..T * batch], &mut output[..T * D * batch]);
    }

    /// Each step's gradient is added to its id's row (ids are not
    /// differentiable: a gradient to the input is zero).
    fn backward_batch(&self, pass: Backward<'_, ()>, grads: &mut Self) {
        let Backward { input, grad, grad_input, batch, .. } = pass;
        grads.weight.fill(0.0);
        for (value, g) in input[..T * batch].iter().zip(grad[..T * D * batch].chunks_exact(D)) {
            if let Some(id) = Self::id(*value) {
                for (w, g) in grads.weight[id * D..(id + 1) * D].iter_mut().zip(g) {
                    *w += g;
                }
            }
        }
        if let Some(grad_input) = grad_input {
            grad_input[..T * batch].fill(0.0);
        }
    }

    /// `weight` as `[V, D]`, PyTorch's `nn.Embedding.weight`.
    fn parts<'s>(&'s self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, Data<'s>>)) {
        visit(Part::param(path, "weight", &[V, D], &self.weight[..]));
    }

    fn parts_mut<'s>(&'s mut self, path: &Path<'_>, visit: &mut dyn FnMut(Part<'_, DataMut<'s>>)) {
        visit(Part::param(path, "weight", &[V, D], &mut self.weight[..]));
    }

    /// `Cast` of the `f32` ids to `int64`, then `Gather` of the table's
    /// rows. The ids are not checked as nn checks them: `Cast` drops a
    /// fraction, `Gather` reads an id from `-V` to `-1` as `V` less it, and
    /// only an id beyond is the runtime's error.
    fn onnx(&self, graph: &mut Graph, prefix: &str, input: Value) -> Result<Value> {
        let input = graph.shaped(input, &[T])?;
        let cast = vec![("to", Attr::Int(crate::onnx::INT64))];
        let ids = graph.node("Cast", &format!("{prefix}ids"), &[&input.name], cast, &[T]);
        let weight = graph.constant(&format!("{prefix}weight"), &[V, D], &self.weight);
        let axis = vec![("axis", Attr::Int(0))];
        Ok(graph.node("Gather", &format!("{prefix}gather"), &[&weight, &ids.name], axis, &[T, D]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::testing;

    /// The gradient of each row is the sum of the gradients of the steps
    /// that looked it up, against finite differences (ids fixed).
    #[test]
    fn gradients_match_finite_differences() {
        let table = Embedding::<5, 3, 4>::seeded(2);
        let ids = [1.0, 4.0, 1.0, 0.0, 2.0, 2.0, 2.0, 3.0];
        testing::parameter_gradient_check(&table, &ids, 2, 1e-2, 1e-3);
    }

    #[test]
    fn an_id_outside_the_vocabulary_or_not_whole_is_an_error_naming_sample_and_position() {
        let table = Embedding::<5, 2, 3>::seeded(1);
        assert!(table.check_input(&[0.0, 4.0, 2.0, 1.0, 1.0, 3.0], 2).is_ok());
        for (bad, at) in [(5.0, 4), (-1.0, 1), (2.5, 5), (f32::NAN, 0), (f32::INFINITY, 3)] {
            let mut ids = [0.0, 1.0, 2.0, 3.0, 4.0, 0.0];
            ids[at] = bad;
            let error = table.check_input(&ids, 2).unwrap_err();
            let Error::InvalidToken { sample, position, vocabulary, .. } = error else { panic!("{error}") };
            assert_eq!((sample, position, vocabulary), (at / 3, at % 3, 5), "{bad}");
            let (out, _) = testing::forward(&table, &ids, 2, false);
            assert!(out[at * 2..at * 2 + 2].iter().all(|v| v.is_nan()), "the forward pass marks the step, no panic");
        }
        let message = table.check_input(&[0.0, 1.0, 7.0], 1).unwrap_err().to_string();
        assert_eq!(message, "sample 0, position 2: token id 7 is not a whole number in 0..5");
    }
}
