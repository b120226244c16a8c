//! Reading a CSV table into a [`Dataset`]: one sample a row, the columns named
//! by a header row, one of them the label.
//!
//! The `csv` crate splits the file (quotes, escapes, a quoted cell over
//! several lines, each row's line); this module picks the columns, parses
//! the numbers and turns the labels into targets. Every cell that does not
//! fit is an [`Error::Csv`] naming the file, the line, the column and the
//! cell, and nothing is returned unless every row fits.

use super::{Batch, Classes, Dataset};
use crate::error::{Error, Result};
use std::path::Path;

/// How to read a CSV file with
/// [`Dataset::from_csv`](super::Dataset::from_csv): the label's column, the
/// feature columns (all the others unless chosen), the classes.
///
/// The file starts with a header row naming the columns; cells are trimmed
/// of spaces, blank lines are skipped, and every row has one cell per column.
/// Each feature cell must be a finite number (`3`, `-0.25`, `1e-3`).
///
/// # Labels and targets
///
/// - With [`classes`](Csv::classes) given (the training file's, to read a
///   test file), each label must be one of them.
/// - Otherwise, for a dataset of one target per sample whose labels are all
///   numbers, the numbers are the targets (a regression, or labels already 0
///   and 1); [`class_labels`](Csv::class_labels) reads them as classes instead.
/// - Otherwise the classes are the distinct labels, sorted (by value when
///   every label is a number, so `2` comes before `10`; else as text).
///
/// Class `k` becomes the one-hot target of `O` values with a 1 at `k`, which
/// both [`CategoricalCrossentropy`](crate::loss::CategoricalCrossentropy) and
/// [`SparseCategoricalCrossentropy`](crate::loss::SparseCategoricalCrossentropy)
/// take, when there are `O` classes; with two classes and one target per
/// sample (a sigmoid output and
/// [`BinaryCrossentropy`](crate::loss::BinaryCrossentropy)), the target is
/// `0.0` for the first class and `1.0` for the second.
///
/// ```
/// use nn_core::data::{Classes, Csv, Data, Dataset};
///
/// let dir = std::env::temp_dir().join(format!("nn-csv-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("flowers.csv");
/// std::fs::write(&path, "id,petal_length,petal_width,species\n1,1.4,0.2,setosa\n2,4.7,1.4,versicolor\n").unwrap();
///
/// let options = Csv::label("species").drop(["id"]);
/// let (data, classes): (Dataset<2, 2>, Classes) = Dataset::from_csv(&path, &options)?;
/// assert_eq!(data.len(), 2);
/// assert_eq!(classes.names(), ["setosa", "versicolor"]);
/// assert_eq!(data.targets().as_slice(), [1.0, 0.0, 0.0, 1.0]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "options do nothing until passed to `Dataset::from_csv`"]
pub struct Csv {
    label: String,
    features: Option<Vec<String>>,
    drop: Vec<String>,
    classes: Option<Classes>,
    class_labels: bool,
    delimiter: u8,
}

impl Csv {
    /// Read the label from the column named `name`, and the features from
    /// every other column, separated by commas.
    ///
    /// ```
    /// use nn_core::data::Csv;
    ///
    /// let options = Csv::label("diagnosis");
    /// # let _ = options;
    /// ```
    pub fn label(name: impl Into<String>) -> Self {
        Csv {
            label: name.into(),
            features: None,
            drop: Vec::new(),
            classes: None,
            class_labels: false,
            delimiter: b',',
        }
    }

