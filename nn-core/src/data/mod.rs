#![cfg(feature = "std")]
//! Datasets typed by their widths: `Dataset<I, O>` has `I` features and `O`
//! targets per sample, so training a network on data of another width is a
//! compile error. A CSV table becomes one with [`Dataset::from_csv`] (its
//! label's [`Classes`] beside it); MNIST's IDX files with [`idx`].

mod classes;
pub mod idx;
mod images;
mod table;

pub use classes::Classes;
pub use images::{ImageSet, MnistSet};
pub use table::Csv;

use crate::error::{Error, Result};
use nalgebra::{Const, Dyn, OMatrix};
use std::path::Path;

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

    /// A dataset from the CSV file at `path`: one sample a row, the label
    /// and feature columns chosen by name as `options` says (see [`Csv`] for
    /// how labels become targets), and the label's classes (empty when the
    /// labels are the targets themselves).
    ///
    /// Fails, naming the file, the line and the column, on a feature cell
    /// that is not a finite number, an empty cell, a row of more or fewer
    /// cells than the header, a label that is not one of the
    /// [`classes`](Csv::classes) given, a column named that the header does
    /// not have, or a number of feature columns other than `I`, the
    /// network's input width (an [`Error::Csv`]); a file that cannot be read
    /// is an [`Error::Io`].
    ///
    /// ```
    /// use nn::prelude::*;
    /// use nn::data::Csv;
    ///
    /// network! {
    ///     struct Diagnosis { input: 30, dense(16, relu), dense(1, sigmoid) }
    /// }
    ///
    /// # fn main() -> Result<(), nn::Error> {
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/breast_cancer/breast_cancer.csv");
    /// let (data, classes) = Dataset::<{ Diagnosis::INPUT }, 1>::from_csv(path, &Csv::label("diagnosis"))?;
    /// assert_eq!((data.len(), classes.names()), (569, &["benign".to_owned(), "malignant".to_owned()][..]));
    /// let (train, test) = data.split_stratified(0.2, 1)?;
    /// assert_eq!((train.len(), test.len()), (455, 114));
    ///
    /// // A table of 29 features for a network of 30 inputs.
    /// let error = Dataset::<29, 1>::from_csv(path, &Csv::label("diagnosis")).unwrap_err();
    /// assert!(error.to_string().contains("line 1: 30 feature columns, but the network takes 29 inputs"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_csv(path: impl AsRef<Path>, options: &Csv) -> Result<(Self, Classes)> {
        table::read(path.as_ref(), options)
    }

    /// Split off a `fraction` of the samples of each class (scikit-learn's
    /// `train_test_split(..., stratify=y)`), drawn from `seed`: returns
    /// `(rest, fraction)`, each in an order drawn from `seed`.
    ///
    /// A sample's class is that of its target (see
    /// [`metrics::class_of`](crate::metrics::class_of)): the position of the
    /// largest value, or with one target whether it is at least 0.5. The
    /// second part holds `round(fraction * len)` samples, shared between the
    /// classes in proportion to their sizes (the largest remainders rounded
    /// up, as scikit-learn shares them), so both parts keep the classes'
    /// proportions.
    ///
    /// Fails unless `0 <= fraction < 1`.
    ///
    /// ```
    /// use nn_core::data::{Data, Dataset};
    ///
    /// // 8 samples of class 0 and 2 of class 1.
    /// let inputs: Vec<[f32; 1]> = (0..10).map(|i| [i as f32]).collect();
    /// let targets: Vec<[f32; 1]> = (0..10).map(|i| [if i < 8 { 0.0 } else { 1.0 }]).collect();
    /// let data: Dataset<1, 1> = Dataset::from_rows(&inputs, &targets)?;
    /// let (train, test) = data.split_stratified(0.5, 7)?;
    /// assert_eq!((train.len(), test.len()), (5, 5));
    /// assert_eq!(test.targets().iter().filter(|y| **y == 1.0).count(), 1);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn split_stratified(&self, fraction: f32, seed: u64) -> Result<(Self, Self)> {
        use rand::{seq::SliceRandom, SeedableRng};
        if !(0.0..1.0).contains(&fraction) {
            return Err(Error::InvalidArgument(format!("split fraction {fraction} is outside [0, 1)")));
        }
        let n = self.inputs.ncols();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        // The samples of each class, in an order drawn from the seed.
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (j, target) in self.targets.column_iter().enumerate() {
            let class = crate::metrics::class_of(target.as_slice());
            if members.len() <= class {
                members.resize_with(class + 1, Vec::new);
            }
            members[class].push(j);
        }
        for class in &mut members {
            class.shuffle(&mut rng);
        }
        // Each class's share of the split-off part: its quota rounded down,
        // then one more for the largest remainders until the total is reached.
        let total = ((n as f64) * f64::from(fraction)).round() as usize;
        let quotas: Vec<f64> = members.iter().map(|m| (total * m.len()) as f64 / n.max(1) as f64).collect();
        let mut shares: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
        let mut by_remainder: Vec<usize> = (0..members.len()).collect();
        by_remainder.sort_by(|&a, &b| (quotas[b] - quotas[b].floor()).total_cmp(&(quotas[a] - quotas[a].floor())));
        let mut missing = total.saturating_sub(shares.iter().sum());
        for &class in by_remainder.iter().cycle().take(members.len() * 2) {
            if missing == 0 {
                break;
            }
            if shares[class] < members[class].len() {
                shares[class] += 1;
                missing -= 1;
            }
        }
        let (mut rest, mut part) = (Vec::with_capacity(n - total), Vec::with_capacity(total));
        for (class, share) in members.iter().zip(&shares) {
            part.extend_from_slice(&class[..*share]);
            rest.extend_from_slice(&class[*share..]);
        }
        rest.shuffle(&mut rng);
        part.shuffle(&mut rng);
        let select = |order: &[usize]| Dataset {
            inputs: self.inputs.select_columns(order),
            targets: self.targets.select_columns(order),
        };
        Ok((select(&rest), select(&part)))
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
    fn a_stratified_split_keeps_each_class_proportion() {
        // 6 samples of class 0, 3 of class 1, 1 of class 2, one-hot.
        let classes = [0, 0, 1, 0, 2, 0, 1, 0, 1, 0];
        let inputs: Vec<[f32; 1]> = (0..10).map(|i| [i as f32]).collect();
        let targets: Vec<[f32; 3]> =
            classes.iter().map(|&c| std::array::from_fn(|k| f32::from(u8::from(k == c)))).collect();
        let data = Dataset::from_rows(&inputs, &targets).unwrap();
        let count = |d: &Dataset<1, 3>, class: usize| d.targets().column_iter().filter(|y| y[class] == 1.0).count();
        let (train, test) = data.split_stratified(0.5, 3).unwrap();
        // Quotas 3, 1.5 and 0.5: 3 and 1, and the one left goes to class 1 or 2.
        assert_eq!((train.len(), test.len()), (5, 5));
        assert_eq!(count(&test, 0), 3);
        assert_eq!(count(&test, 1) + count(&test, 2), 2);
        for (part, whole) in [(&train, &data), (&test, &data)] {
            for (x, y) in part.inputs().iter().zip(part.targets().column_iter()) {
                assert_eq!(y, whole.targets().column(*x as usize), "sample {x} kept its target");
            }
        }
        let mut seen: Vec<f32> = train.inputs().iter().chain(test.inputs().iter()).copied().collect();
        seen.sort_by(f32::total_cmp);
        assert_eq!(seen, (0..10).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(data.split_stratified(0.5, 3).unwrap(), (train, test), "the same seed, the same split");
        let (train, test) = data.split_stratified(0.2, 1).unwrap();
        assert_eq!((count(&train, 0), count(&test, 0), count(&test, 1) + count(&test, 2)), (5, 1, 1));
        assert!(data.split_stratified(1.0, 0).is_err());
        assert_eq!(data.split_stratified(0.0, 0).unwrap().1.len(), 0);
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
