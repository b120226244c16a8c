//! Sequence networks through the public API: shapes and parameter counts,
//! token ids checked at run time, gradients of whole networks through time,
//! determinism on any number of threads, and weight files with PyTorch's
//! names for every recurrent layer.

use nn::io::WeightFile;
use nn::layers::Layer;
use nn::prelude::*;

network! {
    /// Each MNIST image read as 28 rows of 28 pixels.
    pub struct RowLstm {
        input: [28, 28],
        lstm(128),
        dense(10, softmax),
    }

    /// A tagger: token ids, a GRU over every step, an LSTM, a verdict.
    pub struct Tagger {
        input: 20,
        embedding(8, 16),
        gru(32, return_sequences = true),
        lstm(32),
        dense(1, sigmoid),
    }

    /// One prediction per step: each token's own id, from a GRU over the sequence.
    pub struct Copier {
        input: 6,
        embedding(4, 8),
        gru(16, return_sequences = true),
        dense(4, softmax),
    }

    /// Every recurrent layer, both directions, a dense layer on every step.
    struct Everything {
        input: [5, 3],
        simple_rnn(3 => 4, relu, return_sequences = true),
        bidirectional(gru(3, return_sequences = true)),
        dense(2, tanh),
        bidirectional(lstm(2)),
        dense(2, softmax),
    }
}

/// Keras' counts: an LSTM or a simple RNN has one bias per gate
/// (`LSTM(128)` on 28 features: 4·128·(28 + 128 + 1) = 80,384, where
/// PyTorch's two biases make 80,896), a GRU two (`reset_after=True`).
#[test]
fn recurrent_layers_have_keras_parameter_counts_and_shapes() {
    let summary = RowLstm::seeded(0).summary();
    let rows: Vec<(&str, &str, usize)> =
        summary.rows.iter().map(|r| (r.layer.as_str(), r.output.as_str(), r.params)).collect();
    assert_eq!(rows, [("lstm", "(128)", 80_384), ("dense (softmax)", "(10)", 1290)]);
    let summary = Tagger::seeded(0).summary();
    let rows: Vec<(&str, &str, usize)> =
        summary.rows.iter().map(|r| (r.layer.as_str(), r.output.as_str(), r.params)).collect();
    assert_eq!(
        rows,
        [
            ("embedding", "(20, 16)", 8 * 16),
            ("gru", "(20, 32)", 3 * 32 * (16 + 32 + 2)),
            ("lstm", "(32)", 4 * 32 * (32 + 32 + 1)),
            ("dense (sigmoid)", "(1)", 33),
        ]
    );
    let outputs: Vec<String> = Everything::seeded(0).summary().rows.into_iter().map(|r| r.output).collect();
    assert_eq!(outputs, ["(5, 4)", "(5, 6)", "(5, 2)", "(4)", "(2)"]);
    assert_eq!(<Everything as Layer>::INPUT, 15);
}

/// A token id that is not a whole number in the vocabulary stops `fit`,
/// `evaluate` and `predict` with an error naming the sample (as the data
/// numbers it) and the position; nothing panics.
#[test]
fn a_bad_token_id_is_an_error_naming_sample_and_position() {
    let mut inputs: Vec<[f32; 20]> = (0..10).map(|s| std::array::from_fn(|t| ((s + t) % 8) as f32)).collect();
    inputs[2][13] = 8.0;
    let targets: Vec<[f32; 1]> = (0..10).map(|s| [(s % 2) as f32]).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = Tagger::seeded(1);
    let before = net.to_bytes();
    let options = Fit::new().batch_size(4).shuffle(false).quiet();
    let error = net.fit(&data, BinaryCrossentropy, Adam::default(), options).unwrap_err();
    assert_eq!(error.to_string(), "sample 2, position 13: token id 8 is not a whole number in 0..8");
    assert!(net.to_bytes() == before, "the first batch held the bad id: training stopped before the weights changed");
    // Shuffled, the sample keeps its number in the data.
    let error =
        net.fit(&data, BinaryCrossentropy, Adam::default(), Fit::new().batch_size(4).seed(3).quiet()).unwrap_err();
    assert!(matches!(error, nn::Error::InvalidToken { sample: 2, position: 13, .. }), "{error}");
    let error = net.evaluate(&data, BinaryCrossentropy).unwrap_err();
    assert!(matches!(error, nn::Error::InvalidToken { sample: 2, position: 13, .. }), "{error}");
    let mut batch = Batch::<20>::from_element(3, 1.0);
    batch[(4, 2)] = 0.5;
    let error = net.predict(&batch).unwrap_err();
    assert!(matches!(error, nn::Error::InvalidToken { sample: 2, position: 4, .. }), "{error}");
    // The single-sample forward pass marks the output instead.
    assert!(net.forward([-1.0; 20])[0].is_nan());
}

