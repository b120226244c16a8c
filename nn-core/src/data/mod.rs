#![cfg(feature = "std")]
//! Datasets typed by their widths: `Dataset<I, O>` has `I` features and `O`
//! targets per sample, so training a network on data of another width is a
//! compile error.

pub mod idx;
mod images;

pub use images::{ImageSet, MnistSet};

use crate::error::{Error, Result};
use nalgebra::{Const, Dyn, OMatrix};

/// A batch of samples with `N` values each: one sample per column, the number
/// of samples known at run time.
pub type Batch<const N: usize> = OMatrix<f32, Const<N>, Dyn>;

/// Samples a network with `I` inputs and `O` outputs can train on or be evaluated on.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not fit a network of input width {I} and output width {O}",
    label = "the network's input width is {I} and its output width {O}",
    note = "a `Dataset<IN, OUT>` holds IN input values and OUT target values per sample; they must equal the network's input and output widths"
)]
pub trait Data<const I: usize, const O: usize>: Sync {
    /// The number of samples.
    fn len(&self) -> usize;

    /// True when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Copy the samples at `indices` into consecutive columns of `inputs`
    /// (`I` values each) and `targets` (`O` values each).
    fn gather(&self, indices: &[usize], inputs: &mut [f32], targets: &mut [f32]);
}

/// Inputs and targets held in memory as `f32`.
///
/// ```
/// use nn_core::data::{Data, Dataset};
///
/// // The XOR truth table: 2 inputs and 1 target per sample.
/// let xor: Dataset<2, 1> = Dataset::from_rows(
///     &[[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
///     &[[0.0], [1.0], [1.0], [0.0]],
/// )?;
/// assert_eq!(xor.len(), 4);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<const I: usize, const O: usize> {
    inputs: Batch<I>,
    targets: Batch<O>,
}

impl<const I: usize, const O: usize> Dataset<I, O> {
    /// A dataset from matrices with one sample per column.
    ///
    /// Fails when the two hold different numbers of samples.
    pub fn new(inputs: Batch<I>, targets: Batch<O>) -> Result<Self> {
        if inputs.ncols() != targets.ncols() {
            return Err(Error::InvalidArgument(format!(
                "dataset has {} input samples but {} target samples",
                inputs.ncols(),
                targets.ncols()
            )));
        }
        Ok(Dataset { inputs, targets })
    }

    /// A dataset from one array per sample.
    ///
    /// Fails when the two slices have different lengths.
    pub fn from_rows(inputs: &[[f32; I]], targets: &[[f32; O]]) -> Result<Self> {
        Self::new(
            Batch::<I>::from_iterator(inputs.len(), inputs.iter().flatten().copied()),
            Batch::<O>::from_iterator(targets.len(), targets.iter().flatten().copied()),
        )
    }

    /// The inputs, one sample per column.
    pub fn inputs(&self) -> &Batch<I> {
        &self.inputs
    }

    /// The targets, one sample per column.
    pub fn targets(&self) -> &Batch<O> {
        &self.targets
    }

    /// The same samples in an order drawn from `seed`.
    pub fn shuffled(&self, seed: u64) -> Self {
        use rand::{seq::SliceRandom, SeedableRng};
        let mut order: Vec<usize> = (0..self.inputs.ncols()).collect();
        order.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        Dataset { inputs: self.inputs.select_columns(&order), targets: self.targets.select_columns(&order) }
    }

    /// Split off the last `fraction` of the samples (as Keras' `validation_split`
    /// does): returns `(first, last)`.
    ///
    /// Fails unless `0 <= fraction < 1`.
    pub fn split(&self, fraction: f32) -> Result<(Self, Self)> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::InvalidArgument(format!("split fraction {fraction} is outside [0, 1)")));
        }
        let n = self.inputs.ncols();
        let tail = ((n as f64) * f64::from(fraction)).round() as usize;
        let head = n - tail;
        let part = |start: usize, count: usize| Dataset {
            inputs: self.inputs.columns(start, count).into_owned(),
            targets: self.targets.columns(start, count).into_owned(),
        };
        Ok((part(0, head), part(head, tail)))
    }
}

impl<const I: usize, const O: usize> Data<I, O> for Dataset<I, O> {
    fn len(&self) -> usize {
        self.inputs.ncols()
    }

    fn gather(&self, indices: &[usize], inputs: &mut [f32], targets: &mut [f32]) {
        let (xs, ys) = (self.inputs.as_slice(), self.targets.as_slice());
        for ((&i, x), y) in indices.iter().zip(inputs.chunks_exact_mut(I)).zip(targets.chunks_exact_mut(O)) {
            x.copy_from_slice(&xs[i * I..(i + 1) * I]);
            y.copy_from_slice(&ys[i * O..(i + 1) * O]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_copies_the_chosen_samples_in_order() {
        let data = Dataset::from_rows(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], &[[0.1], [0.2], [0.3]]).unwrap();
        let (mut x, mut y) = ([0.0; 4], [0.0; 2]);
        data.gather(&[2, 0], &mut x, &mut y);
        assert_eq!((x, y), ([5.0, 6.0, 1.0, 2.0], [0.3, 0.1]));
    }

    #[test]
    fn mismatched_counts_are_an_error() {
        let err = Dataset::<1, 1>::from_rows(&[[1.0], [2.0]], &[[1.0]]).unwrap_err();
        assert_eq!(err.to_string(), "dataset has 2 input samples but 1 target samples");
    }

    #[test]
    fn split_keeps_the_last_fraction_apart() {
        let rows: Vec<[f32; 1]> = (0..10).map(|i| [i as f32]).collect();
        let data = Dataset::from_rows(&rows, &rows).unwrap();
        let (train, val) = data.split(0.2).unwrap();
        assert_eq!((train.len(), val.len()), (8, 2));
        assert_eq!(val.inputs().as_slice(), &[8.0, 9.0]);
        assert!(data.split(1.0).is_err());
    }

    #[test]
    fn shuffling_keeps_each_input_with_its_target() {
        let rows: Vec<[f32; 1]> = (0..10).map(|i| [i as f32]).collect();
        let doubled: Vec<[f32; 1]> = (0..10).map(|i| [2.0 * i as f32]).collect();
        let data = Dataset::from_rows(&rows, &doubled).unwrap();
        let shuffled = data.shuffled(3);
        assert_ne!(shuffled, data);
        assert_eq!(shuffled, data.shuffled(3));
        for (x, y) in shuffled.inputs().iter().zip(shuffled.targets().iter()) {
            assert_eq!(*y, 2.0 * x);
        }
        let mut seen: Vec<f32> = shuffled.inputs().iter().copied().collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..10).map(|i| i as f32).collect::<Vec<_>>());
    }
}
