//! Per-layer options of `network!`: initialisers, L1/L2 penalties and dropout.

use nn::prelude::*;

network! {
    struct Regularized {
        input: 6,
        dense(8, relu, init = he_normal, l2 = 1e-2),
        dropout(0.5),
        dense(1, sigmoid, l1 = 1e-3),
    }

    struct ZeroStart {
        input: 100,
        dense(300, tanh, init = zeros),
        dense(2, softmax, init = glorot_normal),
    }

    struct Plain {
        input: 6,
        dense(8, relu),
        dense(1, sigmoid),
    }
}

fn data() -> Dataset<6, 1> {
    let inputs: Vec<[f32; 6]> = (0..64).map(|i| std::array::from_fn(|j| ((i * 6 + j) as f32 * 0.37).sin())).collect();
    let targets: Vec<[f32; 1]> = inputs.iter().map(|x| [f32::from(u8::from(x[0] + x[1] > 0.0))]).collect();
    Dataset::from_rows(&inputs, &targets).unwrap()
}

#[test]
fn options_reach_the_layers() {
    let net = Regularized::seeded(1);
    assert_eq!(net.layer0.regularizer, nn::layers::Regularizer { l1: 0.0, l2: 1e-2 });
    assert_eq!(net.layer2.regularizer, nn::layers::Regularizer { l1: 1e-3, l2: 0.0 });
    let zero = ZeroStart::seeded(1);
    assert!(zero.layer0.weight.as_flattened().iter().all(|w| *w == 0.0), "init = zeros");
    assert!(zero.layer1.weight.as_flattened().iter().any(|w| *w != 0.0));
    // He normal is not the He uniform that relu gets by default.
    assert_ne!(Regularized::seeded(1).layer0.weight, Plain::seeded(1).layer0.weight);
}

#[test]
fn dropout_keeps_its_pytorch_index_and_has_no_parameters() {
    let mut names = Vec::new();
    Regularized::seeded(0).tensors("", &mut |t| names.push(t.name));
    // Sequential(Linear, ReLU, Dropout, Linear, Sigmoid)
    assert_eq!(names, ["0.weight", "0.bias", "3.weight", "3.bias"]);
    assert_eq!(Regularized::PARAMS, 6 * 8 + 8 + 8 + 1);
    let rows: Vec<String> = Regularized::seeded(0).summary().rows.into_iter().map(|r| r.layer).collect();
    assert_eq!(rows, ["dense (relu)", "dropout (0.5)", "dense (sigmoid)"]);
}

#[test]
fn the_penalty_is_part_of_the_evaluated_loss() {
    let net = Regularized::seeded(2);
    let with_penalty = net.evaluate(&data(), BinaryCrossentropy).unwrap().loss;
    let penalty = net.penalty(None);
    let by_hand: f64 = 1e-2 * net.layer0.weight.as_flattened().iter().map(|w| f64::from(*w).powi(2)).sum::<f64>()
        + 1e-3 * net.layer2.weight.as_flattened().iter().map(|w| f64::from(w.abs())).sum::<f64>();
    assert!((penalty - by_hand).abs() < 1e-6 * by_hand);
    let mut unregularized = Regularized::seeded(2);
    unregularized.layer0.regularizer = Default::default();
    unregularized.layer2.regularizer = Default::default();
    let without = unregularized.evaluate(&data(), BinaryCrossentropy).unwrap().loss;
    assert!(((with_penalty - without) as f64 - penalty).abs() < 1e-5, "{with_penalty} - {without} vs {penalty}");
}

#[test]
fn l2_training_keeps_weights_smaller() {
    let options = || Fit::new().epochs(60).batch_size(16).seed(3).quiet();
    let mut regularized = Regularized::seeded(3);
    regularized.fit(&data(), BinaryCrossentropy, Sgd::new(0.5), options()).unwrap();
    let mut plain = Regularized::seeded(3);
    plain.layer0.regularizer = Default::default();
    plain.layer2.regularizer = Default::default();
    plain.fit(&data(), BinaryCrossentropy, Sgd::new(0.5), options()).unwrap();
    let norm = |net: &Regularized| net.layer0.weight.as_flattened().iter().map(|w| w * w).sum::<f32>();
    assert!(norm(&regularized) < 0.8 * norm(&plain), "{} vs {}", norm(&regularized), norm(&plain));
}

#[test]
fn dropout_is_active_in_training_only_and_reproducible() {
    let net = Regularized::seeded(4);
    let inputs = data().inputs().clone();
    assert_eq!(net.predict(&inputs).unwrap(), net.predict(&inputs).unwrap(), "prediction is deterministic");
    let train = |seed: u64| {
        let mut net = Regularized::seeded(4);
        let history =
            net.fit(&data(), BinaryCrossentropy, Sgd::new(0.1), Fit::new().epochs(3).seed(seed).quiet()).unwrap();
        (net.predict(&inputs).unwrap(), history)
    };
    assert_eq!(train(9), train(9), "the same seed gives the same dropout masks");
    assert_ne!(train(9).0, train(10).0);
    // With dropout, the training loss differs from the loss of the same weights in evaluation.
    let mut net = Regularized::seeded(4);
    let history = net.fit(&data(), BinaryCrossentropy, Sgd::new(0.0), Fit::new().epochs(1).quiet()).unwrap();
    let evaluated = net.evaluate(&data(), BinaryCrossentropy).unwrap().loss;
    assert_ne!(history.loss()[0], evaluated, "dropout was active while training");
}

/// A network read from a file keeps the options of its declaration: the
/// file holds the weights, the type holds the rest.
#[test]
fn a_network_loaded_from_a_file_keeps_its_options() {
    network! {
        struct Options {
            input: [1, 6, 6],
            conv2d(2, 3, relu, l2 = 1e-2),
            batch_norm(momentum = 0.9, epsilon = 1e-4),
            flatten,
            dense(1, sigmoid, l1 = 1e-3),
        }
    }
    let loaded = Options::from_bytes(&Options::seeded(3).to_bytes()).unwrap();
    assert_eq!(loaded.layer0.regularizer, nn::layers::Regularizer { l1: 0.0, l2: 1e-2 });
    assert_eq!((loaded.layer1.momentum, loaded.layer1.epsilon), (0.9, 1e-4));
    assert_eq!(loaded.layer3.regularizer, nn::layers::Regularizer { l1: 1e-3, l2: 0.0 });
    assert_eq!(loaded.penalty(None), Options::seeded(3).penalty(None));
}
