#![cfg(feature = "std")]
//! Keras-shaped training: `fit`, `evaluate` and `predict`, typed by the
//! network's widths.

use crate::act::Activation;
use crate::callbacks::{EarlyStopping, Verdict};
use crate::data::{Batch, Data};
use crate::error::{Error, Result};
pub use crate::history::{EpochLog, Evaluation, History};
use crate::layers::{Activated, Backward, Layer, Mode};
use crate::loss::Loss;
use crate::metrics::{self, ClassificationReport, ConfusionMatrix};
use crate::optim::Optimizer;
use crate::progress::{EpochProgress, Verbosity};
use crate::tensor::ensure_len;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Samples per forward pass in `evaluate` and `predict`.
const INFERENCE_BATCH: usize = 1024;

/// Loss and correct predictions summed over one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchStats {
    /// Sum of the per-sample losses (a sample's loss is the mean over its
    /// steps when the network predicts on every step, as in Keras).
    pub loss_sum: f64,
    /// Predictions right.
    pub correct: usize,
    /// Predictions made: one per sample, or one per step of each sample for
    /// a network that predicts on every step ([`Activated::GROUP`]).
    pub predictions: usize,
}

/// Everything one training step needs, allocated once: batch buffers, the
/// network's scratch memory and its gradients. After the first (largest) batch,
/// [`TrainStep::run`] allocates nothing.
pub struct TrainStep<N: Layer, const I: usize, const O: usize> {
    capacity: usize,
    inputs: Vec<f32>,
    targets: Vec<f32>,
    outputs: Vec<f32>,
    delta: Vec<f32>,
    buffers: N::Buffers,
    grads: N,
    rng: rand::rngs::StdRng,
    /// The largest norm of the whole gradient, and an all-zero network that
    /// lets the gradient be visited mutably to scale it down.
    clip: Option<(f32, Box<N>)>,
}

impl<N: Layer + Activated, const I: usize, const O: usize> TrainStep<N, I, O> {
    /// Buffers for batches of up to `capacity` samples; stochastic layers (dropout)
    /// draw from a generator seeded with `seed`.
    pub fn new(capacity: usize, seed: u64) -> Self {
        const { assert!(N::INPUT == I && N::OUTPUT == O, "the network's widths are not the step's") };
        TrainStep {
            capacity,
            inputs: vec![0.0; I * capacity],
            targets: vec![0.0; O * capacity],
            outputs: vec![0.0; O * capacity],
            delta: vec![0.0; O * capacity],
            buffers: N::Buffers::default(),
            grads: N::zeroed(),
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            clip: None,
        }
    }

    /// Scale each step's gradient down, when its norm (over every parameter
    /// of the network, penalties included) is above `norm`, to that norm:
    /// PyTorch's `clip_grad_norm_`, Keras' `global_clipnorm`.
    pub fn clip_norm(mut self, norm: f32) -> Self {
        self.clip = Some((norm, Box::new(N::zeroed())));
        self
    }

