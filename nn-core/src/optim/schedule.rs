//! Learning-rate schedules: the rate as a function of the optimiser's step count,
//! as Keras' `keras.optimizers.schedules`.
//!
//! Steps count optimiser updates (batches), not epochs, and start at 0: the first
//! update uses `rate(0)`. Every optimiser takes a schedule wherever it takes a
//! constant rate, through [`LearningRate`]:
//!
//! ```
//! use nn_core::optim::{Adam, ExponentialDecay, Sgd};
//!
//! let constant = Sgd::new(0.1);
//! let decaying = Sgd::new(ExponentialDecay::new(0.1, 1000, 0.96)?);
//! let custom = Adam::new(|step: u64| if step < 100 { 1e-3 } else { 1e-4 });
//! # let _ = (constant, decaying, custom);
//! # Ok::<(), nn_core::Error>(())
//! ```

use crate::error::{Error, Result};
use std::fmt;
use std::sync::Arc;

/// A learning rate that changes with training (Keras' `LearningRateSchedule`).
///
/// Closures `Fn(u64) -> f32` are schedules too.
pub trait Schedule {
    /// The learning rate for the update numbered `step`, from 0.
    fn rate(&self, step: u64) -> f32;
}

impl<F: Fn(u64) -> f32> Schedule for F {
    fn rate(&self, step: u64) -> f32 {
        self(step)
    }
}

/// An optimiser's learning rate: a constant or a [`Schedule`].
///
/// Optimisers take `impl Into<LearningRate>`, so a number (`0.01`), any schedule
/// and any closure `Fn(u64) -> f32` can be given where a rate is expected.
#[derive(Clone)]
pub struct LearningRate(Rate);

#[derive(Clone)]
enum Rate {
    Constant(f32),
    Scheduled(Arc<dyn Schedule + Send + Sync>),
}

impl LearningRate {
    /// The same rate at every step.
    pub fn constant(rate: f32) -> Self {
        LearningRate(Rate::Constant(rate))
    }

    /// The rate that `schedule` gives at each step.
    pub fn scheduled(schedule: impl Schedule + Send + Sync + 'static) -> Self {
        LearningRate(Rate::Scheduled(Arc::new(schedule)))
    }

    /// The rate for the update numbered `step`, from 0.
    pub fn at(&self, step: u64) -> f32 {
        match &self.0 {
            Rate::Constant(rate) => *rate,
            Rate::Scheduled(schedule) => schedule.rate(step),
        }
    }
}

impl fmt::Debug for LearningRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Rate::Constant(rate) => write!(f, "{rate}"),
            Rate::Scheduled(schedule) => write!(f, "Schedule(rate(0) = {})", schedule.rate(0)),
        }
    }
}

impl From<f32> for LearningRate {
    fn from(rate: f32) -> Self {
        LearningRate::constant(rate)
    }
}

/// Rates are `f32`; this lets an untyped literal such as `0.01` be a rate.
impl From<f64> for LearningRate {
    fn from(rate: f64) -> Self {
        LearningRate::constant(rate as f32)
    }
}

impl<S: Schedule + Send + Sync + 'static> From<S> for LearningRate {
    fn from(schedule: S) -> Self {
        LearningRate::scheduled(schedule)
    }
}

/// Keras' legacy `decay` argument on top of a rate: `rate / (1 + decay · step)`.
pub(crate) fn legacy_decay(rate: f32, decay: f32, step: u64) -> f32 {
    if decay == 0.0 {
        return rate;
    }
    (f64::from(rate) / (1.0 + f64::from(decay) * step as f64)) as f32
}

/// The number of whole or fractional periods of `decay_steps` in `step`.
fn periods(step: u64, decay_steps: u64, staircase: bool) -> f64 {
    let p = step as f64 / decay_steps as f64;
    if staircase {
        p.floor()
    } else {
        p
    }
}

/// Exponential decay (Keras' `ExponentialDecay`):
/// `rate(step) = initial · decay_rate^(step / decay_steps)`, with the exponent
/// rounded down when `staircase` is set (step decay: a factor every `decay_steps`).
///
/// ```
/// use nn_core::optim::{ExponentialDecay, Schedule};
///
/// // Halve the rate every 10 steps, smoothly or in steps.
/// let smooth = ExponentialDecay::new(0.1, 10, 0.5)?;
/// let steps = smooth.staircase(true);
/// assert_eq!((smooth.rate(0), smooth.rate(10), smooth.rate(20)), (0.1, 0.05, 0.025));
/// assert_eq!((steps.rate(15), steps.rate(19), steps.rate(20)), (0.05, 0.05, 0.025));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialDecay {
    initial_learning_rate: f32,
    decay_steps: u64,
    decay_rate: f32,
    staircase: bool,
}

