//! ResNet-18 (torchvision's `resnet18`: a 7x7 stem, four stages of two basic
//! blocks at 64, 128, 256 and 512 channels, each stage after the first
//! halving the image with a strided block and a 1x1 projection, global
//! average pooling, 1,000 classes) declared with `network!` blocks: it has
//! torchvision's 11,689,512 parameters, builds in seconds (every shape is a
//! number the macro wrote; docs/performance.md gives the time it adds to the
//! release build of the tests), and it trains. On 64x64 images, to keep the
//! step short; the parameters do not depend on the image's size.

use nn::prelude::*;

network! {
    /// ResNet-18.
    pub struct ResNet18 {
        input: [3, 64, 64],
        conv2d(64, 7, stride = 2, padding = same, use_bias = false), batch_norm, relu,
        maxpool2d(3, stride = 2, padding = same),
        repeat(2) {
            residual { conv2d(64, 3, padding = same, use_bias = false), batch_norm, relu,
                       conv2d(64, 3, padding = same, use_bias = false), batch_norm },
            relu,
        },
        add { [conv2d(128, 3, stride = 2, padding = same, use_bias = false), batch_norm, relu,
               conv2d(128, 3, padding = same, use_bias = false), batch_norm],
              [conv2d(128, 1, stride = 2, use_bias = false), batch_norm] },
        relu,
        residual { conv2d(128, 3, padding = same, use_bias = false), batch_norm, relu,
                   conv2d(128, 3, padding = same, use_bias = false), batch_norm },
        relu,
        add { [conv2d(256, 3, stride = 2, padding = same, use_bias = false), batch_norm, relu,
               conv2d(256, 3, padding = same, use_bias = false), batch_norm],
              [conv2d(256, 1, stride = 2, use_bias = false), batch_norm] },
        relu,
        residual { conv2d(256, 3, padding = same, use_bias = false), batch_norm, relu,
                   conv2d(256, 3, padding = same, use_bias = false), batch_norm },
        relu,
        add { [conv2d(512, 3, stride = 2, padding = same, use_bias = false), batch_norm, relu,
               conv2d(512, 3, padding = same, use_bias = false), batch_norm],
              [conv2d(512, 1, stride = 2, use_bias = false), batch_norm] },
        relu,
        residual { conv2d(512, 3, padding = same, use_bias = false), batch_norm, relu,
                   conv2d(512, 3, padding = same, use_bias = false), batch_norm },
        relu,
        global_avgpool2d,
        dense(1000, softmax),
    }
}

/// torchvision's parameter count, and the stages' shapes.
#[test]
fn resnet18_has_torchvisions_parameters() {
    assert_eq!(ResNet18::PARAMS, 11_689_512);
    let summary = ResNet18::seeded(0).summary();
    let top: Vec<&str> = summary.rows.iter().filter(|r| r.depth == 0).map(|r| r.output.as_str()).collect();
    assert_eq!(top[..4], ["(64, 32, 32)", "(64, 32, 32)", "(64, 32, 32)", "(64, 16, 16)"]);
    assert!(top.contains(&"(512, 2, 2)"), "{top:?}");
}

#[test]
fn resnet18_takes_training_steps() {
    let inputs: Vec<[f32; 3 * 64 * 64]> =
        (0..4).map(|s| std::array::from_fn(|i| ((s * 3 * 4096 + i * 13) % 29) as f32 / 29.0)).collect();
    let targets: Vec<[f32; 1000]> = (0..4).map(|s| std::array::from_fn(|i| f32::from(u8::from(i == s)))).collect();
    let data = Dataset::from_rows(&inputs, &targets).unwrap();
    let mut net = ResNet18::seeded(1);
    let options = Fit::new().epochs(3).batch_size(4).quiet();
    let history = net.fit(&data, CategoricalCrossentropy, Adam::new(1e-3), options).unwrap();
    let losses: Vec<f32> = history.epochs.iter().map(|e| e.loss).collect();
    assert!(losses[2] < losses[0], "three steps on four samples lower their loss: {losses:?}");
}
