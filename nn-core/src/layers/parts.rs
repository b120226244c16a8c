//! What a layer keeps, said once: each tensor's name, PyTorch shape and
//! role, as a [`Part`], its values in PyTorch's row-major order. [`Layer::parts`] and [`Layer::parts_mut`] are
//! the only places a layer names its tensors; training (the optimisers'
//! [`Layer::visit_params`], weight penalties, early stopping's
//! [`Layer::visit_state`]), saving ([`Layer::tensors`]) and loading
//! ([`Layer::load_tensors`]) are derived from them here, once for every
//! layer and network, so a layer cannot keep a tensor that is trained but
//! not saved, or saved but not loaded.

use super::{Layer, Regularizer, Slot, Tensor, TensorSource};
use std::borrow::Cow;
use std::fmt::Write;

/// Where a layer sits among the modules of the matching PyTorch module tree:
/// nothing for a network's own layers, module 3 of a `torch.nn.Sequential`,
/// module 3 of a network nested as module 0 (`0.3.`), or a named child
/// (`5.branches.1.`, `3.body.`: the attributes of a block's module). Built
/// on the stack, each level pointing at the one above, so visiting
/// allocates nothing.
///
/// ```
/// use nn_core::layers::Path;
///
/// let (nested, mut name) = (Path::ROOT.module(0), String::new());
/// nested.module(3).write_prefix(&mut name);
/// assert_eq!(name, "0.3.");
///
/// let (block, mut name) = (Path::ROOT.module(5), String::new());
/// block.named("branches").module(1).write_prefix(&mut name);
/// assert_eq!(name, "5.branches.1.");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    up: Option<(&'a Path<'a>, Segment)>,
}

/// One level of a [`Path`]: a module's index or a child's name.
#[derive(Clone, Copy, Debug)]
enum Segment {
    Index(usize),
    Name(&'static str),
}

impl<'a> Path<'a> {
    /// A network's own level: no prefix.
    pub const ROOT: Path<'static> = Path { up: None };

    /// Module `index` under this level.
    pub fn module(&'a self, index: usize) -> Path<'a> {
        Path { up: Some((self, Segment::Index(index))) }
    }

    /// The child module named `name` under this level (prefix `name.`), as
    /// a PyTorch module names its attributes: a block's `branches` or `body`.
    pub fn named(&'a self, name: &'static str) -> Path<'a> {
        Path { up: Some((self, Segment::Name(name))) }
    }

    /// Append the prefix of this level to `out`: each module's index or
    /// name and a dot, outermost first.
    pub fn write_prefix(&self, out: &mut String) {
        if let Some((up, segment)) = self.up {
            up.write_prefix(out);
            let _ = match segment {
                Segment::Index(index) => write!(out, "{index}."),
                Segment::Name(name) => write!(out, "{name}."),
            };
        }
    }
}

/// What a tensor is to training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A trainable parameter: optimisers update it from its gradient.
    Param,
    /// Training state that is not a parameter (batch norm's moving
    /// statistics and its step counter): changed by
    /// [`Layer::update_state`], kept by early stopping, saved.
    State,
}

/// A tensor's values, read-only: `f32` for parameters and statistics, `i64`
/// for counters (PyTorch stores batch norm's `num_batches_tracked` as one).
#[derive(Clone, Copy, Debug)]
pub enum Data<'s> {
    /// Floating-point values.
    F32(&'s [f32]),
    /// Integers.
    I64(&'s [i64]),
}

/// A tensor's values, writable.
#[derive(Debug)]
pub enum DataMut<'s> {
    /// Floating-point values.
    F32(&'s mut [f32]),
    /// Integers.
    I64(&'s mut [i64]),
}

impl<'s> From<&'s [f32]> for Data<'s> {
    fn from(values: &'s [f32]) -> Self {
        Data::F32(values)
    }
}

impl<'s> From<&'s mut [f32]> for DataMut<'s> {
    fn from(values: &'s mut [f32]) -> Self {
        DataMut::F32(values)
    }
}

/// One tensor a layer keeps, as [`Layer::parts`] shows it: `D` is [`Data`]
/// or, from [`Layer::parts_mut`], [`DataMut`].
#[derive(Debug)]
pub struct Part<'p, D> {
    /// The modules above the layer.
    pub path: Path<'p>,
    /// The name PyTorch gives the tensor within its module (`weight`).
    pub name: &'static str,
    /// Appended to the name (`_reverse` for the backward direction of a
    /// bidirectional layer), or empty.
    pub suffix: &'static str,
    /// The shape, outermost dimension first, as PyTorch's (a dense weight is
    /// `[out, in]`).
    pub shape: &'p [usize],
    /// Trained or kept.
    pub role: Role,
    /// The weight penalty on these values (none by default).
    pub regularizer: Regularizer,
    /// A second tensor of the file that holds a share of these values, of
    /// the same shape: saved as zeros, added to these values on loading
    /// (`bias_hh_l0` of a recurrent cell that keeps one bias for PyTorch's
    /// two).
    pub folded: Option<&'static str>,
    /// The values.
    pub data: D,
}

impl<'p, D> Part<'p, D> {
    /// A trainable parameter, row-major.
    pub fn param(path: &Path<'p>, name: &'static str, shape: &'p [usize], data: impl Into<D>) -> Self {
        Part {
            path: *path,
            name,
            suffix: "",
            shape,
            role: Role::Param,
            regularizer: Regularizer::default(),
            folded: None,
            data: data.into(),
        }
    }

    /// Training state that is not a parameter, row-major.
    pub fn state(path: &Path<'p>, name: &'static str, shape: &'p [usize], data: impl Into<D>) -> Self {
        Part { role: Role::State, ..Self::param(path, name, shape, data) }
    }