/// Every gradient of a whole network of every recurrent layer, through
/// `Network::backward`, against finite differences of its outputs.
#[test]
fn a_whole_sequence_network_differentiates_like_finite_differences() {
    let net = Everything::seeded(3);
    let inputs = Batch::<15>::from_fn(3, |i, j| ((i * 7 + j * 5) % 11) as f32 / 5.0 - 1.0);
    let weights: Vec<f32> = (0..6).map(|i| (i as f32 * 0.9).sin()).collect();
    let loss = |net: &Everything, inputs: &Batch<15>| -> f64 {
        net.predict(inputs).unwrap().iter().zip(&weights).map(|(o, w)| f64::from(*o) * f64::from(*w)).sum()
    };
    let (grads, input_grad) = net.backward(&inputs, &Batch::<2>::from_column_slice(&weights)).unwrap();
    let mut analytic = Vec::new();
    grads.params(&mut |g| analytic.extend_from_slice(g));
    let h = 1e-2f32;
    for index in 0..analytic.len() {
        let nudged = |delta: f32| {
            let mut copy = Everything::from_bytes(&net.to_bytes()).unwrap();
            let mut at = 0;
            copy.visit_params(&Everything::zeroed(), &mut |p, _| {
                if (at..at + p.len()).contains(&index) {
                    p[index - at] += delta;
                }
                at += p.len();
            });
            loss(&copy, &inputs)
        };
        let numeric = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
        let got = f64::from(analytic[index]);
        assert!((numeric - got).abs() <= 3e-3 * (1.0 + numeric.abs()), "parameter {index}: {numeric} vs {got}");
    }
    for (i, analytic) in input_grad.iter().enumerate() {
        let (mut plus, mut minus) = (inputs.clone(), inputs.clone());
        plus.as_mut_slice()[i] += h;
        minus.as_mut_slice()[i] -= h;
        let numeric = (loss(&net, &plus) - loss(&net, &minus)) / (2.0 * f64::from(h));
        assert!((numeric - f64::from(*analytic)).abs() <= 3e-3 * (1.0 + numeric.abs()), "input {i}");
    }
}

/// The same weights, bit for bit, on one, two or three threads.
#[test]
fn sequence_training_gives_the_same_weights_on_any_number_of_threads() {
    let inputs: Vec<[f32; 20]> = (0..64).map(|s| std::array::from_fn(|t| ((s * 3 + t * 5) % 8) as f32)).collect();
    let targets: Vec<[f32; 1]> = inputs.iter().map(|x| [f32::from(u8::from(x[0] > x[19]))]).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let run = |threads: usize| {
        nn::gemm::set_threads(threads);
        let mut net = Tagger::seeded(2);
        net.fit(&data, BinaryCrossentropy, Adam::default(), Fit::new().epochs(2).batch_size(32).seed(1).quiet())
            .unwrap();
        let mut bits: Vec<u32> = Vec::new();
        net.params(&mut |p| bits.extend(p.iter().map(|v| v.to_bits())));
        bits
    };
    let one = run(1);
    for threads in [2, 3] {
        let differing = run(threads).iter().zip(&one).position(|(a, b)| a != b);
        assert_eq!(differing, None, "first parameter that differs on {threads} threads");
    }
    nn::gemm::set_threads(0);
}

