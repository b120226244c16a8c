//! Views: every network `network!` declares runs from its weight bytes where
//! they lie (`Name::view`) and gives exactly what its ordinary `forward`
//! gives, bit for bit (each layer kind's one-sample pass is one function,
//! which both run), for every layer kind, activation and option and for
//! every example's network; the MNIST CNN of the `no_std`
//! crate in `embedded/mnist` classifies its embedded digits as `predict`
//! does; and weights that do not fit are errors naming the tensor.

use nn::io::{serialize, WeightFile};
use nn::layers::{Layer, Tensor, Values};
use nn::prelude::*;
use nn::view::{Error, Format, Weights};

network! {
    /// The tutorials' MLP.
    pub struct Mlp {
        input: 784,
        dense(128, relu),
        dense(10, softmax),
    }

    /// Every activation a layer takes, one dense layer each.
    pub struct Activations {
        input: 12,
        dense(11, sigmoid),
        dense(10, tanh),
        dense(9, relu),
        dense(8, leaky_relu(0.1)),
        dense(7, elu),
        dense(6, gelu),
        dense(5, softplus),
        dense(4, swish),
        dense(3, linear),
        dense(3, softmax),
    }

    /// The keras-io MNIST CNN, as `examples/mnist_cnn.rs` and `embedded/mnist` declare it.
    pub struct MnistCnn {
        input: [1, 28, 28],
        conv2d(32, 3, relu),
        maxpool2d(2),
        conv2d(64, 3, relu),
        maxpool2d(2),
        flatten,
        dropout(0.5),
        dense(10, softmax),
    }

    /// Every image layer and option: strides, same padding, uneven kernels
    /// and windows, batch norm per channel and per feature, both poolings
    /// valid and same, global pooling, dropout on an image.
    pub struct Images {
        input: [3, 17, 15],
        conv2d(8, 3, relu, padding = same),
        batch_norm,
        maxpool2d(2, padding = same),
        conv2d(8 => 6, (3, 5), tanh, stride = 2, padding = same),
        avgpool2d(3, stride = 1, padding = same),
        conv2d(5, (2, 3), elu, stride = (2, 1)),
        maxpool2d((2, 1), stride = 1),
        dropout(0.3),
        global_avgpool2d,
        batch_norm(epsilon = 0.01),
        dense(4, softmax),
    }

    /// Every activation as a layer of its own, on an image and on a vector.
    pub struct ActivationLayers {
        input: [2, 5, 5],
        conv2d(3, 3),
        relu,
        elu(0.5),
        gelu,
        flatten,
        dense(12),
        sigmoid,
        tanh,
        leaky_relu(0.1),
        softplus,
        swish,
        linear,
        dense(4),
        softmax,
    }

    /// Activation layers on a sequence: a softmax on each step.
    pub struct StepActivations {
        input: [3, 4],
        gelu,
        softmax,
    }

    /// `use_bias = false` on a convolution before batch norm, on one pooled
    /// with its max pooling, and on a dense layer.
    pub struct Unbiased {
        input: [2, 6, 6],
        conv2d(4, 3, use_bias = false),
        batch_norm,
        relu,
        conv2d(4, 3, relu, padding = same, use_bias = false),
        maxpool2d(2),
        flatten,
        dense(5, tanh, use_bias = false),
        dense(2, softmax),
    }

    /// `reshape`: a vector read as an image, convolved, and read as a vector again.
    pub struct VectorToImage {
        input: 3,
        dense(12, tanh),
        reshape([3, 2, 2]),
        conv2d(2, 2, tanh, padding = same),
        reshape([8]),
        dense(2),
    }

    /// Layer norm on each step of a sequence, then on a vector with Keras' epsilon.
    pub struct Normed {
        input: [3, 4],
        layer_norm,
        flatten,
        dense(6),
        layer_norm(epsilon = 1e-3),
        relu,
        dense(2, softmax),
    }

    /// Valid average pooling of a strided convolution, flattened.
    pub struct Flattened {
        input: [2, 9, 9],
        conv2d(4, 2, swish, stride = 2),
        avgpool2d(2),
        flatten,
        dense(3, sigmoid),
    }

    /// Each MNIST image read as 28 rows of 28 pixels.
    pub struct RowLstm {
        input: [28, 28],
        lstm(32),
        dense(10, softmax),
    }

    /// Token ids, a GRU over every step, a bidirectional LSTM, a verdict.
    pub struct Tagger {
        input: 20,
        embedding(8, 16),
        gru(12, return_sequences = true),
        bidirectional(lstm(6)),
        dense(1, sigmoid),
    }

    /// Every recurrent layer, both directions, a dense layer on every step.
    pub struct Everything {
        input: [5, 3],
        simple_rnn(3 => 4, relu, return_sequences = true),
        bidirectional(gru(3, return_sequences = true)),
        dense(2, tanh),
        bidirectional(lstm(2)),
        dense(2, softmax),
    }

    /// The other recurrent options: a bidirectional simple RNN over every
    /// step, an LSTM over every step, a sequence flattened, a GRU and a
    /// bidirectional GRU on their last steps.
    pub struct Sequences {
        input: [7, 4],
        bidirectional(simple_rnn(5, return_sequences = true)),
        lstm(6, return_sequences = true),
        simple_rnn(4, return_sequences = true),
        bidirectional(gru(3, return_sequences = true)),
        flatten,
        dense(10, tanh),
    }

    /// A GRU and a bidirectional GRU on their last steps.
    pub struct LastSteps {
        input: [6, 3],
        bidirectional(gru(4)),
        dense(3, relu),
    }

    /// One prediction per step: a softmax on each step of a GRU's output.
    pub struct Stepwise {
        input: 6,
        embedding(4, 8),
        gru(16, return_sequences = true),
        dense(4, softmax),
    }

    /// A network to nest.
    pub struct Encoder {
        input: 8,
        dense(6, tanh),
        dense(5, relu),
    }

    /// A nested network, then layers of the width only the compiler knows.
    pub struct Outer {
        input: 8,
        net(Encoder),
        dropout(0.2),
        batch_norm,
        dense(3, softmax),
    }

    /// A network nested in a nested network, and one last.
    pub struct Deep {
        input: 8,
        net(Outer),
        dense(8, relu),
        net(Encoder),
    }

    /// Nothing to compute: a view copies its input.
    pub struct Reshaped {
        input: [2, 3],
        flatten,
        dropout(0.5),
    }

    /// `examples/xor.rs`.
    pub struct Xor {
        input: 2,
        dense(4, tanh),
        dense(1, sigmoid),
    }

    /// `examples/binary.rs`.
    pub struct MoonClassifier {
        input: 2,
        dense(10, relu),
        dense(10, relu),
        dense(10, relu),
        dense(1, sigmoid),
    }

    /// `examples/mnist_lstm.rs` and `examples/bench_lstm.rs`.
    pub struct MnistRowLstm {
        input: [28, 28],
        lstm(128),
        dense(10, softmax),
    }

    /// `examples/adding.rs`, with an LSTM.
    pub struct LstmAdder {
        input: [50, 2],
        lstm(32),
        dense(1),
    }

    /// `examples/adding.rs`, with a GRU.
    pub struct GruAdder {
        input: [50, 2],
        gru(32),
        dense(1),
    }

    /// `examples/adding.rs`, with a simple recurrent layer.
    pub struct RnnAdder {
        input: [50, 2],
        simple_rnn(32),
        dense(1),
    }
}

