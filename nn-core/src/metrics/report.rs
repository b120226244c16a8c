//! The classification report: precision, recall, F1 and support per class,
//! the accuracy and the averages, printed as scikit-learn prints them.

use super::confusion::ConfusionMatrix;
use crate::error::Result;
use std::fmt;

/// Precision, recall, F1 and support of one class, or their average over
/// the classes.
///
/// ```
/// use nn_core::metrics::ConfusionMatrix;
///
/// let report = ConfusionMatrix::from_classes(&[0, 1, 1], &[0, 1, 0], 2)?.report();
/// let dog = &report.classes[1];
/// assert_eq!((dog.name.as_str(), dog.precision, dog.recall, dog.support), ("1", 1.0, 0.5, 2));
/// assert_eq!(report.macro_avg.name, "macro avg");
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassScores {
    /// The class's name (`macro avg` and `weighted avg` for the averages).
    pub name: String,
    /// Of the samples predicted as the class, the fraction that are.
    pub precision: f64,
    /// Of the samples of the class, the fraction predicted as it.
    pub recall: f64,
    /// The harmonic mean of precision and recall.
    pub f1: f64,
    /// The samples of the class (for an average, all samples).
    pub support: usize,
}

/// What scikit-learn's `classification_report` says, as values and, by
/// `Display`, as its text: each class's precision, recall, F1 and support,
/// the accuracy, the macro average (each class counts the same) and the
/// weighted one (each class by its support), with the confusion matrix they
/// come from and, for a binary task, the ROC AUC.
///
/// `Display` prints 2 decimals, or as many as the format's precision says
/// (`{report:.4}`), without scikit-learn's last newline.
///
/// ```
/// use nn_core::metrics::ConfusionMatrix;
///
/// let targets = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
/// let predicted = [0, 0, 0, 1, 0, 1, 2, 2, 2, 2];
/// let matrix = ConfusionMatrix::from_classes(&targets, &predicted, 3)?.with_names(["cat", "dog", "fox"])?;
/// let report = matrix.report();
/// assert_eq!(report.macro_avg.recall, (0.75 + 1.0 / 3.0 + 1.0) / 3.0);
/// assert_eq!(
///     report.to_string(),
///     "              precision    recall  f1-score   support
///
///          cat       0.75      0.75      0.75         4
///          dog       0.50      0.33      0.40         3
///          fox       0.75      1.00      0.86         3
///
///     accuracy                           0.70        10
///    macro avg       0.67      0.69      0.67        10
/// weighted avg       0.68      0.70      0.68        10"
/// );
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationReport {
    /// One row per class, class 0 first.
    pub classes: Vec<ClassScores>,
    /// The fraction of samples predicted right.
    pub accuracy: f64,
    /// The mean over the classes of each score.
    pub macro_avg: ClassScores,
    /// The mean over the classes of each score, each class weighted by its support.
    pub weighted_avg: ClassScores,
    /// The counts the scores come from.
    pub confusion: ConfusionMatrix,
    /// For a binary task whose scores were kept (a network's report: see
    /// [`Network::classification_report`](crate::network::Network::classification_report)),
    /// the area under the ROC curve ([`roc_auc`](super::roc_auc)); `None`
    /// otherwise, or when the data hold one class only.
    pub roc_auc: Option<f64>,
}