    /// Read the features from these columns, in this order, instead of every
    /// column but the label.
    ///
    /// ```
    /// use nn_core::data::Csv;
    ///
    /// let options = Csv::label("species").features(["petal_length", "petal_width"]);
    /// # let _ = options;
    /// ```
    pub fn features<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.features = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Leave these columns out of the features (an `id`, a date).
    ///
    /// ```
    /// use nn_core::data::Csv;
    ///
    /// let options = Csv::label("diagnosis").drop(["id"]);
    /// # let _ = options;
    /// ```
    pub fn drop<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.drop.extend(names.into_iter().map(Into::into));
        self
    }

    /// Map the labels through these classes (the training file's, as
    /// [`Dataset::from_csv`](super::Dataset::from_csv) returned them or
    /// [`Classes::load`] read them): a label that is not one of them is an
    /// error, and the targets are numbered as in training.
    ///
    /// ```
    /// use nn_core::data::{Classes, Csv};
    ///
    /// let classes = Classes::new(["benign", "malignant"])?;
    /// let options = Csv::label("diagnosis").classes(&classes);
    /// # let _ = options;
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn classes(mut self, classes: &Classes) -> Self {
        self.classes = Some(classes.clone());
        self
    }

    /// Read labels that are numbers as classes too (`2` and `4` as two
    /// classes for a sigmoid output), rather than as the targets themselves.
    ///
    /// ```
    /// use nn_core::data::Csv;
    ///
    /// let options = Csv::label("class").class_labels();
    /// # let _ = options;
    /// ```
    pub fn class_labels(mut self) -> Self {
        self.class_labels = true;
        self
    }

    /// Cells are separated by `delimiter` (default `b','`; `b';'` or `b'\t'`
    /// for other tables).
    ///
    /// ```
    /// use nn_core::data::Csv;
    ///
    /// let options = Csv::label("quality").delimiter(b';');
    /// # let _ = options;
    /// ```
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }
}

