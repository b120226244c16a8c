//! Checks every layer's tests share: gradients against finite differences,
//! and tensors that load back into the same layer.

use super::{Backward, Layer, Mode, Slot, Tensor};
use rand::SeedableRng;

/// Values in about [-1, 1], all different, from `seed`.
pub fn values(len: usize, seed: f32) -> Vec<f32> {
    (0..len).map(|i| ((i as f32 + seed) * 0.618_034).sin() * (1.0 + 0.001 * i as f32)).collect()
}

/// The forward pass of `layer` on `input` (a batch of `batch`), in training
/// mode when `training` (with the same generator every time, so that a
/// stochastic layer draws the same values).
pub fn forward<L: Layer>(layer: &L, input: &[f32], batch: usize, training: bool) -> (Vec<f32>, L::Buffers) {
    let mut output = vec![0.0; L::OUTPUT * batch];
    let mut buffers = L::Buffers::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let mut mode = if training { Mode::Training(&mut rng) } else { Mode::Inference };
    layer.forward_batch(input, &mut output, batch, &mut buffers, &mut mode);
    (output, buffers)
}

/// The backward pass of `layer` from the gradient `grad` of its `output`
/// for `input` (a batch of `batch`, with the forward pass's `buffers`): the
/// parameters' gradients and the gradient to the input.
pub fn backward<L: Layer>(
    layer: &L,
    input: &[f32],
    output: &[f32],
    mut grad: Vec<f32>,
    batch: usize,
    buffers: &mut L::Buffers,
) -> (L, Vec<f32>) {
    let mut grads = L::zeroed();
    let mut grad_input = vec![f32::NAN; L::INPUT * batch];
    let pass = Backward {
        input,
        output,
        grad: &mut grad,
        preactivation: false,
        grad_input: Some(&mut grad_input),
        batch,
        buffers,
    };
    layer.backward_batch(pass, &mut grads);
    (grads, grad_input)
}

/// Finite-difference check of every parameter gradient and of the input
/// gradient of `layer`, for the loss `sum(w ⊙ output)` over a batch of
/// `batch` samples of `input` (training mode when `training`).
///
/// Central differences in `f32` with step `h`, compared with the analytic
/// gradient within `tolerance · (1 + |numeric|)`.
pub fn gradient_check<L: Layer + Clone>(
    layer: &L,
    input: &[f32],
    batch: usize,
    training: bool,
    h: f32,
    tolerance: f64,
) {
    gradient_check_of(layer, input, batch, training, h, tolerance, true);
}

/// [`gradient_check`] of the parameters only, for layers whose input is not
/// differentiable (an embedding's token ids).
pub fn parameter_gradient_check<L: Layer + Clone>(layer: &L, input: &[f32], batch: usize, h: f32, tolerance: f64) {
    gradient_check_of(layer, input, batch, false, h, tolerance, false);
}

