//! The confusion matrix: how often each class was predicted as each other,
//! and the per-class scores computed from it.

use super::report::{ClassScores, ClassificationReport};
use crate::error::{Error, Result};
use std::fmt;

/// Counts of predictions by true class (rows) and predicted class
/// (columns), as scikit-learn's `confusion_matrix`; precision, recall and F1
/// per class follow from it.
///
/// ```
/// use nn_core::metrics::ConfusionMatrix;
///
/// // True classes and predictions of 6 samples in 3 classes.
/// let matrix = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 2, 0], 3)?;
/// assert_eq!((matrix.count(0, 1), matrix.count(1, 1), matrix.total()), (1, 2, 6));
/// assert_eq!(matrix.precision(1), 2.0 / 3.0);
/// assert_eq!(matrix.recall(0), 0.5);
/// let matrix = matrix.with_names(["cat", "dog", "fox"])?;
/// let text = "         cat  dog  fox
///   cat      1    1    0
///   dog      0    2    0
///   fox      1    0    1";
/// assert_eq!(matrix.to_string(), text);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    /// `classes * classes` counts, row after row: `counts[t * classes + p]`.
    counts: Vec<usize>,
    names: Vec<String>,
}

impl ConfusionMatrix {
    /// A matrix of `classes` classes and no predictions yet; the classes
    /// are named `0`, `1`, ...
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let mut matrix = ConfusionMatrix::new(2);
    /// matrix.add(1, 0)?;
    /// assert_eq!((matrix.count(1, 0), matrix.names()), (1, &["0".to_owned(), "1".to_owned()][..]));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn new(classes: usize) -> Self {
        ConfusionMatrix { counts: vec![0; classes * classes], names: (0..classes).map(|k| k.to_string()).collect() }
    }

    /// The matrix of these true classes and predicted ones, sample by sample.
    ///
    /// Fails when the two have different lengths or a class is not below `classes`.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let matrix = ConfusionMatrix::from_classes(&[1, 0, 1], &[1, 1, 1], 2)?;
    /// assert_eq!((matrix.count(0, 1), matrix.count(1, 1)), (1, 2));
    /// assert!(ConfusionMatrix::from_classes(&[2], &[0], 2).is_err());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn from_classes(targets: &[usize], predicted: &[usize], classes: usize) -> Result<Self> {
        if targets.len() != predicted.len() {
            return Err(Error::InvalidArgument(format!(
                "{} true classes but {} predicted ones",
                targets.len(),
                predicted.len()
            )));
        }
        let mut matrix = ConfusionMatrix::new(classes);
        for (&t, &p) in targets.iter().zip(predicted) {
            matrix.add(t, p)?;
        }
        Ok(matrix)
    }

    /// The matrix of a network's `outputs` against the `targets`, `width`
    /// values per sample each (as a dataset holds them, sample after sample):
    /// each sample's class is [`class_of`](super::class_of) its values, so
    /// one value per sample makes two classes, `width` values `width` classes.
    ///
    /// Fails when the lengths differ or are not a multiple of `width`.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // A sigmoid's outputs for 4 samples, and their 0/1 targets.
    /// let matrix = ConfusionMatrix::from_outputs(&[0.9, 0.2, 0.6, 0.4], &[1.0, 0.0, 0.0, 1.0], 1)?;
    /// assert_eq!((matrix.count(1, 1), matrix.count(0, 1), matrix.count(1, 0)), (1, 1, 1));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn from_outputs(outputs: &[f32], targets: &[f32], width: usize) -> Result<Self> {
        if width == 0 || outputs.len() != targets.len() || !outputs.len().is_multiple_of(width) {
            return Err(Error::InvalidArgument(format!(
                "{} outputs and {} targets are not samples of {width} values each",
                outputs.len(),
                targets.len()
            )));
        }
        let mut matrix = ConfusionMatrix::new(if width == 1 { 2 } else { width });
        for (p, y) in outputs.chunks_exact(width).zip(targets.chunks_exact(width)) {
            matrix.add(super::class_of(y), super::class_of(p))?;
        }
        Ok(matrix)
    }

    /// Count one sample of true class `target` predicted as `predicted`.
    ///
    /// Fails when either is not a class of the matrix.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let mut matrix = ConfusionMatrix::new(3);
    /// matrix.add(2, 1)?;
    /// assert_eq!(matrix.count(2, 1), 1);
    /// assert_eq!(matrix.add(3, 0).unwrap_err().to_string(), "class 3 is not one of the 3 classes of the matrix");
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn add(&mut self, target: usize, predicted: usize) -> Result<()> {
        let classes = self.classes();
        if let Some(bad) = [target, predicted].into_iter().find(|&k| k >= classes) {
            return Err(Error::InvalidArgument(format!(
                "class {bad} is not one of the {classes} classes of the matrix"
            )));
        }
        self.counts[target * classes + predicted] += 1;
        Ok(())
    }

    /// The same counts with the classes named `names`, in order (a
    /// [`Classes`](crate::data::Classes) is such a list).
    ///
    /// Fails unless there is one name per class.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let matrix = ConfusionMatrix::new(2).with_names(["benign", "malignant"])?;
    /// assert_eq!(matrix.names(), ["benign", "malignant"]);
    /// assert!(ConfusionMatrix::new(2).with_names(["one"]).is_err());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn with_names<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_owned()).collect();
        if names.len() != self.classes() {
            return Err(Error::InvalidArgument(format!(
                "{} names for the {} classes of the matrix",
                names.len(),
                self.classes()
            )));
        }
        self.names = names;
        Ok(self)
    }

    /// The classes' names, class 0 first.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // True classes 0, 0, 1, 1, 1 predicted as 0, 1, 1, 1, 0.
    /// let m = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?;
    /// assert_eq!(m.with_names(["no", "yes"])?.names(), ["no", "yes"]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of classes.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// assert_eq!(ConfusionMatrix::new(4).classes(), 4);
    /// ```
    pub fn classes(&self) -> usize {
        self.names.len()
    }

    /// The samples of true class `target` predicted as `predicted` (0 for a
    /// class the matrix does not have).
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // True classes 0, 0, 1, 1, 1 predicted as 0, 1, 1, 1, 0.
    /// let m = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?;
    /// assert_eq!((m.count(1, 1), m.count(1, 0), m.count(5, 0)), (2, 1, 0));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn count(&self, target: usize, predicted: usize) -> usize {
        let classes = self.classes();
        if target < classes && predicted < classes {
            self.counts[target * classes + predicted]
        } else {
            0
        }
    }

    /// All samples counted.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // True classes 0, 0, 1, 1, 1 predicted as 0, 1, 1, 1, 0.
    /// let m = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?;
    /// assert_eq!(m.total(), 5);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The samples predicted right: the diagonal.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // True classes 0, 0, 1, 1, 1 predicted as 0, 1, 1, 1, 0.
    /// let m = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?;
    /// assert_eq!(m.correct(), 3);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn correct(&self) -> usize {
        (0..self.classes()).map(|k| self.count(k, k)).sum()
    }

    /// The samples of true class `class`: its row (scikit-learn's "support").
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // True classes 0, 0, 1, 1, 1 predicted as 0, 1, 1, 1, 0.
    /// let m = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?;
    /// assert_eq!((m.support(0), m.support(1)), (2, 3));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn support(&self, class: usize) -> usize {
        (0..self.classes()).map(|p| self.count(class, p)).sum()
    }

    /// The samples predicted as `class`: its column.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // True classes 0, 0, 1, 1, 1 predicted as 0, 1, 1, 1, 0.
    /// let m = ConfusionMatrix::from_classes(&[0, 0, 1, 1, 1], &[0, 1, 1, 1, 0], 2)?;
    /// assert_eq!((m.predicted(0), m.predicted(1)), (2, 3));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn predicted(&self, class: usize) -> usize {
        (0..self.classes()).map(|t| self.count(t, class)).sum()
    }

    /// The fraction of samples predicted right (0 when there are none).
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let matrix = ConfusionMatrix::from_classes(&[0, 1, 1, 0], &[0, 1, 0, 0], 2)?;
    /// assert_eq!(matrix.accuracy(), 0.75);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.total())
    }

    /// Of the samples predicted as `class`, the fraction that are: `tp / (tp + fp)`,
    /// 0 when none was predicted as it (scikit-learn's `zero_division=0`).
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let matrix = ConfusionMatrix::from_classes(&[0, 1, 1, 0], &[1, 1, 0, 0], 2)?;
    /// assert_eq!((matrix.precision(0), matrix.precision(1)), (0.5, 0.5));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn precision(&self, class: usize) -> f64 {
        ratio(self.count(class, class), self.predicted(class))
    }

    /// Of the samples of `class`, the fraction predicted as it: `tp / (tp + fn)`,
    /// 0 when there are none.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let matrix = ConfusionMatrix::from_classes(&[0, 1, 1, 1], &[0, 1, 0, 0], 2)?;
    /// assert_eq!((matrix.recall(0), matrix.recall(1)), (1.0, 1.0 / 3.0));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn recall(&self, class: usize) -> f64 {
        ratio(self.count(class, class), self.support(class))
    }

    /// The harmonic mean of precision and recall: `2 tp / (2 tp + fp + fn)`,
    /// 0 when the class was neither present nor predicted.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// // Class 1: precision 1/2, recall 1/3, F1 2/5.
    /// let matrix = ConfusionMatrix::from_classes(&[0, 1, 1, 1], &[1, 1, 0, 0], 2)?;
    /// assert!((matrix.f1(1) - 0.4).abs() < 1e-12);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn f1(&self, class: usize) -> f64 {
        let tp = self.count(class, class);
        ratio(2 * tp, self.predicted(class) + self.support(class))
    }

    /// Precision, recall, F1 and support of every class, their macro and
    /// weighted averages and the accuracy: what
    /// [`ClassificationReport`]'s `Display` prints as scikit-learn does.
    ///
    /// ```
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let report = ConfusionMatrix::from_classes(&[0, 1, 1, 1], &[0, 1, 0, 0], 2)?.report();
    /// assert_eq!((report.accuracy, report.classes[1].recall), (0.5, 1.0 / 3.0));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn report(&self) -> ClassificationReport {
        ClassificationReport::new(self.clone())
    }

    /// [`ClassScores`] of `class`.
    pub(super) fn scores(&self, class: usize) -> ClassScores {
        ClassScores {
            name: self.names[class].clone(),
            precision: self.precision(class),
            recall: self.recall(class),
            f1: self.f1(class),
            support: self.support(class),
        }
    }
}