/// What [`Dataset::from_csv`](super::Dataset::from_csv) does.
pub(super) fn read<const I: usize, const O: usize>(path: &Path, options: &Csv) -> Result<(Dataset<I, O>, Classes)> {
    let fail = |line: u64, column: Option<usize>, reason: String| Error::Csv {
        path: path.to_path_buf(),
        line,
        column: column.map(|c| c + 1),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(bytes.as_slice());
    let header = reader.headers().map_err(|e| csv_error(path, e))?.clone();
    let top = header.position().map_or(1, |at| start_line(&bytes, at));
    if header.is_empty() {
        return Err(fail(1, None, "the file is empty: no header row naming the columns".into()));
    }
    let names: Vec<&str> = header.iter().collect();
    let columns = Columns::find(&names, options).map_err(|(column, reason)| fail(top, column, reason))?;
    if columns.features.len() != I {
        let reason = format!(
            "{} feature columns, but the network takes {I} inputs (the dataset is `Dataset<{I}, {O}>`); \
             choose the features with `Csv::features` or leave columns out with `Csv::drop`",
            columns.features.len()
        );
        return Err(fail(top, None, reason));
    }

    let label = columns.label;
    let mut values: Vec<f32> = Vec::new();
    let mut labels: Vec<(String, u64)> = Vec::new();
    let mut record = ::csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(|e| csv_error(path, e))? {
        let line = record.position().map_or(0, |at| start_line(&bytes, at));
        if record.len() != names.len() {
            let reason = format!("{} cells, but the header names {} columns", record.len(), names.len());
            return Err(fail(line, None, reason));
        }
        for &j in &columns.features {
            let value = number(&record[j], names[j]).map_err(|why| fail(line, Some(j), why))?;
            values.push(value);
        }
        let text = &record[label];
        if text.is_empty() {
            return Err(fail(line, Some(label), format!("empty cell in `{}`, the label", names[label])));
        }
        labels.push((text.to_owned(), line));
    }
    if labels.is_empty() {
        return Err(fail(top, None, "no rows after the header".into()));
    }

    let numbers: Option<Vec<f32>> = (options.classes.is_none() && !options.class_labels && O == 1)
        .then(|| labels.iter().map(|(text, _)| number(text, "").ok()).collect())
        .flatten();
    let (targets, classes) = match numbers {
        Some(numbers) => (numbers, Classes::default()),
        None => {
            let classes = match &options.classes {
                Some(classes) => classes.clone(),
                None => found_classes(&labels)?,
            };
            if !(classes.len() == O || (O == 1 && classes.len() == 2)) {
                let whose = if options.classes.is_some() { "the classes given are" } else { "the labels are" };
                let reason = format!(
                    "{whose} {} classes ({classes}), but the dataset has {O} targets per sample: \
                     a network with one output takes 2 classes, one with N outputs N classes",
                    classes.len()
                );
                return Err(fail(top, Some(label), reason));
            }
            let mut targets = vec![0.0; O * labels.len()];
            for ((text, line), target) in labels.iter().zip(targets.chunks_exact_mut(O)) {
                let k = classes.index(text).ok_or_else(|| {
                    let reason = format!(
                        "label `{text}` in `{}` was never seen in training: the classes are {classes}",
                        names[label]
                    );
                    fail(*line, Some(label), reason)
                })?;
                if O == 1 {
                    target[0] = k as f32;
                } else {
                    target[k] = 1.0;
                }
            }
            (targets, classes)
        }
    };
    let n = labels.len();
    let data = Dataset::new(Batch::<I>::from_iterator(n, values), Batch::<O>::from_iterator(n, targets))?;
    Ok((data, classes))
}

/// The columns a [`Csv`] chooses, as indices into the header.
struct Columns {
    label: usize,
    features: Vec<usize>,
}

impl Columns {
    /// The label's column and the features' in the header `names`; an error
    /// is the column to blame, if one is, and why.
    fn find(names: &[&str], options: &Csv) -> Result<Columns, (Option<usize>, String)> {
        // A column is named once: otherwise a name would not say which one.
        for (j, name) in names.iter().enumerate() {
            if let Some(i) = names[..j].iter().position(|n| n == name) {
                let reason =
                    format!("`{name}` names columns {} and {}; each column needs a name of its own", i + 1, j + 1);
                return Err((Some(j), reason));
            }
        }
        let find = |name: &str, role: &str| {
            names.iter().position(|n| *n == name).ok_or_else(|| {
                let reason = format!("no column `{name}` ({role}); the columns are {}", names.join(", "));
                (None, reason)
            })
        };
        let label = find(&options.label, "the label")?;
        let mut features: Vec<usize> = match &options.features {
            Some(chosen) => chosen.iter().map(|name| find(name, "a feature")).collect::<Result<_, _>>()?,
            None => (0..names.len()).filter(|&j| j != label).collect(),
        };
        for name in &options.drop {
            let j = find(name, "to drop")?;
            features.retain(|&k| k != j);
        }
        if features.contains(&label) {
            return Err((Some(label), format!("`{}` is the label; it cannot be a feature too", names[label])));
        }
        for (at, &j) in features.iter().enumerate() {
            if features[..at].contains(&j) {
                return Err((Some(j), format!("`{}` is chosen as a feature twice", names[j])));
            }
        }
        Ok(Columns { label, features })
    }
}

/// The finite number a cell of the column `name` holds, or what is wrong.
fn number(cell: &str, name: &str) -> Result<f32, String> {
    if cell.is_empty() {
        return Err(format!("empty cell in `{name}`"));
    }
    match cell.parse::<f32>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(format!("`{cell}` in `{name}` is not a finite number")),
        Err(_) => Err(format!("`{cell}` in `{name}` is not a number")),
    }
}

/// The line a record starts on. The `csv` crate gives the position where it
/// started reading the record, before the blank lines it skips: those are
/// counted here.
fn start_line(bytes: &[u8], at: &::csv::Position) -> u64 {
    let from = usize::try_from(at.byte()).unwrap_or(usize::MAX).min(bytes.len());
    let blank = bytes[from..].iter().take_while(|b| matches!(b, b'\n' | b'\r')).filter(|b| **b == b'\n').count();
    at.line() + blank as u64
}