    /// Train `net` on the samples of `data` at `indices` (at most the capacity):
    /// forward, loss, backward, one optimiser update.
    ///
    /// When the loss is not finite the parameters are left as they were and
    /// the error says so (its epoch and batch are for the caller to fill in).
    pub fn run<D, L, Opt>(
        &mut self,
        net: &mut N,
        data: &D,
        indices: &[usize],
        loss: &L,
        optimizer: &mut Opt,
    ) -> Result<BatchStats>
    where
        D: Data<I, O> + ?Sized,
        L: Loss<N::Activation>,
        Opt: Optimizer,
    {
        let batch = indices.len();
        if batch > self.capacity {
            return Err(Error::InvalidArgument(format!(
                "batch of {batch} samples exceeds the step's capacity {}",
                self.capacity
            )));
        }
        let inputs = &mut self.inputs[..I * batch];
        let targets = &mut self.targets[..O * batch];
        let outputs = &mut self.outputs[..O * batch];
        let delta = &mut self.delta[..O * batch];
        data.gather(indices, inputs, targets);
        net.check_input(inputs, batch).map_err(|e| in_data(e, |k| indices[k]))?;
        net.forward_batch(inputs, outputs, batch, &mut self.buffers, &mut Mode::Training(&mut self.rng));
        // Each group of outputs (a step's, or the whole output) is a
        // prediction: the loss of its mean over the steps, as in Keras.
        let steps = O / N::GROUP;
        let loss_sum = loss.loss_sum(outputs, targets, N::GROUP) / steps as f64;
        let correct = metrics::correct(outputs, targets, N::GROUP);
        loss.delta(outputs, targets, N::GROUP, delta);
        // `delta` is with respect to the last pre-activations, unless the last
        // activation needs its input: then the loss stops at the outputs.
        let preactivation = !<N::Activation as Activation>::NEEDS_INPUT;
        let penalty = net.penalty(None);
        let loss_sum = loss_sum + penalty * batch as f64;
        // Nothing has touched the weights yet: stopping here leaves them as
        // they were before this step.
        if !loss_sum.is_finite() {
            return Err(Error::NonFiniteLoss { epoch: 0, batch: 0, loss: loss_sum as f32 });
        }
        net.update_state(&self.buffers);
        optimizer.begin_step();
        let pass = Backward {
            input: inputs,
            output: outputs,
            grad: delta,
            preactivation,
            grad_input: None,
            batch,
            buffers: &mut self.buffers,
        };
        match optimizer.plain_step() {
            // Plain SGD and no penalty gradient to add or gradient to clip:
            // the layers update as they go (a zero penalty has a zero gradient).
            Some(rate) if penalty == 0.0 && self.clip.is_none() => net.backward_sgd(pass, &mut self.grads, rate),
            _ => {
                net.backward_batch(pass, &mut self.grads);
                if penalty != 0.0 {
                    net.penalty(Some(&mut self.grads));
                }
                if let Some((limit, zero)) = &self.clip {
                    clip(&mut self.grads, zero, *limit);
                }
                let mut slot = 0;
                net.visit_params(&self.grads, &mut |params, grads| {
                    optimizer.update(slot, params, grads);
                    slot += 1;
                });
            }
        }
        Ok(BatchStats { loss_sum, correct, predictions: batch * steps })
    }
}

/// Scale `grads` down to norm `limit` when their norm is above it.
fn clip<N: Layer>(grads: &mut N, zero: &N, limit: f32) {
    let mut squares = 0.0f64;
    grads.params(&mut |g| squares += g.iter().map(|v| f64::from(*v) * f64::from(*v)).sum::<f64>());
    let norm = squares.sqrt();
    if norm > f64::from(limit) {
        let scale = (f64::from(limit) / norm) as f32;
        grads.visit_params(zero, &mut |g, _| g.iter_mut().for_each(|v| *v *= scale));
    }
}

/// How to train: epochs, batch size, shuffling, validation data, reporting.
/// Passed to `Network::fit`.
///
/// ```
/// use nn_core::{act::Sigmoid, data::Dataset, layers::Dense, loss::BinaryCrossentropy, optim::Sgd};
/// use nn_core::train::{fit, Fit};
///
/// // A single layer stands in for a network here; `network!` networks call `net.fit(...)`.
/// let data: Dataset<2, 1> = Dataset::from_rows(&[[0.0, 1.0], [1.0, 0.0]], &[[1.0], [0.0]])?;
/// let mut layer: Dense<2, 1, Sigmoid> = Dense::seeded(1);
/// let options = Fit::new().epochs(20).batch_size(2).quiet();
/// let history = fit(&mut layer, &data, BinaryCrossentropy, Sgd::new(0.5), options)?;
/// assert_eq!(history.epochs.len(), 20);
/// assert!(history.loss()[19] < history.loss()[0]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[must_use = "options do nothing until passed to `fit`"]
pub struct Fit<'a, const I: usize, const O: usize> {
    epochs: usize,
    batch_size: usize,
    shuffle: bool,
    seed: u64,
    verbosity: Verbosity,
    validation: Option<&'a dyn Data<I, O>>,
    on_epoch: Option<EpochCallback<'a>>,
    early_stopping: Option<EarlyStopping>,
    clip_norm: Option<f32>,
}

