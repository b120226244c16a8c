//! The names of a dataset's classes, in the order of the network's outputs,
//! and their file beside the weights: what maps a prediction back to a name.

use crate::error::{Error, Result};
use crate::io::json::{self, Value};
use std::fmt;
use std::path::Path;

/// The classes of a label column, in a fixed order: class `k` is the
/// network's output `k` (or, for a network with one output and two classes,
/// class 1 is an output of at least 0.5).
///
/// [`Dataset::from_csv`](super::Dataset::from_csv) finds them in a training
/// file, sorted (numerically when every label is a number, else as text), so
/// the same file always gives the same order. Save them beside the weights
/// and read a test file, or name a prediction, with the same ones.
///
/// ```
/// use nn_core::data::Classes;
///
/// let classes = Classes::new(["benign", "malignant"])?;
/// assert_eq!(classes.index("malignant"), Some(1));
/// assert_eq!(classes.name(0), Some("benign"));
/// // A network's output, one value per class or one for two classes.
/// assert_eq!(classes.predicted(&[0.2, 0.8]), Some("malignant"));
/// assert_eq!(classes.predicted(&[0.3]), Some("benign"));
///
/// let path = std::env::temp_dir().join(format!("classes-doc-{}.json", std::process::id()));
/// classes.save(&path)?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"classes\": [\"benign\", \"malignant\"]}\n");
/// assert_eq!(Classes::load(&path)?, classes);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Classes {
    names: Vec<String>,
}

impl Classes {
    /// Classes of these names, in this order.
    ///
    /// Fails when a name comes twice.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let error = Classes::new(["cat", "dog", "cat"]).unwrap_err();
    /// assert_eq!(error.to_string(), "class `cat` is named twice (classes 0 and 2)");
    /// ```
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Result<Self> {
        let names: Vec<String> = names.into_iter().map(Into::into).collect();
        for (j, name) in names.iter().enumerate() {
            if let Some(i) = names[..j].iter().position(|n| n == name) {
                return Err(Error::InvalidArgument(format!("class `{name}` is named twice (classes {i} and {j})")));
            }
        }
        Ok(Classes { names })
    }

    /// The names, class 0 first.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// assert_eq!(Classes::new(["a", "b"])?.names(), ["a", "b"]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of classes.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// assert_eq!(Classes::new(["a", "b", "c"])?.len(), 3);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when there are no classes: the labels were read as numbers.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// assert!(Classes::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The class of this name.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let classes = Classes::new(["a", "b"])?;
    /// assert_eq!((classes.index("b"), classes.index("z")), (Some(1), None));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The name of class `index`.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let classes = Classes::new(["a", "b"])?;
    /// assert_eq!((classes.name(1), classes.name(2)), (Some("b"), None));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn name(&self, index: usize) -> Option<&str> {
        self.names.get(index).map(String::as_str)
    }

    /// The name of the class a network's `output` for one sample predicts
    /// (see [`metrics::class_of`](crate::metrics::class_of)).
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let classes = Classes::new(["setosa", "versicolor", "virginica"])?;
    /// assert_eq!(classes.predicted(&[0.1, 0.3, 0.6]), Some("virginica"));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn predicted(&self, output: &[f32]) -> Option<&str> {
        self.name(crate::metrics::class_of(output))
    }

    /// The classes as the text [`save`](Classes::save) writes:
    /// `{"classes": ["benign", "malignant"]}` and a newline.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// assert_eq!(Classes::new(["a \"b\""])?.to_json(), "{\"classes\": [\"a \\\"b\\\"\"]}\n");
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        let mut text = String::from("{\"classes\": [");
        for (i, name) in self.names.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            json::write_string(&mut text, name);
        }
        text.push_str("]}\n");
        text
    }

    /// Classes from the text [`to_json`](Classes::to_json) writes; errors
    /// (an [`Error::Format`]) name `path`.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let classes = Classes::from_json("{\"classes\": [\"B\", \"M\"]}", "classes.json")?;
    /// assert_eq!(classes.names(), ["B", "M"]);
    /// let error = Classes::from_json("[\"B\", \"M\"]", "classes.json").unwrap_err();
    /// assert_eq!(error.to_string(), "classes.json: expected an object with the key `classes`, found an array");
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn from_json(text: &str, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let value = json::parse(text).map_err(|e| Error::format(path, format!("not a classes file: {e}")))?;
        let names = match value {
            Value::Object(entries) => match entries.into_iter().find(|(key, _)| key == "classes") {
                Some((_, Value::Array(names))) => names,
                Some((_, other)) => {
                    return Err(Error::format(path, format!("`classes` is {}, expected an array", other.kind())))
                }
                None => return Err(Error::format(path, "no key `classes`")),
            },
            other => {
                let reason = format!("expected an object with the key `classes`, found {}", other.kind());
                return Err(Error::format(path, reason));
            }
        };
        let names = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| match name {
                Value::String(name) => Ok(name),
                other => Err(Error::format(path, format!("class {i} is {}, expected a string", other.kind()))),
            })
            .collect::<Result<Vec<_>>>()?;
        Classes::new(names).map_err(|e| Error::format(path, e.to_string()))
    }

    /// Write the classes to `path` as JSON ([`to_json`](Classes::to_json)),
    /// atomically as a network's weights are saved; keep the file beside them.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let path = std::env::temp_dir().join(format!("classes-save-{}.json", std::process::id()));
    /// Classes::new(["no", "yes"])?.save(&path)?;
    /// assert_eq!(Classes::load(&path)?.names(), ["no", "yes"]);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::io::atomic::write(path.as_ref(), self.to_json().as_bytes())
    }

    /// Read classes that [`save`](Classes::save) wrote. A file that cannot be
    /// read is an [`Error::Io`], one that is not such JSON an [`Error::Format`],
    /// both naming `path`.
    ///
    /// ```
    /// use nn_core::data::Classes;
    ///
    /// let missing = std::env::temp_dir().join("no-such-dir-for-nn/classes.json");
    /// assert!(matches!(Classes::load(&missing), Err(nn_core::Error::Io { .. })));
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Classes::from_json(&text, path)
    }
}

/// The names, comma-separated: `benign, malignant`.
impl fmt::Display for Classes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names.join(", "))
    }
}

/// The names, class 0 first: a `&Classes` goes where a list of names does
/// ([`ClassificationReport::with_names`](crate::metrics::ClassificationReport::with_names)).
///
/// ```
/// use nn_core::data::Classes;
///
/// let classes = Classes::new(["B", "M"])?;
/// assert_eq!((&classes).into_iter().map(String::as_str).collect::<Vec<_>>(), ["B", "M"]);
/// # Ok::<(), nn_core::Error>(())
/// ```
impl<'a> IntoIterator for &'a Classes {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.names.iter()
    }
}