fn gradient_check_of<L: Layer + Clone>(
    layer: &L,
    input: &[f32],
    batch: usize,
    training: bool,
    h: f32,
    tolerance: f64,
    inputs: bool,
) {
    let name = std::any::type_name::<L>();
    let weights = values(L::OUTPUT * batch, 0.37);
    let loss = |layer: &L, input: &[f32]| -> f64 {
        let (output, _) = forward(layer, input, batch, training);
        output.iter().zip(&weights).map(|(o, w)| f64::from(*o) * f64::from(*w)).sum()
    };
    let (output, mut buffers) = forward(layer, input, batch, training);
    let (grads, grad_input) = backward(layer, input, &output, weights.clone(), batch, &mut buffers);

    let close = |numeric: f64, analytic: f32, what: &str| {
        assert!(
            (numeric - f64::from(analytic)).abs() <= tolerance * (1.0 + numeric.abs()),
            "{name}: {what}: numeric {numeric} vs analytic {analytic}"
        );
    };
    let mut grad_tensors = Vec::new();
    grads.params(&mut |g| grad_tensors.push(g.to_vec()));
    for (tensor, grad_tensor) in grad_tensors.iter().enumerate() {
        for (i, analytic) in grad_tensor.iter().enumerate() {
            let nudged = |delta: f32| {
                let mut copy = layer.clone();
                let mut slot = 0;
                copy.visit_params(&L::zeroed(), &mut |p, _| {
                    if slot == tensor {
                        p[i] += delta;
                    }
                    slot += 1;
                });
                loss(&copy, input)
            };
            let numeric = (nudged(h) - nudged(-h)) / (2.0 * f64::from(h));
            close(numeric, *analytic, &format!("parameter tensor {tensor}[{i}]"));
        }
    }
    for (i, analytic) in grad_input.iter().enumerate().filter(|_| inputs) {
        let (mut plus, mut minus) = (input.to_vec(), input.to_vec());
        plus[i] += h;
        minus[i] -= h;
        let numeric = (loss(layer, &plus) - loss(layer, &minus)) / (2.0 * f64::from(h));
        close(numeric, *analytic, &format!("input[{i}]"));
    }
}

/// A zeroed layer loaded from the tensors of `layer`.
pub fn loaded_copy<L: Layer>(layer: &L) -> L {
    let tensors = tensors_of(layer);
    let mut copy = L::zeroed();
    copy.load_tensors("", &mut |name, shape, slot| {
        let tensor = tensors.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no tensor {name}"));
        assert_eq!(tensor.shape, shape, "{name}");
        match (slot, &tensor.values) {
            (Slot::F32(out), super::Values::F32(values)) => out.copy_from_slice(values),
            (Slot::I64(out), super::Values::I64(values)) => out.copy_from_slice(values),
            _ => panic!("{name}: another type"),
        }
        Ok(())
    })
    .unwrap();
    copy
}

/// Every tensor of `layer`, owned.
pub fn tensors_of<L: Layer>(layer: &L) -> Vec<Tensor<'static>> {
    let mut tensors = Vec::new();
    layer.tensors("", &mut |t| {
        let values = match t.values {
            super::Values::F32(v) => super::Values::F32(v.into_owned().into()),
            super::Values::I64(v) => super::Values::I64(v.into_owned().into()),
        };
        tensors.push(Tensor { name: t.name, shape: t.shape, values });
    });
    tensors
}

/// The contract of [`Layer::parts`]: `parts` and `parts_mut` name the same
/// tensors in the same order; each holds the values its shape says;
/// `PARAMS` and `STATE` count the parts' values; the tensors saved load back
/// into a zeroed layer as they were; and a layer with state changes it in
/// `update_state` after a training pass over `input` (a batch of `batch`).
pub fn check_parts<L: Layer>(layer: &mut L, input: &[f32], batch: usize) {
    use super::{Data, DataMut, Path, Role};
    let name = std::any::type_name::<L>();
    type Seen = (String, Vec<usize>, Role, usize);
    let describe = |path: &Path<'_>, part_name: &str, suffix: &str| {
        let mut full = String::new();
        path.write_prefix(&mut full);
        format!("{full}{part_name}{suffix}")
    };
    let mut read: Vec<Seen> = Vec::new();
    let (mut params, mut state) = (0, 0);
    layer.parts(&Path::ROOT, &mut |part| {
        let len = match part.data {
            Data::F32(values) => values.len(),
            Data::I64(values) => values.len(),
        };
        assert_eq!(len, part.shape.iter().product::<usize>(), "{name}: {}", part.name);
        if let Data::F32(_) = part.data {
            match part.role {
                Role::Param => params += len,
                Role::State => state += len,
            }
        }
        read.push((describe(&part.path, part.name, part.suffix), part.shape.to_vec(), part.role, len));
    });
    let mut written: Vec<Seen> = Vec::new();
    layer.parts_mut(&Path::ROOT, &mut |part| {
        let len = match &part.data {
            DataMut::F32(values) => values.len(),
            DataMut::I64(values) => values.len(),
        };
        written.push((describe(&part.path, part.name, part.suffix), part.shape.to_vec(), part.role, len));
    });
    assert_eq!(read, written, "{name}: parts and parts_mut differ");
    assert_eq!(params, L::PARAMS, "{name}: PARAMS is not the values of its parameter parts");
    assert_eq!(state, L::STATE, "{name}: STATE is not the values of its state parts");

    let copy = loaded_copy(layer);
    assert_eq!(tensors_of(&copy), tensors_of(layer), "{name}: its tensors do not load back");

    if state > 0 {
        let before = snapshot_state(layer);
        let (_, buffers) = forward(layer, input, batch, true);
        layer.update_state(&buffers);
        assert_ne!(snapshot_state(layer), before, "{name}: a training step leaves its state as it was");
    }
}