/// Every parameter and every value of training state moved away from where
/// it starts, so that each bias and moving statistic shows in the output;
/// the moving variances stay positive.
fn perturbed<N: Layer>(mut net: N) -> N {
    let mut k = 0.0f32;
    net.visit_params(&N::zeroed(), &mut |params, _| {
        for p in params {
            k += 1.0;
            *p += 0.2 * (k * 0.61).sin();
        }
    });
    net.visit_state(&mut |state| {
        for s in state {
            k += 1.0;
            *s = 0.3 + 0.5 * (k * 0.37).sin().abs();
        }
    });
    net
}

/// `count` inputs of `N` values, from a fixed pattern of `scale`.
fn inputs<const N: usize>(count: usize, scale: f32) -> Vec<[f32; N]> {
    (0..count).map(|s| std::array::from_fn(|i| scale * ((s * N + i) as f32 * 0.731).sin())).collect()
}

/// `count` inputs of `N` token ids in `0..vocabulary`, and one more whose
/// last id is out of range (NaN for its step and the steps that read it, in
/// both passes).
fn token_ids<const N: usize>(count: usize, vocabulary: usize) -> Vec<[f32; N]> {
    let mut ids: Vec<[f32; N]> =
        (0..count).map(|s| std::array::from_fn(|i| ((s * 7 + i * 3) % vocabulary) as f32)).collect();
    ids.push(std::array::from_fn(|i| if i == N - 1 { vocabulary as f32 } else { (i % vocabulary) as f32 }));
    ids
}