/// `part / whole`, 0 when `whole` is.
fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Rows are the true classes, columns the predicted ones, each headed by its
/// name: the layout of the MNIST examples' matrix.
impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let longest_name = self.names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
        let longest_count = self.counts.iter().map(|c| c.to_string().len()).max().unwrap_or(1);
        let label = longest_name.max(2);
        let cell = (longest_name.max(longest_count) + 1).max(5);
        write!(f, "  {:label$}  ", "")?;
        for name in &self.names {
            write!(f, "{name:>cell$}")?;
        }
        for (t, name) in self.names.iter().enumerate() {
            write!(f, "\n  {name:>label$}  ")?;
            for p in 0..self.classes() {
                write!(f, "{:>cell$}", self.count(t, p))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// 10 samples of 3 classes, counted by hand:
    ///
    /// ```text
    ///            predicted 0  1  2
    /// true 0 (4)           3  1  0
    /// true 1 (3)           1  1  1
    /// true 2 (3)           0  0  3
    /// ```
    pub(crate) fn three_classes() -> ConfusionMatrix {
        let targets = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
        let predicted = [0, 0, 0, 1, 0, 1, 2, 2, 2, 2];
        ConfusionMatrix::from_classes(&targets, &predicted, 3).unwrap()
    }

    #[test]
    fn counts_and_scores_match_the_hand_computed_ones() {
        let m = three_classes();
        assert_eq!((m.total(), m.correct(), m.accuracy()), (10, 7, 0.7));
        assert_eq!([m.support(0), m.support(1), m.support(2)], [4, 3, 3]);
        assert_eq!([m.predicted(0), m.predicted(1), m.predicted(2)], [4, 2, 4]);
        // Precision 3/4, 1/2, 3/4; recall 3/4, 1/3, 1; F1 6/8, 2/5, 6/7.
        assert_eq!([m.precision(0), m.precision(1), m.precision(2)], [0.75, 0.5, 0.75]);
        assert_eq!([m.recall(0), m.recall(1), m.recall(2)], [0.75, 1.0 / 3.0, 1.0]);
        assert_eq!([m.f1(0), m.f1(1), m.f1(2)], [0.75, 0.4, 6.0 / 7.0]);
    }

    #[test]
    fn a_class_never_seen_nor_predicted_scores_zero() {
        let m = ConfusionMatrix::from_classes(&[0, 0], &[0, 0], 2).unwrap();
        assert_eq!((m.precision(1), m.recall(1), m.f1(1), m.support(1)), (0.0, 0.0, 0.0, 0));
        assert_eq!(ConfusionMatrix::new(2).accuracy(), 0.0);
    }

    #[test]
    fn displays_in_the_layout_of_the_mnist_examples() {
        let mut m = ConfusionMatrix::new(10);
        for _ in 0..1135 {
            m.add(1, 1).unwrap();
        }
        m.add(9, 4).unwrap();
        let text = m.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 11);
        assert_eq!(lines[0], "          0    1    2    3    4    5    6    7    8    9");
        assert_eq!(lines[2], "   1      0 1135    0    0    0    0    0    0    0    0");
        assert_eq!(lines[10], "   9      0    0    0    0    1    0    0    0    0    0");
    }

    #[test]
    fn outputs_and_targets_of_other_lengths_are_an_error() {
        assert!(ConfusionMatrix::from_outputs(&[0.5, 0.5], &[1.0], 1).is_err());
        assert!(ConfusionMatrix::from_outputs(&[0.5, 0.5, 0.1], &[1.0, 0.0, 0.0], 2).is_err());
        assert!(ConfusionMatrix::from_classes(&[0], &[], 2).is_err());
        let m = ConfusionMatrix::from_outputs(&[0.1, 0.7, 0.2, 0.6, 0.3, 0.1], &[0., 1., 0., 0., 0., 1.], 3).unwrap();
        assert_eq!((m.count(1, 1), m.count(2, 0)), (1, 1));
    }
}