impl ExponentialDecay {
    /// Start at `initial_learning_rate` and multiply by `decay_rate` every `decay_steps` steps.
    ///
    /// Fails if `decay_steps` is 0.
    pub fn new(initial_learning_rate: f32, decay_steps: u64, decay_rate: f32) -> Result<Self> {
        if decay_steps == 0 {
            return Err(Error::InvalidArgument("ExponentialDecay: decay_steps must be at least 1".into()));
        }
        Ok(ExponentialDecay { initial_learning_rate, decay_steps, decay_rate, staircase: false })
    }

    /// Change the rate only every `decay_steps` steps (Keras' `staircase=True`).
    pub fn staircase(self, staircase: bool) -> Self {
        ExponentialDecay { staircase, ..self }
    }
}

impl Schedule for ExponentialDecay {
    fn rate(&self, step: u64) -> f32 {
        let p = periods(step, self.decay_steps, self.staircase);
        (f64::from(self.initial_learning_rate) * f64::from(self.decay_rate).powf(p)) as f32
    }
}

/// Inverse-time decay (Keras' `InverseTimeDecay`):
/// `rate(step) = initial / (1 + decay_rate · step / decay_steps)`, with
/// `step / decay_steps` rounded down when `staircase` is set.
///
/// With `decay_steps = 1` this is Keras' legacy `decay` argument, which the
/// optimisers also take directly (`Sgd::new(0.01).decay(1e-6)`).
///
/// ```
/// use nn_core::optim::{InverseTimeDecay, Schedule};
///
/// let decay = InverseTimeDecay::new(0.1, 1, 0.5)?;
/// // 0.1 / (1 + 0.5 · 2) = 0.05
/// assert_eq!(decay.rate(2), 0.05);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverseTimeDecay {
    initial_learning_rate: f32,
    decay_steps: u64,
    decay_rate: f32,
    staircase: bool,
}

impl InverseTimeDecay {
    /// Start at `initial_learning_rate`; after `k · decay_steps` steps the rate is
    /// `initial / (1 + decay_rate · k)`.
    ///
    /// Fails if `decay_steps` is 0.
    pub fn new(initial_learning_rate: f32, decay_steps: u64, decay_rate: f32) -> Result<Self> {
        if decay_steps == 0 {
            return Err(Error::InvalidArgument("InverseTimeDecay: decay_steps must be at least 1".into()));
        }
        Ok(InverseTimeDecay { initial_learning_rate, decay_steps, decay_rate, staircase: false })
    }

    /// Change the rate only every `decay_steps` steps (Keras' `staircase=True`).
    pub fn staircase(self, staircase: bool) -> Self {
        InverseTimeDecay { staircase, ..self }
    }
}

impl Schedule for InverseTimeDecay {
    fn rate(&self, step: u64) -> f32 {
        let p = periods(step, self.decay_steps, self.staircase);
        (f64::from(self.initial_learning_rate) / (1.0 + f64::from(self.decay_rate) * p)) as f32
    }
}

/// Piecewise-constant rates (Keras' `PiecewiseConstantDecay`): `values[0]` up to
/// and including step `boundaries[0]`, `values[1]` up to `boundaries[1]`, ...,
/// and the last value after the last boundary.
///
/// ```
/// use nn_core::optim::{PiecewiseConstantDecay, Schedule};
///
/// let schedule = PiecewiseConstantDecay::new([100, 200], [1.0, 0.5, 0.1])?;
/// assert_eq!([0, 100, 101, 200, 201].map(|s| schedule.rate(s)), [1.0, 1.0, 0.5, 0.5, 0.1]);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseConstantDecay {
    boundaries: Vec<u64>,
    values: Vec<f32>,
}

