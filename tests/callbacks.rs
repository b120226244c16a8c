//! Early stopping ends training when the monitored quantity stops improving, and
//! can hand back the best epoch's weights.

use nn::prelude::*;

network! {
    struct Net {
        input: 2,
        dense(8, tanh),
        dense(1, sigmoid),
    }
}

fn sets() -> (Dataset<2, 1>, Dataset<2, 1>) {
    let inputs: Vec<[f32; 2]> = (0..40).map(|i| [(i as f32 * 0.7).sin(), (i as f32 * 1.3).cos()]).collect();
    let label = |x: &[f32; 2]| f32::from(u8::from(x[0] > x[1]));
    let train: Vec<[f32; 1]> = inputs.iter().map(|x| [label(x)]).collect();
    // Validation says the opposite, so every step of learning makes it worse.
    let flipped: Vec<[f32; 1]> = inputs.iter().map(|x| [1.0 - label(x)]).collect();
    (Dataset::from_rows(&inputs, &train).unwrap(), Dataset::from_rows(&inputs, &flipped).unwrap())
}

#[test]
fn stops_after_patience_and_restores_the_best_weights() {
    let (train, validation) = sets();
    let mut net = Net::seeded(1);
    let stop = EarlyStopping::new(Monitor::ValLoss).patience(2).restore_best_weights(true);
    let options = Fit::new().epochs(50).batch_size(8).validation(&validation).early_stopping(stop).quiet();
    let history = net.fit(&train, BinaryCrossentropy, Sgd::new(0.5), options).unwrap();
    assert_eq!(history.best_epoch, Some(1));
    assert_eq!(history.epochs.len(), 4, "best epoch 1, then 2 epochs of patience, then the stop");
    let best = history.epochs[0].validation.unwrap();
    let now = net.evaluate(&validation, BinaryCrossentropy).unwrap();
    assert_eq!(now, best, "the weights are those of epoch 1");
}

#[test]
fn without_restoring_the_last_weights_stay() {
    let (train, validation) = sets();
    let mut net = Net::seeded(1);
    let stop = EarlyStopping::new(Monitor::ValLoss).patience(1);
    let options = Fit::new().epochs(50).batch_size(8).validation(&validation).early_stopping(stop).quiet();
    let history = net.fit(&train, BinaryCrossentropy, Sgd::new(0.5), options).unwrap();
    assert_eq!(history.epochs.len(), 3);
    let last = history.epochs[2].validation.unwrap();
    assert_eq!(net.evaluate(&validation, BinaryCrossentropy).unwrap(), last);
}

#[test]
fn monitoring_validation_without_validation_data_is_an_error() {
    let (train, _) = sets();
    let mut net = Net::seeded(1);
    let options = Fit::new().early_stopping(EarlyStopping::new(Monitor::ValAccuracy)).quiet();
    let error = net.fit(&train, BinaryCrossentropy, Sgd::new(0.5), options).unwrap_err();
    assert_eq!(error.to_string(), "early stopping monitors `val_accuracy`, which needs validation data");
}