/// A function called with each epoch's log.
type EpochCallback<'a> = Box<dyn FnMut(&EpochLog) + 'a>;

impl<const I: usize, const O: usize> Default for Fit<'_, I, O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, const I: usize, const O: usize> Fit<'a, I, O> {
    /// Keras' defaults: 1 epoch, batches of 32, shuffled each epoch, a progress bar.
    pub fn new() -> Self {
        Fit {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            verbosity: Verbosity::default(),
            validation: None,
            on_epoch: None,
            early_stopping: None,
            clip_norm: None,
        }
    }

    /// Passes over the whole dataset (default 1).
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Samples per gradient step (default 32). The last batch of an epoch may be smaller.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Whether to visit the samples in a new random order each epoch (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Seed of the shuffling order (default 0); the same seed gives the same run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Data to evaluate on at the end of each epoch.
    pub fn validation(mut self, data: &'a dyn Data<I, O>) -> Self {
        self.validation = Some(data);
        self
    }

    /// How much to report while training.
    pub fn verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = verbosity;
        self
    }

    /// Report nothing while training.
    pub fn quiet(self) -> Self {
        self.verbosity(Verbosity::Quiet)
    }

    /// Stop early when a monitored quantity stops improving (and optionally end
    /// with the best epoch's weights).
    pub fn early_stopping(mut self, rule: EarlyStopping) -> Self {
        self.early_stopping = Some(rule);
        self
    }

    /// Scale each step's gradient down to norm `norm` when it is larger (the
    /// norm over every parameter: PyTorch's `clip_grad_norm_`, Keras'
    /// `global_clipnorm`), as recurrent networks often need.
    pub fn clip_norm(mut self, norm: f32) -> Self {
        self.clip_norm = Some(norm);
        self
    }

    /// Call `callback` with each epoch's log as soon as the epoch ends.
    pub fn on_epoch(mut self, callback: impl FnMut(&EpochLog) + 'a) -> Self {
        self.on_epoch = Some(Box::new(callback));
        self
    }
}