fn snapshot_state<L: Layer>(layer: &mut L) -> Vec<f32> {
    let mut values = Vec::new();
    layer.visit_state(&mut |s| values.extend_from_slice(s));
    values
}

/// The output of view `V` for one sample, its parameters read from a blob
/// of the tensors `layer` saves, against `layer`'s own forward pass on a
/// batch of one: they must agree bit for bit (and `V` must read every
/// tensor of the blob).
pub fn view_matches_layer<L: Layer, V: super::Infer>(layer: &L, input: &[f32]) {
    let name = std::any::type_name::<L>();
    assert_eq!((V::INPUT, V::OUTPUT), (L::INPUT, L::OUTPUT), "{name}: the view has other widths");
    let bytes = crate::io::serialize(&tensors_of(layer), &[]).unwrap();
    let mut weights = crate::safetensors::Weights::parse(&bytes).unwrap();
    let params = V::load(&mut weights, &crate::safetensors::Prefix::ROOT).unwrap();
    weights.check_all_read().unwrap();
    let mut viewed = vec![f32::NAN; V::OUTPUT];
    V::forward(&params, input, &mut viewed);
    let (owned, _) = forward(layer, input, 1, false);
    let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&viewed), bits(&owned), "{name}: the view and the layer differ");
}

/// The ONNX graph that `layer` writes for an input of samples shaped
/// `dims`: its operators (`op_type`s, in order), its constants' names, and
/// the output's shape.
pub fn onnx_graph<L: Layer>(layer: &L, dims: &[usize]) -> (Vec<String>, Vec<String>, Vec<usize>) {
    let mut graph = crate::onnx::Graph::new();
    let input = crate::onnx::Value { name: crate::onnx::INPUT.into(), dims: dims.to_vec() };
    let output = layer.onnx(&mut graph, "", input.clone()).unwrap();
    let dims = output.dims.clone();
    let model = graph.into_model("test", &input, output);
    let graph = model.graph.unwrap();
    let ops = graph.node.into_iter().filter_map(|n| n.op_type).collect();
    let constants = graph.initializer.into_iter().filter_map(|t| t.name).collect();
    (ops, constants, dims)
}

/// The outputs and gradients (parameters', then the input's) of a
/// training step of `layer` on `input` (a batch of `batch`), on `threads`
/// threads of the matrix product.
pub fn step_on_threads<L: Layer>(layer: &L, input: &[f32], batch: usize, threads: usize) -> (Vec<f32>, Vec<f32>) {
    crate::gemm::set_threads(threads);
    let (output, mut buffers) = forward(layer, input, batch, true);
    let (grads, grad_input) = backward(layer, input, &output, values(L::OUTPUT * batch, 0.21), batch, &mut buffers);
    crate::gemm::set_threads(0);
    let mut gradients = Vec::new();
    grads.params(&mut |g| gradients.extend_from_slice(g));
    gradients.extend_from_slice(&grad_input);
    (output, gradients)
}