/// The distinct labels, sorted by value when all are numbers, else as text.
fn found_classes(labels: &[(String, u64)]) -> Result<Classes> {
    let mut names: Vec<&str> = labels.iter().map(|(text, _)| text.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let values: Option<Vec<f64>> = names.iter().map(|n| n.parse::<f64>().ok()).collect();
    if let Some(values) = values {
        let mut pairs: Vec<(f64, &str)> = values.into_iter().zip(names).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        names = pairs.into_iter().map(|(_, name)| name).collect();
    }
    Classes::new(names)
}

/// The crate's error for what the `csv` crate reports: the operating
/// system's as an [`Error::Io`], text that is not UTF-8 naming its line and
/// column.
fn csv_error(path: &Path, error: ::csv::Error) -> Error {
    let line = error.position().map_or(0, ::csv::Position::line);
    let text = error.to_string();
    match error.into_kind() {
        ::csv::ErrorKind::Io(source) => Error::io(path, source),
        ::csv::ErrorKind::Utf8 { err, .. } => Error::Csv {
            path: path.to_path_buf(),
            line,
            column: Some(err.field() + 1),
            reason: "the cell is not UTF-8 text".into(),
        },
        _ => Error::Csv { path: path.to_path_buf(), line, column: None, reason: text },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Data;
    use std::path::PathBuf;

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("nn-csv-unit-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, text).unwrap();
            path
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The message of an [`Error::Csv`] reading `text` as `Dataset<I, O>`,
    /// with the file's path replaced by `FILE`.
    fn message<const I: usize, const O: usize>(text: &str, options: &Csv) -> String {
        let dir =
            TempDir::new(&format!("{I}-{O}-{:x}", text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()));
        let path = dir.write("table.csv", text);
        match Dataset::<I, O>::from_csv(&path, options) {
            Err(e @ Error::Csv { .. }) => e.to_string().replace(&path.display().to_string(), "FILE"),
            other => panic!("expected Error::Csv, got {other:?}"),
        }
    }

    /// A small table: an id, two features, a label of two classes.
    const TABLE: &str = "id,radius,texture,diagnosis\n\
                         1,17.99,10.38,M\n\
                         2,13.54,14.36,B\n\
                         3, 20.6 ,29.33,M\n";

    #[test]
    fn string_labels_become_sorted_classes_one_hot_or_binary() {
        let dir = TempDir::new("classes");
        let path = dir.write("table.csv", TABLE);
        let options = Csv::label("diagnosis").drop(["id"]);
        let (data, classes) = Dataset::<2, 2>::from_csv(&path, &options).unwrap();
        assert_eq!(classes.names(), ["B", "M"]);
        assert_eq!(data.inputs().as_slice(), [17.99, 10.38, 13.54, 14.36, 20.6, 29.33]);
        assert_eq!(data.targets().as_slice(), [0.0, 1.0, 1.0, 0.0, 0.0, 1.0]);

        let (binary, same) = Dataset::<2, 1>::from_csv(&path, &options).unwrap();
        assert_eq!(same, classes);
        assert_eq!(binary.targets().as_slice(), [1.0, 0.0, 1.0]);
        assert_eq!(binary.inputs(), data.inputs());
    }

    #[test]
    fn chosen_features_come_in_the_order_given() {
        let dir = TempDir::new("features");
        let path = dir.write("table.csv", TABLE);
        let options = Csv::label("diagnosis").features(["texture", "id"]);
        let (data, _) = Dataset::<2, 1>::from_csv(&path, &options).unwrap();
        assert_eq!(data.inputs().as_slice(), [10.38, 1.0, 14.36, 2.0, 29.33, 3.0]);
    }

    #[test]
    fn numeric_labels_are_targets_or_classes_sorted_by_value() {
        let dir = TempDir::new("numbers");
        let path = dir.write("table.csv", "x;price\n1;2.5\n2;10\n3;-1\n");
        let (data, classes) = Dataset::<1, 1>::from_csv(&path, &Csv::label("price").delimiter(b';')).unwrap();
        assert!(classes.is_empty());
        assert_eq!(data.targets().as_slice(), [2.5, 10.0, -1.0]);

        let path = dir.write("digits.csv", "x,digit\n1,10\n2,2\n3,1\n4,2\n");
        let (data, classes) = Dataset::<1, 3>::from_csv(&path, &Csv::label("digit")).unwrap();
        assert_eq!(classes.names(), ["1", "2", "10"]);
        assert_eq!(data.targets().as_slice(), [0., 0., 1., 0., 1., 0., 1., 0., 0., 0., 1., 0.]);

        let path = dir.write("wisconsin.csv", "x,class\n1,4\n2,2\n");
        let (data, classes) = Dataset::<1, 1>::from_csv(&path, &Csv::label("class").class_labels()).unwrap();
        assert_eq!(
            (classes.names(), data.targets().as_slice()),
            (&["2".to_owned(), "4".to_owned()][..], &[1.0, 0.0][..])
        );
    }

    #[test]
    fn a_quoted_cell_over_two_lines_keeps_the_line_numbers_right() {
        let text = "name,x,label\n\"two\nlines\",1,a\nplain,oops,b\n";
        let options = Csv::label("label").drop(["name"]);
        assert_eq!(message::<1, 1>(text, &options), "FILE: line 4, column 2: `oops` in `x` is not a number");
    }

    #[test]
    fn a_cell_that_is_not_a_number_is_an_error() {
        let text = "id,radius,texture,diagnosis\n1,17.99,10.38,M\n2,13.54,abc,B\n";
        let options = Csv::label("diagnosis").drop(["id"]);
        assert_eq!(message::<2, 1>(text, &options), "FILE: line 3, column 3: `abc` in `texture` is not a number");
        let text = "id,radius,texture,diagnosis\r\n1,17.99,10.38,M\r\n\r\n2,x,14.36,B\r\n";
        assert_eq!(message::<2, 1>(text, &options), "FILE: line 4, column 2: `x` in `radius` is not a number");
        let text = "id,radius,texture,diagnosis\n1,17.99,NaN,M\n";
        assert_eq!(
            message::<2, 1>(text, &options),
            "FILE: line 2, column 3: `NaN` in `texture` is not a finite number"
        );
    }

    #[test]
    fn an_empty_cell_is_an_error() {
        let options = Csv::label("diagnosis").drop(["id"]);
        let text = "id,radius,texture,diagnosis\n1,17.99,10.38,M\n2,,14.36,B\n";
        assert_eq!(message::<2, 1>(text, &options), "FILE: line 3, column 2: empty cell in `radius`");
        let text = "id,radius,texture,diagnosis\n1,17.99,10.38, \n";
        assert_eq!(message::<2, 1>(text, &options), "FILE: line 2, column 4: empty cell in `diagnosis`, the label");
    }

    #[test]
    fn a_row_of_too_many_or_too_few_cells_is_an_error() {
        let options = Csv::label("diagnosis").drop(["id"]);
        let text = "id,radius,texture,diagnosis\n1,17.99,10.38,M\n2,13.54,14.36,B,extra\n";
        assert_eq!(message::<2, 1>(text, &options), "FILE: line 3: 5 cells, but the header names 4 columns");
        let text = "id,radius,texture,diagnosis\n1,17.99,10.38,M\n\n2,13.54,B\n";
        assert_eq!(message::<2, 1>(text, &options), "FILE: line 4: 3 cells, but the header names 4 columns");
    }

    #[test]
    fn a_label_never_seen_in_training_is_an_error() {
        let classes = Classes::new(["B", "M"]).unwrap();
        let options = Csv::label("diagnosis").drop(["id"]).classes(&classes);
        let text = "id,radius,texture,diagnosis\n1,17.99,10.38,M\n2,13.54,14.36,X\n";
        assert_eq!(
            message::<2, 2>(text, &options),
            "FILE: line 3, column 4: label `X` in `diagnosis` was never seen in training: the classes are B, M"
        );
        // A test file with one of the classes only still numbers it as in training.
        let dir = TempDir::new("seen");
        let path = dir.write("test.csv", "id,radius,texture,diagnosis\n1,17.99,10.38,M\n");
        let (data, same) = Dataset::<2, 1>::from_csv(&path, &options).unwrap();
        assert_eq!((data.targets().as_slice(), same), (&[1.0][..], classes));
    }

    #[test]
    fn a_feature_count_other_than_the_network_input_width_is_an_error() {
        let options = Csv::label("diagnosis");
        assert_eq!(
            message::<2, 1>(TABLE, &options),
            "FILE: line 1: 3 feature columns, but the network takes 2 inputs (the dataset is `Dataset<2, 1>`); \
             choose the features with `Csv::features` or leave columns out with `Csv::drop`"
        );
    }

    #[test]
    fn classes_that_do_not_fit_the_targets_are_an_error() {
        let text = "x,label\n1,a\n2,b\n3,c\n";
        assert_eq!(
            message::<1, 1>(text, &Csv::label("label")),
            "FILE: line 1, column 2: the labels are 3 classes (a, b, c), but the dataset has 1 targets per sample: \
             a network with one output takes 2 classes, one with N outputs N classes"
        );
    }

    #[test]
    fn missing_or_doubled_columns_are_errors() {
        assert_eq!(
            message::<2, 1>(TABLE, &Csv::label("class")),
            "FILE: line 1: no column `class` (the label); the columns are id, radius, texture, diagnosis"
        );
        assert_eq!(
            message::<2, 1>(TABLE, &Csv::label("diagnosis").drop(["ID"])),
            "FILE: line 1: no column `ID` (to drop); the columns are id, radius, texture, diagnosis"
        );
        assert_eq!(
            message::<2, 1>(TABLE, &Csv::label("diagnosis").features(["radius", "diagnosis"])),
            "FILE: line 1, column 4: `diagnosis` is the label; it cannot be a feature too"
        );
        assert_eq!(
            message::<2, 1>("a,b,a\n1,2,3\n", &Csv::label("b")),
            "FILE: line 1, column 3: `a` names columns 1 and 3; each column needs a name of its own"
        );
    }

    #[test]
    fn an_empty_file_or_one_without_rows_is_an_error() {
        let options = Csv::label("y");
        assert_eq!(message::<1, 1>("", &options), "FILE: line 1: the file is empty: no header row naming the columns");
        assert_eq!(message::<1, 1>("x,y\n", &options), "FILE: line 1: no rows after the header");
    }

    #[test]
    fn text_that_is_not_utf8_is_an_error_naming_its_cell() {
        let dir = TempDir::new("utf8");
        let path = dir.0.join("latin1.csv");
        std::fs::write(&path, b"x,y\n1,caf\xe9\n").unwrap();
        let error = Dataset::<1, 1>::from_csv(&path, &Csv::label("y")).unwrap_err();
        assert!(matches!(error, Error::Csv { line: 2, column: Some(2), .. }), "{error:?}");
    }

    #[test]
    fn a_missing_file_is_an_io_error_naming_it() {
        let path = std::env::temp_dir().join("no-such-dir-for-nn/table.csv");
        let error = Dataset::<1, 1>::from_csv(&path, &Csv::label("y")).unwrap_err();
        assert!(matches!(error, Error::Io { .. }));
        assert!(error.to_string().starts_with(&path.display().to_string()));
    }

    /// The Breast Cancer Wisconsin table the repository ships: 569 rows, 30
    /// features and the label `diagnosis`, benign (357) or malignant (212).
    #[test]
    fn reads_the_breast_cancer_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/breast_cancer/breast_cancer.csv");
        let (data, classes) = Dataset::<30, 1>::from_csv(&path, &Csv::label("diagnosis")).unwrap();
        assert_eq!(data.len(), 569);
        assert_eq!(classes.names(), ["benign", "malignant"]);
        let malignant = data.targets().iter().filter(|y| **y == 1.0).count();
        assert_eq!(malignant, 212);
        // The first row: mean radius 17.99 ... worst fractal dimension 0.1189, malignant.
        let first = data.inputs().column(0);
        assert_eq!((first[0], first[29], data.targets()[0]), (17.99, 0.1189, 1.0));
        let error = Dataset::<29, 1>::from_csv(&path, &Csv::label("diagnosis")).unwrap_err();
        assert!(error.to_string().contains("30 feature columns, but the network takes 29 inputs"), "{error}");
    }
}