/// Train `net` on `data`, and return the loss and accuracy of every epoch.
///
/// Fails on an empty dataset, a zero batch size, or a loss that stops being
/// finite (the error names the epoch and batch; the parameters are those
/// before the failing step).
pub fn fit<N, D, L, Opt, const I: usize, const O: usize>(
    net: &mut N,
    data: &D,
    loss: L,
    mut optimizer: Opt,
    mut options: Fit<'_, I, O>,
) -> Result<History>
where
    N: Layer + Activated,
    D: Data<I, O> + ?Sized,
    L: Loss<N::Activation>,
    Opt: Optimizer,
{
    let n = data.len();
    if n == 0 {
        return Err(Error::InvalidArgument("cannot train on an empty dataset".into()));
    }
    if options.batch_size == 0 {
        return Err(Error::InvalidArgument("batch size must be at least 1".into()));
    }
    if let Some(rule) = &options.early_stopping {
        if rule.monitor().needs_validation() && options.validation.is_none() {
            return Err(Error::InvalidArgument(format!(
                "early stopping monitors `{}`, which needs validation data",
                rule.monitor().name()
            )));
        }
    }
    let mut stopping = options.early_stopping.map(|rule| (rule, rule.start(), Vec::<f32>::new()));
    let capacity = options.batch_size.min(n);
    if let Some(norm) = options.clip_norm {
        if !(norm > 0.0 && norm.is_finite()) {
            return Err(Error::InvalidArgument(format!("a gradient's clip norm is a positive number; found {norm}")));
        }
    }
    let mut step = TrainStep::<N, I, O>::new(capacity, options.seed ^ 0x9e37_79b9_7f4a_7c15);
    if let Some(norm) = options.clip_norm {
        step = step.clip_norm(norm);
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(options.seed);
    let batches = n.div_ceil(capacity);
    let mut history = History::default();
    for epoch in 1..=options.epochs {
        if options.shuffle {
            order.shuffle(&mut rng);
        }
        let progress = EpochProgress::start(options.verbosity, epoch, options.epochs, batches);
        let (mut loss_sum, mut correct, mut predictions, mut seen) = (0.0f64, 0usize, 0usize, 0usize);
        for (b, indices) in order.chunks(capacity).enumerate() {
            let stats = step.run(net, data, indices, &loss, &mut optimizer).map_err(|e| match e {
                Error::NonFiniteLoss { loss, .. } => Error::NonFiniteLoss { epoch, batch: b + 1, loss },
                other => other,
            })?;
            loss_sum += stats.loss_sum;
            correct += stats.correct;
            predictions += stats.predictions;
            seen += indices.len();
            progress.batch(b + 1, loss_sum / seen as f64, correct as f64 / predictions as f64);
        }
        let validation = match options.validation {
            Some(data) => Some(evaluate(&*net, data, &loss)?),
            None => None,
        };
        let log = EpochLog {
            epoch,
            loss: (loss_sum / n as f64) as f32,
            accuracy: (correct as f64 / predictions as f64) as f32,
            validation,
        };
        progress.finish(&describe(&log));
        if let Some(callback) = options.on_epoch.as_mut() {
            callback(&log);
        }
        history.epochs.push(log);
        if let Some((rule, state, best_weights)) = stopping.as_mut() {
            match state.observe(rule, &log) {
                Verdict::Improved if rule.restores() => {
                    best_weights.clear();
                    net.params(&mut |p| best_weights.extend_from_slice(p));
                    net.visit_state(&mut |s| best_weights.extend_from_slice(s));
                }
                Verdict::Stop => break,
                _ => {}
            }
        }
    }
    if let Some((rule, state, best_weights)) = stopping {
        history.best_epoch = Some(state.best_epoch()).filter(|e| *e > 0);
        if rule.restores() && !best_weights.is_empty() {
            let mut offset = 0;
            let mut restore = |values: &mut [f32]| {
                values.copy_from_slice(&best_weights[offset..offset + values.len()]);
                offset += values.len();
            };
            net.visit_params(&N::zeroed(), &mut |params, _| restore(params));
            net.visit_state(&mut restore);
        }
    }
    Ok(history)
}

/// `loss 0.1234 - accuracy 0.9612 - val_loss ... - val_accuracy ...`
fn describe(log: &EpochLog) -> String {
    let mut text = format!("loss {:.4} - accuracy {:.4}", log.loss, log.accuracy);
    if let Some(v) = log.validation {
        text += &format!(" - val_loss {:.4} - val_accuracy {:.4}", v.loss, v.accuracy);
    }
    text
}

/// Mean loss and accuracy of `net` on `data`. As in Keras, the loss includes the
/// weight penalties of regularised layers.
pub fn evaluate<N, D, L, const I: usize, const O: usize>(net: &N, data: &D, loss: &L) -> Result<Evaluation>
where
    N: Layer + Activated,
    D: Data<I, O> + ?Sized,
    L: Loss<N::Activation>,
{
    let n = data.len();
    if n == 0 {
        return Err(Error::InvalidArgument("cannot evaluate on an empty dataset".into()));
    }
    let (mut loss_sum, mut correct) = (0.0f64, 0usize);
    infer(net, data, |out, y| {
        loss_sum += loss.loss_sum(out, y, N::GROUP);
        correct += metrics::correct(out, y, N::GROUP);
    })?;
    // Per prediction (a step's, or a sample's), then per sample as Keras.
    let predictions = n * (O / N::GROUP);
    let loss = loss_sum / predictions as f64 + net.penalty(None);
    Ok(Evaluation { loss: loss as f32, accuracy: (correct as f64 / predictions as f64) as f32 })
}

/// The [`ClassificationReport`] of `net` on `data`: each prediction's class
/// against its target's (see [`metrics::class_of`]), per class precision,
/// recall, F1 and support, the accuracy and the averages, and for a binary
/// task (one output, or two) the ROC AUC of the output for class 1.
///
/// A network that predicts on every step makes one prediction per step.
/// The classes are named `0`, `1`, ...: name them with
/// [`ClassificationReport::with_names`]. Fails on an empty dataset.
///
/// ```
/// use nn_core::{act::Sigmoid, data::Dataset, layers::Dense, train::classification_report};
///
/// // A single layer stands in for a network; `network!` networks call `net.classification_report(&data)`.
/// let data: Dataset<2, 1> = Dataset::from_rows(&[[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], &[[1.0], [0.0], [1.0]])?;
/// let layer: Dense<2, 1, Sigmoid> = Dense::seeded(1);
/// let report = classification_report(&layer, &data)?;
/// assert_eq!(report.confusion.total(), 3);
/// assert_eq!(report.classes.len(), 2);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn classification_report<N, D, const I: usize, const O: usize>(net: &N, data: &D) -> Result<ClassificationReport>
where
    N: Layer + Activated,
    D: Data<I, O> + ?Sized,
{
    if data.is_empty() {
        return Err(Error::InvalidArgument("cannot report on an empty dataset".into()));
    }
    let width = N::GROUP;
    let mut confusion = ConfusionMatrix::new(if width == 1 { 2 } else { width });
    let binary = width <= 2;
    let (mut scores, mut positive) = (Vec::new(), Vec::new());
    let mut added = Ok(());
    infer(net, data, |out, y| {
        for (p, t) in out.chunks_exact(width).zip(y.chunks_exact(width)) {
            let class = metrics::class_of(t);
            if added.is_ok() {
                added = confusion.add(class, metrics::class_of(p));
            }
            if binary {
                scores.push(p[width - 1]);
                positive.push(class == 1);
            }
        }
    })?;
    added?;
    let mut report = confusion.report();
    report.roc_auc = if binary { metrics::roc_auc(&scores, &positive).ok() } else { None };
    Ok(report)
}

/// Run `net` over every sample of `data` in inference mode, in batches of
/// up to `INFERENCE_BATCH`, handing `visit` each batch's outputs and targets.
fn infer<N, D, const I: usize, const O: usize>(net: &N, data: &D, mut visit: impl FnMut(&[f32], &[f32])) -> Result<()>
where
    N: Layer + Activated,
    D: Data<I, O> + ?Sized,
{
    const { assert!(N::INPUT == I && N::OUTPUT == O, "the network's widths are not the data's") };
    let n = data.len();
    let capacity = INFERENCE_BATCH.min(n);
    let (mut inputs, mut targets, mut outputs) =
        (vec![0.0; I * capacity], vec![0.0; O * capacity], vec![0.0; O * capacity]);
    let mut buffers = N::Buffers::default();
    let order: Vec<usize> = (0..n).collect();
    for indices in order.chunks(capacity.max(1)) {
        let batch = indices.len();
        let (x, y, out) = (&mut inputs[..I * batch], &mut targets[..O * batch], &mut outputs[..O * batch]);
        data.gather(indices, x, y);
        net.check_input(x, batch).map_err(|e| in_data(e, |k| indices[k]))?;
        net.forward_batch(x, out, batch, &mut buffers, &mut Mode::Inference);
        visit(out, y);
    }
    Ok(())
}

/// The outputs of `net` for every column of `inputs`.
///
/// The samples are shared between the threads of the matrix products
/// ([`crate::gemm::threads`]): each thread runs the whole network on its own
/// pieces of the batch (the products inside then run on that thread alone),
/// so the layers' element-wise work runs in parallel too and no thread waits
/// on another between layers. Each sample's output is computed by the same
/// code whichever thread gets it, so the outputs do not depend on the number
/// of threads.
///
/// An error when the inputs are not what the network reads (a token id
/// that is not a whole number in its embedding's vocabulary), naming the
/// column and position.
pub fn predict<N: Layer, const I: usize, const O: usize>(net: &N, inputs: &Batch<I>) -> Result<Batch<O>> {
    const { assert!(N::INPUT == I && N::OUTPUT == O, "the network's widths are not the batch's") };
    let n = inputs.ncols();
    let xs = inputs.as_slice();
    net.check_input(xs, n)?;
    let mut outputs = Batch::<O>::zeros(n);
    crate::parallel::for_each_rows(
        n,
        samples_per_piece::<N>(),
        PREDICT_PIECES_PER_THREAD,
        [(outputs.as_mut_slice(), O)],
        |range, [ys]| {
            let xs = &xs[I * range.start..I * range.end];
            with_thread_buffers::<N, _>(|buffers| {
                let chunk = samples_per_batch::<N>();
                for (x, y) in xs.chunks(I * chunk).zip(ys.chunks_mut(O * chunk)) {
                    net.forward_batch(x, y, y.len() / O.max(1), buffers, &mut Mode::Inference);
                }
            });
        },
    );
    Ok(outputs)
}

/// Run `f` with scratch memory of type `N::Buffers` kept by the calling
/// thread (one per type, growing to what each pass needs): allocated by the
/// first call on the thread, then reused, so that [`predict`]'s pieces and
/// single-sample forward passes neither allocate nor clear fresh memory
/// after the first (the products' worker threads live as long as the
/// process). A call made inside another's on the same thread gets fresh
/// memory.
pub(crate) fn with_thread_buffers<N: Layer, R>(f: impl FnOnce(&mut N::Buffers) -> R) -> R {
    use std::any::{Any, TypeId};
    use std::cell::RefCell;
    thread_local! {
        static BUFFERS: RefCell<Vec<(TypeId, Box<dyn Any>)>> = const { RefCell::new(Vec::new()) };
    }
    BUFFERS.with(|cell| {
        let Ok(mut all) = cell.try_borrow_mut() else {
            return f(&mut N::Buffers::default());
        };
        let index = match all.iter().position(|(id, _)| *id == TypeId::of::<N::Buffers>()) {
            Some(index) => index,
            None => {
                all.push((TypeId::of::<N::Buffers>(), Box::new(N::Buffers::default())));
                all.len() - 1
            }
        };
        match all[index].1.downcast_mut::<N::Buffers>() {
            Some(buffers) => f(buffers),
            None => f(&mut N::Buffers::default()),
        }
    })
}

/// An input error of a batch gathered from `data`, its sample renumbered by
/// `index` (from the batch's to the data's).
fn in_data(error: Error, index: impl Fn(usize) -> usize) -> Error {
    match error {
        Error::InvalidToken { sample, position, value, vocabulary } => {
            Error::InvalidToken { sample: index(sample), position, value, vocabulary }
        }
        other => other,
    }
}

/// Pieces of a prediction's batch per thread: more than one, so that a thread
/// that another process slows down leaves its last pieces to the others.
const PREDICT_PIECES_PER_THREAD: usize = 4;

/// Bytes of a network's widest layer that [`predict`] lets a batch fill:
/// about what a core's second-level cache holds (1 MiB on the project's
/// machine), so that what one layer writes is still there when the next
/// reads it.
const CACHED_BYTES: usize = 1 << 20;

/// Fewest samples in a batch of [`predict`], so that the matrix products
/// keep enough columns to run at their rate.
const MIN_BATCH: usize = 8;

/// Samples in each batch [`predict`] runs through the network: as many as
/// fill [`CACHED_BYTES`] with the widest layer's values, between
/// [`MIN_BATCH`] and `INFERENCE_BATCH` (the MNIST CNN: 12 samples, the
/// RowLstm: 18, the MLP: 334). Batches of 1,024 were slower for the CNN and
/// the LSTM; `docs/performance.md` ("Inference, both networks") has the
/// measurements.
fn samples_per_batch<N: Layer>() -> usize {
    (CACHED_BYTES / (4 * N::WIDEST.max(1))).clamp(MIN_BATCH, INFERENCE_BATCH)
}

/// Fewest samples worth a piece of their own in [`predict`]: as much work (two
/// floating-point operations per parameter per sample) as a matrix product
/// needs before it takes another thread.
fn samples_per_piece<N: Layer>() -> usize {
    crate::gemm::MIN_FLOPS_PER_THREAD.div_ceil(2 * N::PARAMS.max(1))
}

/// Grow `buffer` to `len` values, for generated networks' scratch memory.
#[doc(hidden)]
pub fn scratch(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    ensure_len(buffer, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::act::{Gelu, Swish, Tanh};
    use crate::data::Dataset;
    use crate::layers::Dense;
    use crate::loss::Mse;
    use crate::optim::Optimizer;

    /// Records each slot's gradient and leaves the parameters alone.
    #[derive(Default)]
    struct Record(Vec<Vec<f32>>);

    impl Optimizer for Record {
        fn update(&mut self, _slot: usize, _params: &mut [f32], grads: &[f32]) {
            self.0.push(grads.to_vec());
        }
    }

    /// The gradient a training step hands the optimiser, against finite
    /// differences of the batch's mean loss, for an output layer with activation `A`.
    fn step_gradient_check<A: Activation>() {
        let data = Dataset::from_rows(
            &[[0.5, -1.0, 0.25], [-0.3, 0.8, 1.2], [1.5, 0.1, -0.7]],
            &[[0.2, -0.1], [1.0, 0.3], [-0.4, 0.6]],
        )
        .unwrap();
        let layer: Dense<3, 2, A> = Dense::seeded(7);
        let mut net = layer.clone();
        let mut record = Record::default();
        let mut step = TrainStep::<Dense<3, 2, A>, 3, 2>::new(3, 0);
        step.run(&mut net, &data, &[0, 1, 2], &Mse, &mut record).unwrap();

        let mean_loss = |l: &Dense<3, 2, A>| evaluate(l, &data, &Mse).map(|e| f64::from(e.loss)).unwrap();
        let h = 1e-2f32;
        for (slot, grads) in record.0.iter().enumerate() {
            for (i, analytic) in grads.iter().enumerate() {
                let nudged = |delta: f32| {
                    let mut l = layer.clone();
                    let mut k = 0;
                    l.visit_params(&Dense::zeroed(), &mut |p, _| {
                        if k == slot {
                            p[i] += delta;
                        }
                        k += 1;
                    });
                    mean_loss(&l)
                };
                let numeric = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
                assert!(
                    (numeric - f64::from(*analytic)).abs() <= 1e-2 * (1.0 + numeric.abs()),
                    "{}: slot {slot}[{i}]: numeric {numeric} vs analytic {analytic}",
                    A::NAME
                );
            }
        }
    }

    /// A sigmoid of its one input (weight 1, bias 0) predicts class 1 for
    /// inputs of at least 0: the report's counts and ROC AUC by hand.
    #[test]
    fn the_classification_report_counts_each_prediction() {
        use crate::act::Sigmoid;
        let mut net: Dense<1, 1, Sigmoid> = Dense::zeroed();
        let mut slot = 0;
        net.visit_params(&Dense::zeroed(), &mut |p, _| {
            p.fill(if slot == 0 { 1.0 } else { 0.0 });
            slot += 1;
        });
        let data =
            Dataset::from_rows(&[[-2.0], [-1.0], [1.0], [2.0], [0.5]], &[[0.0], [1.0], [0.0], [1.0], [1.0]]).unwrap();
        let report = classification_report(&net, &data).unwrap();
        let m = &report.confusion;
        assert_eq!([m.count(0, 0), m.count(0, 1), m.count(1, 0), m.count(1, 1)], [1, 1, 1, 2]);
        assert_eq!(
            (report.accuracy, report.classes[1].precision, report.classes[1].recall),
            (0.6, 2.0 / 3.0, 2.0 / 3.0)
        );
        // Ranked by score: -2 (negative), -1, 0.5 (positives), 1 (negative), 2
        // (positive): positives' ranks 2 + 3 + 5 = 10, (10 - 6) / (3 * 2).
        let auc = report.roc_auc.unwrap();
        assert!((auc - 2.0 / 3.0).abs() < 1e-12, "{auc}");
        let empty = Dataset::<1, 1>::from_rows(&[], &[]).unwrap();
        assert!(classification_report(&net, &empty).is_err());
    }

    /// A gradient above the clip norm reaches the optimiser scaled to it, in
    /// its direction; one below, unchanged.
    #[test]
    fn clipping_scales_the_whole_gradient_to_the_norm() {
        let data = Dataset::from_rows(&[[5.0, -4.0, 3.0]], &[[30.0, -20.0]]).unwrap();
        let norms = |clip: Option<f32>| {
            let mut net: Dense<3, 2, Tanh> = Dense::seeded(1);
            let mut step = TrainStep::<Dense<3, 2, Tanh>, 3, 2>::new(1, 0);
            if let Some(norm) = clip {
                step = step.clip_norm(norm);
            }
            let mut record = Record::default();
            step.run(&mut net, &data, &[0], &Mse, &mut record).unwrap();
            record.0.concat()
        };
        let full = norms(None);
        let norm = full.iter().map(|g| f64::from(*g).powi(2)).sum::<f64>().sqrt();
        assert!(norm > 1.0, "the unclipped gradient is large: {norm}");
        let clipped = norms(Some(1.0));
        let clipped_norm = clipped.iter().map(|g| f64::from(*g).powi(2)).sum::<f64>().sqrt();
        assert!((clipped_norm - 1.0).abs() < 1e-5, "{clipped_norm}");
        for (c, f) in clipped.iter().zip(&full) {
            assert!((f64::from(*c) - f64::from(*f) / norm).abs() < 1e-6);
        }
        assert_eq!(norms(Some(2.0 * norm as f32)), full, "a gradient below the norm is left alone");
    }

    #[test]
    fn a_step_differentiates_through_an_output_activation_that_needs_its_input() {
        step_gradient_check::<Tanh>();
        step_gradient_check::<Swish>();
        step_gradient_check::<Gelu>();
    }

    /// A network with a wide layer runs in small batches (32,768 values a
    /// sample: 8 samples fill the cache), and each sample's output is the
    /// one a single pass over the whole batch gives, bit for bit.
    #[test]
    fn predict_runs_wide_networks_in_small_batches_with_the_same_outputs() {
        type Wide = Dense<2, 32_768, Tanh>;
        assert_eq!(samples_per_batch::<Wide>(), 8);
        assert_eq!(samples_per_batch::<Dense<64, 40, Swish>>(), INFERENCE_BATCH);
        let net = Wide::seeded(3);
        let inputs = Batch::<2>::from_fn(21, |i, j| (i as f32 - 0.5) * (j as f32 * 0.3 - 3.0));
        let predicted = predict::<_, 2, 32_768>(&net, &inputs).unwrap();
        let mut whole = vec![0.0; 32_768 * 21];
        net.forward_batch(inputs.as_slice(), &mut whole, 21, &mut Default::default(), &mut Mode::Inference);
        assert!(predicted.as_slice() == &whole[..], "predict's small batches changed an output");
    }

    /// `predict` shares a batch between threads in pieces; every sample's
    /// output is still its own forward pass, bit for bit the same on any
    /// number of threads. (Other tests may hold the worker pool meanwhile;
    /// a prediction then runs on one thread, with the same outputs.)
    #[test]
    fn predict_gives_the_same_outputs_on_any_number_of_threads() {
        let net: Dense<64, 40, Swish> = Dense::seeded(5);
        // 2,600 parameters: pieces of at least 202 samples, so 3,000 make
        // several per thread.
        assert!(samples_per_piece::<Dense<64, 40, Swish>>() * 8 < 3000);
        let inputs = Batch::<64>::from_fn(3000, |i, j| ((i * 31 + j * 7) % 97) as f32 / 97.0 - 0.5);
        let mut results = Vec::new();
        for threads in [1, 2, 3] {
            crate::gemm::set_threads(threads);
            results.push(predict::<_, 64, 40>(&net, &inputs).unwrap());
        }
        crate::gemm::set_threads(0);
        for (threads, result) in [(2, &results[1]), (3, &results[2])] {
            let differing = (0..3000).find(|&j| result.column(j) != results[0].column(j));
            assert_eq!(differing, None, "first sample whose outputs on {threads} threads differ from 1 thread's");
        }
        for j in [0, 201, 202, 1499, 2999] {
            let single = net.forward(&inputs.column(j).into_owned());
            let batched = results[1].column(j);
            let worst = single.iter().zip(batched.iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "sample {j}: batched and single forward differ by {worst}");
        }
    }
}