/// PyTorch's names: an embedding is `nn.Embedding`, each recurrent layer two
/// modules (the `nn.LSTM` and the module that takes its last step or every
/// step), a bidirectional one's backward direction `_reverse`.
#[test]
fn recurrent_layers_save_pytorch_names_and_load_back() {
    let net = Tagger::seeded(4);
    let bytes = net.to_bytes();
    let file = WeightFile::parse(&bytes, "tagger").unwrap();
    let names: Vec<(&str, Vec<usize>)> = file.tensors().iter().map(|t| (t.name(), t.shape().to_vec())).collect();
    assert_eq!(
        names,
        [
            ("0.weight", vec![8, 16]),
            ("1.weight_ih_l0", vec![96, 16]),
            ("1.weight_hh_l0", vec![96, 32]),
            ("1.bias_ih_l0", vec![96]),
            ("1.bias_hh_l0", vec![96]),
            ("3.weight_ih_l0", vec![128, 32]),
            ("3.weight_hh_l0", vec![128, 32]),
            ("3.bias_ih_l0", vec![128]),
            ("3.bias_hh_l0", vec![128]),
            ("5.weight", vec![1, 32]),
            ("5.bias", vec![1]),
        ]
    );
    let ids = Batch::<20>::from_fn(4, |i, j| ((i + 3 * j) % 8) as f32);
    assert_eq!(Tagger::from_bytes(&bytes).unwrap().predict(&ids).unwrap(), net.predict(&ids).unwrap());
    let names: Vec<String> = Everything::seeded(0).summary().rows.iter().map(|r| r.layer.clone()).collect();
    assert_eq!(
        names,
        ["simple_rnn (relu)", "bidirectional (gru)", "dense (tanh)", "bidirectional (lstm)", "dense (softmax)"]
    );
    let file_bytes = Everything::seeded(0).to_bytes();
    let file = WeightFile::parse(&file_bytes, "everything").unwrap();
    assert!(file.tensor("2.weight_hh_l0_reverse").is_some() && file.tensor("4.weight").is_some());
    assert!(file.tensor("6.bias_ih_l0_reverse").is_some() && file.tensor("8.bias").is_some());
}

network! {
    /// The adding problem (examples/adding.rs) on sequences of 20 steps.
    struct Adder {
        input: [20, 2],
        lstm(16),
        dense(1),
    }
}

/// The example's task from a fixed seed: the sum of the two marked numbers of
/// a sequence, which always answering 1 gets wrong by 0.167 (squared) on
/// average; the LSTM carries the numbers to the end and adds them.
#[test]
fn an_lstm_learns_the_adding_problem() {
    use nn::rand::{Rng, SeedableRng};
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(7);
    let mut sequences = |count: usize| {
        let mut inputs = Vec::new();
        let mut targets = Vec::new();
        for _ in 0..count {
            let mut steps: [f32; 40] = std::array::from_fn(|i| if i % 2 == 0 { rng.random() } else { 0.0 });
            let first = rng.random_range(0..5);
            let second = rng.random_range(5..10);
            steps[2 * first + 1] = 1.0;
            steps[2 * second + 1] = 1.0;
            targets.push([steps[2 * first] + steps[2 * second]]);
            inputs.push(steps);
        }
        Dataset::from_rows(&inputs, &targets).unwrap()
    };
    let (train, test) = (sequences(3000), sequences(500));
    let mut net = Adder::seeded(1);
    let options = Fit::new().epochs(12).batch_size(32).seed(2).clip_norm(1.0).quiet();
    net.fit(&train, Mse, Adam::new(3e-3), options).unwrap();
    let error = net.evaluate(&test, Mse).unwrap().loss;
    assert!(error < 0.01, "test error {error} (always answering 1: about 0.167)");
}

