//! The tutorials' MLP learns the real MNIST digits: at least 97% test accuracy
//! after 3 epochs from a fixed seed. The data is the copy in `data/mnist/`,
//! verified against its checksums as it loads.

use nn::data::idx::Mnist;
use nn::prelude::*;
use std::path::Path;

network! {
    struct MnistMlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }
}

#[test]
fn reaches_97_percent_on_the_test_set_in_three_epochs() {
    let mnist = Mnist::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let (train, test) = (mnist.train_set().unwrap(), mnist.test_set().unwrap());
    let mut net = MnistMlp::seeded(1);
    let options = Fit::new().epochs(3).batch_size(32).seed(1).quiet();
    let history = net.fit(&train, CategoricalCrossentropy, Adam::new(1e-3), options).unwrap();
    let result = net.evaluate(&test, CategoricalCrossentropy).unwrap();
    println!("epochs: {:?}\ntest: {result:?}", history.epochs);
    assert!(result.accuracy >= 0.97, "test accuracy {} after 3 epochs", result.accuracy);
    assert!(history.loss()[2] < history.loss()[0]);
}

#[test]
fn a_saved_network_reloads_to_the_same_test_accuracy() {
    let mnist = Mnist::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist")).unwrap();
    let (train, test) = (mnist.train_set().unwrap(), mnist.test_set().unwrap());
    let (train, _) = train.split(0.9).unwrap(); // 6,000 images are enough here
    let mut net = MnistMlp::seeded(2);
    net.fit(&train, SparseCategoricalCrossentropy, Adam::new(1e-3), Fit::new().epochs(1).quiet()).unwrap();
    let before = net.evaluate(&test, SparseCategoricalCrossentropy).unwrap();

    let path = std::env::temp_dir().join(format!("nn-mnist-{}.safetensors", std::process::id()));
    net.save(&path).unwrap();
    let reloaded = MnistMlp::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(reloaded.evaluate(&test, SparseCategoricalCrossentropy).unwrap(), before);
    assert!(before.accuracy > 0.85, "one epoch on 6,000 images: {}", before.accuracy);
}