/// Checks that the ordinary `forward` and the view's give the same bits on
/// every input (each kind's one-sample pass is the layer's own; two NaNs
/// agree: an id out of range gives NaN in both), and returns how many
/// outputs were numbers.
fn compare<const I: usize>(
    name: &str,
    inputs: &[[f32; I]],
    owned: impl Fn(&[f32; I]) -> Vec<f32>,
    borrowed: impl Fn(&[f32; I]) -> Vec<f32>,
) -> usize {
    let mut numbers = 0;
    for (n, x) in inputs.iter().enumerate() {
        let (expected, got) = (owned(x), borrowed(x));
        assert_eq!(expected.len(), got.len());
        for (k, (e, g)) in expected.iter().zip(&got).enumerate() {
            if e.is_nan() && g.is_nan() {
                continue;
            }
            assert_eq!(e.to_bits(), g.to_bits(), "{name}, input {n}, output {k}: forward {e}, view {g}");
            numbers += 1;
        }
    }
    assert!(numbers * 2 > inputs.len(), "{name}: {numbers} outputs are numbers");
    numbers
}

/// Run `$net` (perturbed) and its view on `$inputs` and compare them bit for
/// bit.
macro_rules! agree {
    ($net:ty, $inputs:expr) => {{
        let net = perturbed(<$net>::seeded(3));
        let bytes = net.to_bytes();
        let view = <$net>::view(&bytes).unwrap();
        compare(stringify!($net), &$inputs, |x| net.forward(*x).as_slice().to_vec(), |x| view.forward(x).to_vec())
    }};
}

#[test]
fn a_view_of_a_dense_network_gives_what_forward_gives() {
    agree!(Mlp, inputs::<784>(8, 1.0));
    agree!(Activations, inputs::<12>(16, 2.0));
}

#[test]
fn a_view_of_an_image_network_gives_what_forward_gives() {
    agree!(MnistCnn, inputs::<784>(4, 1.0));
    agree!(Images, inputs::<{ 3 * 17 * 15 }>(4, 1.0));
    agree!(Flattened, inputs::<162>(8, 1.0));
}

#[test]
fn a_view_of_activation_layers_gives_what_forward_gives() {
    agree!(ActivationLayers, inputs::<50>(8, 2.0));
    agree!(StepActivations, inputs::<12>(8, 3.0));
}

#[test]
fn a_view_of_layers_without_bias_gives_what_forward_gives() {
    agree!(Unbiased, inputs::<72>(8, 1.0));
}

#[test]
fn a_view_of_a_reshaping_network_gives_what_forward_gives() {
    agree!(VectorToImage, inputs::<3>(8, 1.0));
}

#[test]
fn a_view_of_layer_norm_gives_what_forward_gives() {
    agree!(Normed, inputs::<12>(8, 2.0));
}

#[test]
fn a_view_of_a_recurrent_network_gives_what_forward_gives() {
    agree!(RowLstm, inputs::<784>(4, 1.0));
    agree!(Tagger, token_ids::<20>(6, 8));
    agree!(Everything, inputs::<15>(8, 1.0));
    agree!(Sequences, inputs::<28>(8, 1.0));
    agree!(LastSteps, inputs::<18>(8, 1.0));
    agree!(Stepwise, token_ids::<6>(8, 4));
}