impl ClassificationReport {
    /// The report of the counts of `confusion`, without a ROC AUC.
    ///
    /// ```
    /// use nn_core::metrics::{ClassificationReport, ConfusionMatrix};
    ///
    /// let report = ClassificationReport::new(ConfusionMatrix::from_classes(&[0, 1, 1], &[0, 1, 0], 2)?);
    /// assert_eq!((report.classes[0].precision, report.classes[1].recall, report.roc_auc), (0.5, 0.5, None));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn new(confusion: ConfusionMatrix) -> Self {
        let classes: Vec<ClassScores> = (0..confusion.classes()).map(|k| confusion.scores(k)).collect();
        let total = confusion.total();
        let average = |name: &str, weight: &dyn Fn(&ClassScores) -> f64| {
            let weights: f64 = classes.iter().map(weight).sum();
            let mean = |score: fn(&ClassScores) -> f64| {
                if weights == 0.0 {
                    0.0
                } else {
                    classes.iter().map(|c| weight(c) * score(c)).sum::<f64>() / weights
                }
            };
            ClassScores {
                name: name.to_owned(),
                precision: mean(|c| c.precision),
                recall: mean(|c| c.recall),
                f1: mean(|c| c.f1),
                support: total,
            }
        };
        let macro_avg = average("macro avg", &|_| 1.0);
        let weighted_avg = average("weighted avg", &|c| c.support as f64);
        ClassificationReport {
            accuracy: confusion.accuracy(),
            classes,
            macro_avg,
            weighted_avg,
            confusion,
            roc_auc: None,
        }
    }

    /// The same report with the classes named `names`, in order (a
    /// [`Classes`](crate::data::Classes) is such a list).
    ///
    /// Fails unless there is one name per class.
    ///
    /// ```
    /// use nn_core::data::Classes;
    /// use nn_core::metrics::ConfusionMatrix;
    ///
    /// let classes = Classes::new(["benign", "malignant"])?;
    /// let report = ConfusionMatrix::from_classes(&[0, 1], &[0, 1], 2)?.report().with_names(&classes)?;
    /// assert_eq!(report.classes[1].name, "malignant");
    /// assert_eq!(report.confusion.names(), classes.names());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn with_names<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Result<Self> {
        self.confusion = self.confusion.with_names(names)?;
        for (scores, name) in self.classes.iter_mut().zip(self.confusion.names()) {
            scores.name.clone_from(name);
        }
        Ok(self)
    }
}

impl fmt::Display for ClassificationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = f.precision().unwrap_or(2);
        let longest = self.classes.iter().map(|c| c.name.chars().count()).max().unwrap_or(0);
        let width = longest.max("weighted avg".len()).max(digits);
        write!(f, "{:>width$}  {:>9} {:>9} {:>9} {:>9}", "", "precision", "recall", "f1-score", "support")?;
        // Each row after a newline, so that the text ends without one.
        let row = |f: &mut fmt::Formatter<'_>, c: &ClassScores| {
            write!(
                f,
                "\n{:>width$}  {:>9.digits$} {:>9.digits$} {:>9.digits$} {:>9}",
                c.name, c.precision, c.recall, c.f1, c.support
            )
        };
        writeln!(f)?;
        for scores in &self.classes {
            row(f, scores)?;
        }
        let total = self.confusion.total();
        write!(f, "\n\n{:>width$}  {:>9} {:>9} {:>9.digits$} {:>9}", "accuracy", "", "", self.accuracy, total)?;
        row(f, &self.macro_avg)?;
        row(f, &self.weighted_avg)
    }
}

#[cfg(test)]
mod tests {
    use super::super::confusion::tests::three_classes;

    #[test]
    fn averages_match_the_hand_computed_ones() {
        // Precision 3/4, 1/2, 3/4; recall 3/4, 1/3, 1; F1 3/4, 2/5, 6/7;
        // supports 4, 3, 3 of 10.
        let report = three_classes().report();
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        close(report.macro_avg.precision, 2.0 / 3.0);
        close(report.macro_avg.recall, (0.75 + 1.0 / 3.0 + 1.0) / 3.0);
        close(report.macro_avg.f1, (0.75 + 0.4 + 6.0 / 7.0) / 3.0);
        close(report.weighted_avg.precision, (4.0 * 0.75 + 3.0 * 0.5 + 3.0 * 0.75) / 10.0);
        close(report.weighted_avg.recall, 0.7);
        close(report.weighted_avg.f1, (4.0 * 0.75 + 3.0 * 0.4 + 3.0 * 6.0 / 7.0) / 10.0);
        assert_eq!((report.accuracy, report.macro_avg.support, report.weighted_avg.support), (0.7, 10, 10));
    }

    #[test]
    fn prints_as_scikit_learn_with_long_names_and_more_digits() {
        let report = three_classes().with_names(["a very long class name", "b", "c"]).unwrap().report();
        // scikit-learn's classification_report(y, p, target_names=..., digits=3) lays it out so.
        let expected = "                        precision    recall  f1-score   support

a very long class name      0.750     0.750     0.750         4
                     b      0.500     0.333     0.400         3
                     c      0.750     1.000     0.857         3

              accuracy                          0.700        10
             macro avg      0.667     0.694     0.669        10
          weighted avg      0.675     0.700     0.677        10";
        assert_eq!(format!("{report:.3}"), expected);
    }
}