    /// The same part, penalised by `regularizer`.
    pub fn regularized(self, regularizer: Regularizer) -> Self {
        Part { regularizer, ..self }
    }

    /// The same part, its name followed by `suffix`.
    pub fn suffixed(self, suffix: &'static str) -> Self {
        Part { suffix, ..self }
    }

    /// The same part with a folded share saved as `name` (see [`Part::folded`]).
    pub fn folding(self, name: &'static str) -> Self {
        Part { folded: Some(name), ..self }
    }

    /// The number of values its shape holds.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True for a shape with a zero in it.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `prefix`, the modules above, then `name` and the suffix.
    fn full_name(&self, prefix: &str, name: &str) -> String {
        let mut full = String::from(prefix);
        self.path.write_prefix(&mut full);
        full.push_str(name);
        full.push_str(self.suffix);
        full
    }
}

/// The `n`-th parameter tensor of `layer` (counting from 0, in the order of
/// [`Layer::parts`]), with its penalty; empty when there are fewer.
fn nth_param<L: Layer>(layer: &L, n: usize) -> (&[f32], Regularizer) {
    let (mut k, mut found) = (0, (&[][..], Regularizer::default()));
    layer.parts(&Path::ROOT, &mut |part| {
        if let (Role::Param, Data::F32(values)) = (part.role, part.data) {
            if k == n {
                found = (values, part.regularizer);
            }
            k += 1;
        }
    });
    found
}

/// [`Layer::visit_params`]: each parameter tensor with the same tensor of `grads`.
pub(crate) fn visit_params<L: Layer>(layer: &mut L, grads: &L, visit: &mut dyn FnMut(&mut [f32], &[f32])) {
    let mut k = 0;
    layer.parts_mut(&Path::ROOT, &mut |part| {
        if let (Role::Param, DataMut::F32(values)) = (part.role, part.data) {
            visit(values, nth_param(grads, k).0);
            k += 1;
        }
    });
}

/// [`Layer::params`]: each parameter tensor, read-only.
pub(crate) fn params<L: Layer>(layer: &L, visit: &mut dyn FnMut(&[f32])) {
    layer.parts(&Path::ROOT, &mut |part| {
        if let (Role::Param, Data::F32(values)) = (part.role, part.data) {
            visit(values);
        }
    });
}

/// [`Layer::visit_state`]: each `f32` tensor of state.
pub(crate) fn visit_state<L: Layer>(layer: &mut L, visit: &mut dyn FnMut(&mut [f32])) {
    layer.parts_mut(&Path::ROOT, &mut |part| {
        if let (Role::State, DataMut::F32(values)) = (part.role, part.data) {
            visit(values);
        }
    });
}

/// [`Layer::penalty`]: the penalties of the penalised tensors, in order,
/// their gradients added to `grads` when given.
pub(crate) fn penalty<L: Layer>(layer: &L, grads: Option<&mut L>) -> f64 {
    let mut total = 0.0;
    match grads {
        None => layer.parts(&Path::ROOT, &mut |part| {
            if let (Role::Param, Data::F32(values)) = (part.role, part.data) {
                if part.regularizer != Regularizer::default() {
                    total += part.regularizer.penalty(values, None);
                }
            }
        }),
        Some(grads) => {
            let mut k = 0;
            grads.parts_mut(&Path::ROOT, &mut |part| {
                if let (Role::Param, DataMut::F32(grad)) = (part.role, part.data) {
                    let (values, regularizer) = nth_param(layer, k);
                    if regularizer != Regularizer::default() {
                        total += regularizer.penalty(values, Some(grad));
                    }
                    k += 1;
                }
            });
        }
    }
    total
}

/// [`Layer::tensors`]: each part as the file stores it, then its folded
/// share, if any, as zeros.
pub(crate) fn tensors<L: Layer>(layer: &L, prefix: &str, visit: &mut dyn FnMut(Tensor<'_>)) {
    layer.parts(&Path::ROOT, &mut |part| {
        let values = match part.data {
            Data::F32(values) => super::Values::F32(Cow::Borrowed(values)),
            Data::I64(values) => super::Values::I64(Cow::Borrowed(values)),
        };
        visit(Tensor { name: part.full_name(prefix, part.name), shape: part.shape.to_vec(), values });
        if let Some(folded) = part.folded {
            let zeros = vec![0.0f32; part.len()];
            visit(Tensor { name: part.full_name(prefix, folded), shape: part.shape.to_vec(), values: zeros.into() });
        }
    });
}

/// [`Layer::load_tensors`]: each part asked of `source` by the name, shape
/// and type that [`tensors`] gives it, until the first error.
pub(crate) fn load_tensors<L: Layer>(layer: &mut L, prefix: &str, source: &mut TensorSource<'_>) -> crate::Result<()> {
    let mut result = Ok(());
    layer.parts_mut(&Path::ROOT, &mut |part| {
        if result.is_ok() {
            result = load_part(part, prefix, source);
        }
    });
    result
}

fn load_part(part: Part<'_, DataMut<'_>>, prefix: &str, source: &mut TensorSource<'_>) -> crate::Result<()> {
    let name = part.full_name(prefix, part.name);
    let folded = part.folded.map(|folded| part.full_name(prefix, folded));
    match part.data {
        DataMut::I64(values) => source(&name, part.shape, Slot::I64(values))?,
        DataMut::F32(values) => {
            source(&name, part.shape, Slot::F32(values))?;
            if let Some(folded) = folded {
                let mut share = vec![0.0; values.len()];
                source(&folded, part.shape, Slot::F32(&mut share))?;
                values.iter_mut().zip(&share).for_each(|(v, s)| *v += s);
            }
        }
    }
    Ok(())
}