/// `count` sequences of 6 random tokens in `0..4`, each step's target the
/// one-hot of its own token.
fn copy_task(count: usize, seed: u64) -> Dataset<6, 24> {
    use nn::rand::{Rng, SeedableRng};
    let mut rng = nn::rand::rngs::StdRng::seed_from_u64(seed);
    let inputs: Vec<[f32; 6]> = (0..count).map(|_| std::array::from_fn(|_| rng.random_range(0..4) as f32)).collect();
    let targets: Vec<[f32; 24]> = inputs
        .iter()
        .map(|tokens| std::array::from_fn(|k| if tokens[k / 4] as usize == k % 4 { 1.0 } else { 0.0 }))
        .collect();
    Dataset::from_rows(&inputs, &targets).unwrap()
}

/// A network with a softmax on every step makes one prediction per step, as
/// Keras does with a `Dense` on a sequence: `evaluate`'s accuracy is the
/// fraction of steps whose largest output is the target's, and its loss the
/// cross-entropy averaged over the steps, not summed.
#[test]
fn a_prediction_per_step_is_scored_step_by_step() {
    let data = copy_task(50, 3);
    let net = Copier::seeded(4);
    let outputs = net.predict(data.inputs()).unwrap();
    let (mut right, mut loss) = (0usize, 0.0f64);
    for (output, target) in outputs.column_iter().zip(data.targets().column_iter()) {
        for (p, y) in output.as_slice().chunks_exact(4).zip(target.as_slice().chunks_exact(4)) {
            right += usize::from(nn::metrics::argmax(p) == nn::metrics::argmax(y));
            loss -= (0..4).map(|k| f64::from(y[k]) * f64::from(p[k]).ln()).sum::<f64>();
        }
    }
    let evaluation = net.evaluate(&data, CategoricalCrossentropy).unwrap();
    assert!((f64::from(evaluation.accuracy) - right as f64 / 300.0).abs() < 1e-6, "{evaluation:?}, {right} of 300");
    assert!((f64::from(evaluation.loss) - loss / 300.0).abs() < 1e-5, "{evaluation:?}, {}", loss / 300.0);
    // Untrained, a step is right about one time in four; summed over 6 steps
    // the loss would be about 6 ln 4.
    assert!(evaluation.loss < 2.0 * 4f32.ln(), "{evaluation:?}");
}

/// Trained on the copy task, the per-step tagger gets nearly every step
/// right, and the history's accuracy is per step too.
#[test]
fn a_per_step_tagger_learns_to_copy_its_tokens() {
    let (train, test) = (copy_task(1000, 5), copy_task(200, 6));
    let mut net = Copier::seeded(7);
    let options = Fit::new().epochs(10).batch_size(32).seed(8).quiet();
    let history = net.fit(&train, CategoricalCrossentropy, Adam::new(1e-2), options).unwrap();
    let evaluation = net.evaluate(&test, CategoricalCrossentropy).unwrap();
    assert!(evaluation.accuracy > 0.98, "{evaluation:?}");
    assert!(history.accuracy()[9] > 0.98 && history.loss()[9] < 0.1, "{:?} {:?}", history.accuracy(), history.loss());
}

/// A network's widest layer, by which `predict` sizes its batches, is the
/// widest of its layers' values per sample: the RowLstm's gates of every
/// step (28 steps of 4 · 128), the Tagger's LSTM's (20 steps of 4 · 32,
/// more than its GRU's 3 · 32).
#[test]
fn a_network_is_as_wide_as_its_widest_layer() {
    assert_eq!(<RowLstm as Layer>::WIDEST, 28 * 4 * 128);
    assert_eq!(<Tagger as Layer>::WIDEST, 20 * 4 * 32);
}