impl PiecewiseConstantDecay {
    /// The schedule that changes to `values[i + 1]` after step `boundaries[i]`.
    ///
    /// Fails unless there is one more value than boundaries and the boundaries
    /// strictly increase.
    pub fn new(boundaries: impl Into<Vec<u64>>, values: impl Into<Vec<f32>>) -> Result<Self> {
        let (boundaries, values) = (boundaries.into(), values.into());
        if values.len() != boundaries.len() + 1 {
            return Err(Error::InvalidArgument(format!(
                "PiecewiseConstantDecay needs one more value than boundaries, got {} boundaries and {} values",
                boundaries.len(),
                values.len()
            )));
        }
        if let Some(pair) = boundaries.windows(2).find(|pair| pair[0] >= pair[1]) {
            return Err(Error::InvalidArgument(format!(
                "PiecewiseConstantDecay needs increasing boundaries, got {} then {}",
                pair[0], pair[1]
            )));
        }
        Ok(PiecewiseConstantDecay { boundaries, values })
    }
}

impl Schedule for PiecewiseConstantDecay {
    fn rate(&self, step: u64) -> f32 {
        self.values[self.boundaries.partition_point(|&b| b < step)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() <= 1e-7 * b.abs().max(1.0)
    }

    #[test]
    fn exponential_decay_follows_its_formula() {
        let s = ExponentialDecay::new(0.1, 10, 0.5).unwrap();
        assert!(ExponentialDecay::new(0.1, 0, 0.5).is_err());
        // 0.1 · 0.5^(5/10) = 0.1 · 0.70710678 = 0.070710678
        assert!(close(s.rate(5), 0.070_710_68));
        // 0.1 · 0.5^(25/10) = 0.1 · 0.17677670 = 0.017677670
        assert!(close(s.rate(25), 0.017_677_67));
        // Staircase: floor(25/10) = 2, 0.1 · 0.25 = 0.025
        assert!(close(s.staircase(true).rate(25), 0.025));
        assert!(close(s.staircase(true).rate(9), 0.1));
    }

    #[test]
    fn inverse_time_decay_follows_its_formula() {
        let s = InverseTimeDecay::new(0.1, 10, 0.5).unwrap();
        assert!(InverseTimeDecay::new(0.1, 0, 0.5).is_err());
        // 0.1 / (1 + 0.5 · 15/10) = 0.1 / 1.75 = 0.057142857
        assert!(close(s.rate(15), 0.057_142_857));
        // Staircase: 0.1 / (1 + 0.5 · 1) = 0.066666667
        assert!(close(s.staircase(true).rate(15), 0.066_666_67));
        assert!(close(s.rate(0), 0.1));
    }

    #[test]
    fn piecewise_constant_decay_checks_its_arguments() {
        let s = PiecewiseConstantDecay::new(vec![5], vec![0.3, 0.2]).unwrap();
        assert_eq!((s.rate(5), s.rate(6), s.rate(u64::MAX)), (0.3, 0.2, 0.2));
        let constant = PiecewiseConstantDecay::new([], [0.7]).unwrap();
        assert_eq!(constant.rate(1_000_000), 0.7);

        let error = PiecewiseConstantDecay::new([1, 2], [0.1, 0.2]).unwrap_err().to_string();
        assert!(error.contains("2 boundaries and 2 values"), "{error}");
        let error = PiecewiseConstantDecay::new([3, 3], [0.1, 0.2, 0.3]).unwrap_err().to_string();
        assert!(error.contains("3 then 3"), "{error}");
    }

    #[test]
    fn a_learning_rate_is_a_number_a_schedule_or_a_closure() {
        let from_literal: LearningRate = 0.25.into();
        let from_f32: LearningRate = 0.5f32.into();
        let from_schedule: LearningRate = ExponentialDecay::new(1.0, 1, 0.5).unwrap().into();
        let from_closure: LearningRate = (|step: u64| 1.0 / (step + 1) as f32).into();
        assert_eq!((from_literal.at(7), from_f32.at(7)), (0.25, 0.5));
        assert_eq!((from_schedule.at(0), from_schedule.at(3)), (1.0, 0.125));
        assert_eq!(from_closure.at(3), 0.25);
        assert_eq!(format!("{from_literal:?}"), "0.25");
    }

    #[test]
    fn legacy_decay_divides_by_one_plus_decay_times_step() {
        assert_eq!(legacy_decay(0.1, 0.0, 1000), 0.1);
        // 0.01 / (1 + 1e-6 · 1e5) = 0.01 / 1.1 = 0.0090909091
        assert!(close(legacy_decay(0.01, 1e-6, 100_000), 0.009_090_909));
    }
}