#[test]
fn a_view_of_nested_networks_gives_what_forward_gives() {
    agree!(Outer, inputs::<8>(8, 1.0));
    agree!(Deep, inputs::<8>(8, 1.0));
    agree!(Reshaped, inputs::<6>(2, 1.0));
    assert_eq!(
        Reshaped::view(&Reshaped::seeded(0).to_bytes()).unwrap().forward(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
}

#[test]
fn a_view_of_each_examples_network_gives_what_forward_gives() {
    agree!(Xor, inputs::<2>(8, 1.0));
    agree!(MoonClassifier, inputs::<2>(8, 1.5));
    agree!(Mlp, inputs::<784>(4, 1.0));
    agree!(MnistCnn, inputs::<784>(4, 1.0));
    agree!(MnistRowLstm, inputs::<784>(4, 1.0));
    agree!(LstmAdder, inputs::<100>(4, 1.0));
    agree!(GruAdder, inputs::<100>(4, 1.0));
    agree!(RnnAdder, inputs::<100>(4, 1.0));
}

/// The tensors of a nested network are read under its module's index, as
/// PyTorch names a `Sequential` inside a `Sequential`.
#[test]
fn a_nested_networks_view_reads_its_tensors_under_its_module() {
    let bytes = Deep::seeded(1).to_bytes();
    let file = WeightFile::parse(&bytes, "deep").unwrap();
    let names: Vec<&str> = file.tensors().iter().map(|t| t.name()).collect();
    for name in ["0.0.0.weight", "0.2.num_batches_tracked", "1.weight", "3.2.bias"] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let view = Deep::view(&bytes).unwrap();
    let weight = WeightFile::parse(&bytes, "deep").unwrap().values("0.0.2.weight").unwrap();
    assert_eq!(view.layer0.layer0.layer1.weight.to_vec(), weight);
}

/// The committed weights and digits of `embedded/mnist`, the first 20 MNIST
/// test images: the network classifies each as its label, with `predict`
/// and with its view, so the `no_std` binary's check against the labels is
/// a check against `predict`.
#[test]
fn the_embedded_mnist_network_classifies_its_digits_as_predict_does() {
    let weights = nn::include_weights!("../embedded/mnist/mnist_cnn.safetensors");
    let digits = include_bytes!("../embedded/mnist/digits.bin");
    let labels = include_bytes!("../embedded/mnist/labels.bin");

    let test = nn::data::idx::Mnist::load(std::path::Path::new("data/mnist")).unwrap().test_set().unwrap();
    for (i, (digit, label)) in digits.chunks_exact(784).zip(labels).enumerate() {
        assert_eq!(test.image(i).unwrap(), digit, "digits.bin holds test image {i}");
        assert_eq!(test.labels()[i], *label, "labels.bin holds test label {i}");
    }

    let net = MnistCnn::from_bytes(weights).unwrap();
    let view = MnistCnn::view(weights).unwrap();
    let pixels: Vec<f32> = digits.iter().map(|p| f32::from(*p) / 255.0).collect();
    let predicted = net.predict(&Batch::<784>::from_column_slice(&pixels)).unwrap();
    let argmax = |p: &[f32]| (0..p.len()).fold(0, |best, k| if p[k] > p[best] { k } else { best });
    for (i, x) in pixels.chunks_exact(784).enumerate() {
        let x: &[f32; 784] = x.try_into().unwrap();
        let from_view = view.forward(x);
        assert_eq!(argmax(&from_view), argmax(predicted.column(i).as_slice()), "digit {i}");
        assert_eq!(argmax(&from_view), usize::from(labels[i]), "digit {i}");
    }
    compare(
        "embedded",
        &[std::array::from_fn(|i| pixels[i])],
        |x| net.forward(*x).as_slice().to_vec(),
        |x| view.forward(x).to_vec(),
    );
}

/// The tensors `net` saves, as `serialize` writes them, after `edit`.
fn edited<N: Layer>(net: &N, edit: impl FnOnce(&mut Vec<Tensor<'static>>)) -> Vec<u8> {
    let mut tensors = Vec::new();
    net.tensors("", &mut |t| tensors.push(Tensor { name: t.name, shape: t.shape, values: t.values.into_owned() }));
    edit(&mut tensors);
    serialize(&tensors, &[("format", "pt")]).unwrap()
}

trait IntoOwned {
    fn into_owned(self) -> Values<'static>;
}

impl IntoOwned for Values<'_> {
    fn into_owned(self) -> Values<'static> {
        match self {
            Values::F32(v) => Values::F32(v.into_owned().into()),
            Values::I64(v) => Values::I64(v.into_owned().into()),
        }
    }
}

/// Weights that do not fit the network: each an error naming the tensor,
/// in the words of `load`'s errors.
#[test]
fn weights_that_do_not_fit_are_errors_naming_the_tensor() {
    let net = Outer::seeded(2);
    let message = |bytes: &[u8]| Outer::view(bytes).unwrap_err().to_string();

    let missing = edited(&net, |t| t.retain(|t| t.name != "2.running_var"));
    assert_eq!(
        message(&missing),
        "tensor `2.running_var`: expected shape [5], found no tensor of that name (the weights hold 10 tensors)"
    );
    let extra =
        edited(&net, |t| t.push(Tensor { name: "9.bias".into(), shape: vec![2], values: vec![0.5f32, 1.0].into() }));
    assert_eq!(
        message(&extra),
        "tensor `9.bias`: expected no tensor of that name (the network reads 11 tensors), found shape [2]"
    );
    let as_integers = edited(&net, |t| t[1].values = Values::I64(vec![1i64; 6].into()));
    assert_eq!(message(&as_integers), "tensor `0.0.bias`: expected F32 values, found I64 values");
    let count_as_float = edited(&net, |t| t[8].values = vec![0.0f32].into());
    assert_eq!(message(&count_as_float), "tensor `2.num_batches_tracked`: expected I64 values, found F32 values");
    let wider = Encoder::seeded(1).to_bytes();
    assert_eq!(
        Mlp::view(&wider).unwrap_err().to_string(),
        "tensor `0.weight`: expected shape [128, 784], found shape [6, 8]"
    );
    let tensorflow = serialize(&[], &[("format", "tf")]).unwrap();
    assert_eq!(
        Reshaped::view(&tensorflow).unwrap_err().to_string(),
        "the metadata gives format `tf`; a network reads PyTorch's layout (format `pt`, a dense weight as [out, in])"
    );
    assert!(matches!(Reshaped::view(&tensorflow), Err(Error::Format(Format::Layout { .. }))));
}

/// Where errors are `nn::Error`s, a view's error converts with `?`, its
/// message kept.
#[test]
fn a_views_error_is_an_nn_error_too() {
    let view = |bytes: &[u8]| -> nn::Result<[f32; 5]> { Ok(Encoder::view(bytes)?.forward(&[1.0; 8])) };
    let bytes = Encoder::seeded(5).to_bytes();
    assert_eq!(view(&bytes).unwrap(), Encoder::view(&bytes).unwrap().forward(&[1.0; 8]));
    let error = view(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(matches!(error, nn::Error::View(_)));
    assert_eq!(error.to_string(), Encoder::view(&bytes[..bytes.len() - 1]).unwrap_err().to_string());
}

/// Every prefix of a network's bytes, every byte of its header changed, and
/// other header lengths, are an error or a view, never a panic; each view
/// runs.
#[test]
fn no_cut_or_corrupted_blob_makes_a_view_panic() {
    let bytes = Tagger::seeded(4).to_bytes();
    for len in 0..bytes.len() {
        assert!(Tagger::view(&bytes[..len]).is_err(), "{len} bytes of {}", bytes.len());
    }
    let header = 8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut corrupted = bytes.clone();
    for at in 0..header {
        for value in [b'"', b'0', b'9', b'{', b']', b'\\', 0x80, b'x'] {
            let original = corrupted[at];
            corrupted[at] = value;
            if let Ok(view) = Tagger::view(&corrupted) {
                view.forward(&[1.0; 20]);
            }
            corrupted[at] = original;
        }
    }
    for length in [0, 1, header as u64 - 9, header as u64 - 7, bytes.len() as u64, u64::MAX] {
        corrupted[..8].copy_from_slice(&length.to_le_bytes());
        assert!(Tagger::view(&corrupted).is_err(), "a header length of {length}");
    }
}

/// The view's reader takes exactly the files `WeightFile::parse` takes, on
/// hand-made headers that break each rule of the format.
#[test]
fn the_views_reader_accepts_exactly_what_files_accept() {
    let data = [0u8; 8];
    let blob = |header: &str, data: &[u8]| {
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(data);
        bytes
    };
    let headers = [
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
        r#" { "a" : { "shape" : [ 2 ] , "data_offsets" : [ 0 , 8 ] , "dtype" : "I32" } } "#,
        r#"{"__metadata__":{"format":"pt","x":"y"},"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}"#,
        r#"{"\u0061":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"z":{"dtype":"F64","shape":[0],"data_offsets":[8,8]}}"#,
        r#"{"a\"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"\ud83d\ude00":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        // Broken: each one rule.
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[0],"data_offsets":[8,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"dtype":"F32"}}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}"#,
        r#"{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#,
        r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#,
        r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]],"b":1}"#,
        r#"{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
        r#"{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#,
        r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
        r#"{"__metadata__":{"format":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"__metadata__":{"k":"v","k":"w"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"__metadata__":{},"__metadata__":{},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"\ud83d":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"a	":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"\x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
        r#"{"a":[]}"#,
        r#"[]"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#,
        r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}}"#,
    ];
    for header in headers {
        let bytes = blob(header, &data);
        let file = WeightFile::parse(&bytes, "blob");
        let view = Weights::parse(&bytes);
        assert_eq!(view.is_ok(), file.is_ok(), "{header}: file {:?}, view {:?}", file.err(), view.err());
    }
    // Trailing data and a short blob.
    let bytes = blob(headers[0], &[0; 9]);
    assert_eq!(Weights::parse(&bytes).unwrap_err().to_string(), "bytes 8..9 of the data belong to no tensor");
    assert!(WeightFile::parse(&bytes, "blob").is_err());
}
