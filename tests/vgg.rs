//! A VGG-style network (VGG-16's 13 convolutions in five blocks, five
//! poolings and three dense layers, on 32x32 colour images) declared with
//! `network!`: it builds in seconds, as every shape is a number the macro
//! wrote (docs/performance.md gives the time it adds to the release build
//! of the tests), and it trains.

use nn::prelude::*;

network! {
    /// VGG-16 on CIFAR-sized images.
    pub struct Vgg16 {
        input: [3, 32, 32],
        conv2d(64, 3, relu, padding = same),
        conv2d(64, 3, relu, padding = same),
        maxpool2d(2),
        conv2d(128, 3, relu, padding = same),
        conv2d(128, 3, relu, padding = same),
        maxpool2d(2),
        conv2d(256, 3, relu, padding = same),
        conv2d(256, 3, relu, padding = same),
        conv2d(256, 3, relu, padding = same),
        maxpool2d(2),
        conv2d(512, 3, relu, padding = same),
        conv2d(512, 3, relu, padding = same),
        conv2d(512, 3, relu, padding = same),
        maxpool2d(2),
        conv2d(512, 3, relu, padding = same),
        conv2d(512, 3, relu, padding = same),
        conv2d(512, 3, relu, padding = same),
        maxpool2d(2),
        flatten,
        dense(512, relu),
        dense(512, relu),
        dense(10, softmax),
    }
}

#[test]
fn vgg16_has_its_shapes_and_parameters() {
    let net = Vgg16::seeded(0);
    let summary = net.summary();
    let shapes: Vec<&str> = summary.rows.iter().map(|r| r.output.as_str()).collect();
    assert_eq!(shapes[..3], ["(64, 32, 32)", "(64, 32, 32)", "(64, 16, 16)"]);
    assert_eq!(shapes[15..], ["(512, 2, 2)", "(512, 2, 2)", "(512, 1, 1)", "(512)", "(512)", "(512)", "(10)"]);
    // Each 3x3 convolution has (C · 9 + 1) · F parameters.
    let channels = [3, 64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
    let convolutions: usize = channels.windows(2).map(|c| (c[0] * 9 + 1) * c[1]).sum();
    let dense = (512 + 1) * 512 * 2 + (512 + 1) * 10;
    assert_eq!(Vgg16::PARAMS, convolutions + dense);
    assert_eq!(summary.total_params(), 15_245_130);
}

#[test]
fn vgg16_takes_a_training_step() {
    let inputs: Vec<[f32; 3072]> =
        (0..4).map(|s| std::array::from_fn(|i| ((s * 3072 + i * 13) % 29) as f32 / 29.0)).collect();
    let targets: Vec<[f32; 10]> = (0..4).map(|s| std::array::from_fn(|i| f32::from(u8::from(i == s)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = Vgg16::seeded(1);
    let before = net.evaluate(&data, CategoricalCrossentropy).unwrap().loss;
    let options = Fit::new().epochs(3).batch_size(4).quiet();
    net.fit(&data, CategoricalCrossentropy, Adam::new(1e-4), options).unwrap();
    let after = net.evaluate(&data, CategoricalCrossentropy).unwrap().loss;
    assert!(after < before, "three steps on four samples lower their loss: {before} -> {after}");
}
