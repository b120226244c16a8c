//! ONNX export: a network as an ONNX model, for onnxruntime and every other
//! runtime that reads the format.
//!
//! Each layer writes its own operators ([`crate::layers::Layer::onnx`]), as
//! it names its own tensors; a network declared with `network!` chains its
//! layers' operators as it chains their tensors, so a nested network is
//! inlined. [`crate::network::Network::to_onnx`] wraps the chain in a model:
//!
//! - opset 17 of the default domain (onnxruntime 1.13 and later). Every
//!   operator a layer needs is there; GELU, which ONNX adds only in opset 20,
//!   is written out with `Erf` (or `Tanh` for its approximation).
//! - one input named `input`, `f32`, shaped as the network declares it with
//!   a first, dynamic dimension `batch`: `input: 784` is `[batch, 784]`,
//!   `input: [1, 28, 28]` is `[batch, 1, 28, 28]` (PyTorch's NCHW),
//!   `input: [28, 28]` is `[batch, 28, 28]` (batch-first, as nn's and
//!   PyTorch's `batch_first=True` sequences). An embedding's token ids come
//!   in as `f32`, as nn takes them.
//! - one output named `output`, shaped as the last layer gives it:
//!   `[batch, 10]`, or `[batch, T, U]` after `return_sequences = true`.
//! - the graph named after the network; each constant named after the
//!   tensor of the weight file it comes from (`0.weight`, `2.running_mean`),
//!   and each operator after its layer's module (`0.gemm`, `0.relu`).
//!
//! The protobuf messages are those of the official `onnx.proto` (kept in
//! `nn-core/proto/`), turned into Rust by prost-build once and checked in
//! (`proto.rs`; `cargo run --manifest-path tools/onnx-proto/Cargo.toml`
//! writes it again), so the library depends on `prost` alone.
#![cfg(feature = "std")]

#[rustfmt::skip]
#[allow(dead_code, missing_docs, clippy::all, clippy::pedantic)]
pub(crate) mod proto;

use crate::error::{Error, Result};
use proto::tensor_proto::DataType;
use std::collections::HashSet;

/// The opset of the default domain that exported models import.
pub const OPSET: i64 = 17;
/// The IR version that goes with opset 17 (ONNX 1.12).
const IR_VERSION: i64 = 8;
/// ONNX's number for the `int64` element type (a `Cast`'s `to`).
pub const INT64: i64 = DataType::Int64 as i64;
/// The name of the graph's input.
pub const INPUT: &str = "input";
/// The name of the graph's output.
pub const OUTPUT: &str = "output";
/// The name of the batch dimension, first in the input and the output.
pub const BATCH: &str = "batch";

/// A value flowing between operators: its name in the graph and the shape
/// of one sample. Every value carries the batch as a first dimension, which
/// `dims` leaves out (it is dynamic): a dense layer's output is `[O]`, a
/// convolution's `[F, OH, OW]`, a sequence's `[T, F]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The name of the value in the graph.
    pub name: String,
    /// One sample's dimensions, outermost first.
    pub dims: Vec<usize>,
}

impl Value {
    /// The number of values of one sample.
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }

    /// True when a sample has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An attribute of an operator, by ONNX's types.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    /// `INT`.
    Int(i64),
    /// `INTS`.
    Ints(Vec<i64>),
    /// `FLOAT`.
    Float(f32),
    /// `FLOATS`.
    Floats(Vec<f32>),
    /// `STRING`.
    Text(String),
    /// `STRINGS`.
    Texts(Vec<String>),
}

/// The attributes of an operator over sliding windows (`Conv`, `MaxPool`,
/// `AveragePool`): `kernel_shape`, `strides` and explicit `pads` (top, left,
/// bottom, right).
pub(crate) fn window_attributes(
    kernel: [usize; 2],
    strides: [usize; 2],
    pads: [usize; 4],
) -> Vec<(&'static str, Attr)> {
    let ints = |values: &[usize]| Attr::Ints(values.iter().map(|v| *v as i64).collect());
    vec![("kernel_shape", ints(&kernel)), ("strides", ints(&strides)), ("pads", ints(&pads))]
}

/// An activation as ONNX's recurrent operators take it (their
/// `activations`, `activation_alpha` and `activation_beta` attributes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RnnActivation {
    /// The function's name: `Tanh`, `Relu`, `LeakyRelu`, ...
    pub name: &'static str,
    /// Its alpha, for those that take one.
    pub alpha: Option<f32>,
    /// Its beta, for those that take one.
    pub beta: Option<f32>,
}

/// A graph being written: operators and constants, every name unique.
///
/// Layers add to it in [`crate::layers::Layer::onnx`]; nn turns it into a
/// model in [`crate::network::Network::to_onnx`].
#[derive(Debug)]
pub struct Graph {
    nodes: Vec<proto::NodeProto>,
    initializers: Vec<proto::TensorProto>,
    names: HashSet<String>,
}

impl Graph {
    /// An empty graph whose input and output names are taken.
    pub(crate) fn new() -> Self {
        let names = [INPUT.to_string(), OUTPUT.to_string()].into_iter().collect();
        Graph { nodes: Vec::new(), initializers: Vec::new(), names }
    }

    /// `name`, or, when that is taken, `name_1`, `name_2`, ...: now taken.
    fn unique(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut n = 0;
        while self.names.contains(&candidate) {
            n += 1;
            candidate = format!("{name}_{n}");
        }
        self.names.insert(candidate.clone());
        candidate
    }

    /// A constant of `f32` values (row-major, of shape `dims`: its whole
    /// shape, no batch), named `name` if that is free; returns its name.
    pub fn constant(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.add_constant(name, dims, DataType::Float, bytes)
    }

    /// A constant of `i64` values, as [`Graph::constant`].
    pub fn constant_i64(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.add_constant(name, dims, DataType::Int64, bytes)
    }

    fn add_constant(&mut self, name: &str, dims: &[usize], data_type: DataType, raw: Vec<u8>) -> String {
        let name = self.unique(name);
        self.initializers.push(proto::TensorProto {
            name: Some(name.clone()),
            dims: dims.iter().map(|d| *d as i64).collect(),
            data_type: Some(data_type as i32),
            raw_data: Some(raw),
            ..Default::default()
        });
        name
    }

    /// An operator `op` reading the values or constants named `inputs`
    /// (`""` for an optional input left out), with `attributes`; its outputs
    /// are named from `outputs` (made unique; `""` leaves an optional output
    /// out). Returns the outputs' names.
    pub fn operator(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[&str],
        attributes: Vec<(&str, Attr)>,
        outputs: &[&str],
    ) -> Vec<String> {
        let outputs: Vec<String> =
            outputs.iter().map(|o| if o.is_empty() { String::new() } else { self.unique(o) }).collect();
        let node_name = self.unique(&format!("{name}:{op}"));
        self.nodes.push(proto::NodeProto {
            name: Some(node_name),
            op_type: Some(op.to_string()),
            input: inputs.iter().map(|i| i.to_string()).collect(),
            output: outputs.clone(),
            attribute: attributes.into_iter().map(|(name, value)| attribute(name, value)).collect(),
            ..Default::default()
        });
        outputs
    }

    /// An operator with one output, named `name`, whose samples have `dims`.
    pub fn node(
        &mut self,
        op: &str,
        name: &str,
        inputs: &[&str],
        attributes: Vec<(&str, Attr)>,
        dims: &[usize],
    ) -> Value {
        let mut outputs = self.operator(op, name, inputs, attributes, &[name]);
        Value { name: outputs.remove(0), dims: dims.to_vec() }
    }

    /// Each operator's type and the names of what it reads, in order: what
    /// the layers' tests check their ONNX form by.
    #[cfg(test)]
    pub(crate) fn operators(&self) -> Vec<(&str, Vec<&str>)> {
        self.nodes
            .iter()
            .map(|n| (n.op_type.as_deref().unwrap_or(""), n.input.iter().map(String::as_str).collect()))
            .collect()
    }

    /// `value` with samples of shape `dims`, the same values in the same
    /// order: `value` itself when it has them, else through `Flatten` (to
    /// one dimension) or `Reshape`. An error when the sizes differ.
    pub fn shaped(&mut self, value: Value, dims: &[usize]) -> Result<Value> {
        if value.dims == dims {
            return Ok(value);
        }
        let count: usize = dims.iter().product();
        if count != value.len() {
            return Err(Error::export(format!(
                "a value of shape {:?} ({} values per sample) cannot be read as shape {dims:?}",
                value.dims,
                value.len()
            )));
        }
        let name = format!("{}.reshaped", value.name);
        if dims.len() == 1 {
            return Ok(self.node("Flatten", &name, &[&value.name], vec![("axis", Attr::Int(1))], dims));
        }
        let shape: Vec<i64> = std::iter::once(-1).chain(dims.iter().map(|d| *d as i64)).collect();
        let shape = self.constant_i64(&format!("{name}.shape"), &[shape.len()], &shape);
        Ok(self.node("Reshape", &name, &[&value.name, &shape], Vec::new(), dims))
    }

    /// A scalar `f32` constant.
    pub fn scalar(&mut self, name: &str, value: f32) -> String {
        self.constant(name, &[], &[value])
    }

    /// The model: this graph named `name`, from `input` to `output` (renamed
    /// `output`), with its opset and producer.
    pub(crate) fn into_model(mut self, name: &str, input: &Value, output: Value) -> proto::ModelProto {
        if self.nodes.iter().any(|n| n.output.contains(&output.name)) {
            for node in &mut self.nodes {
                for name in node.output.iter_mut().chain(node.input.iter_mut()).filter(|o| **o == output.name) {
                    *name = OUTPUT.to_string();
                }
            }
        } else {
            // The input itself (a network of layers that compute nothing),
            // copied to the output.
            self.nodes.push(proto::NodeProto {
                name: Some(format!("{OUTPUT}:Identity")),
                op_type: Some("Identity".to_string()),
                input: vec![output.name.clone()],
                output: vec![OUTPUT.to_string()],
                ..Default::default()
            });
        }
        let graph = proto::GraphProto {
            name: Some(name.to_string()),
            node: self.nodes,
            initializer: self.initializers,
            input: vec![value_info(INPUT, &input.dims)],
            output: vec![value_info(OUTPUT, &output.dims)],
            ..Default::default()
        };
        proto::ModelProto {
            ir_version: Some(IR_VERSION),
            opset_import: vec![proto::OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) }],
            producer_name: Some("nn".to_string()),
            producer_version: Some(env!("CARGO_PKG_VERSION").to_string()),
            graph: Some(graph),
            ..Default::default()
        }
    }
}

/// A tensor of `f32` whose first dimension is the batch and the others `dims`.
fn value_info(name: &str, dims: &[usize]) -> proto::ValueInfoProto {
    use proto::tensor_shape_proto::{dimension, Dimension};
    let batch = Dimension { value: Some(dimension::Value::DimParam(BATCH.to_string())), ..Default::default() };
    let rest =
        dims.iter().map(|d| Dimension { value: Some(dimension::Value::DimValue(*d as i64)), ..Default::default() });
    let shape = proto::TensorShapeProto { dim: std::iter::once(batch).chain(rest).collect() };
    let tensor = proto::type_proto::Tensor { elem_type: Some(DataType::Float as i32), shape: Some(shape) };
    proto::ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(proto::TypeProto {
            value: Some(proto::type_proto::Value::TensorType(tensor)),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn attribute(name: &str, value: Attr) -> proto::AttributeProto {
    use proto::attribute_proto::AttributeType;
    let mut attribute = proto::AttributeProto { name: Some(name.to_string()), ..Default::default() };
    let kind = match value {
        Attr::Int(i) => {
            attribute.i = Some(i);
            AttributeType::Int
        }
        Attr::Ints(ints) => {
            attribute.ints = ints;
            AttributeType::Ints
        }
        Attr::Float(f) => {
            attribute.f = Some(f);
            AttributeType::Float
        }
        Attr::Floats(floats) => {
            attribute.floats = floats;
            AttributeType::Floats
        }
        Attr::Text(s) => {
            attribute.s = Some(s.into_bytes());
            AttributeType::String
        }
        Attr::Texts(strings) => {
            attribute.strings = strings.into_iter().map(String::into_bytes).collect();
            AttributeType::Strings
        }
    };
    attribute.r#type = Some(kind as i32);
    attribute
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn value(name: &str, dims: &[usize]) -> Value {
        Value { name: name.to_string(), dims: dims.to_vec() }
    }

    fn ops(graph: &Graph) -> Vec<&str> {
        graph.nodes.iter().map(|n| n.op_type.as_deref().unwrap_or("")).collect()
    }

    /// A value already of the shape asked for stays as it is; to one
    /// dimension it goes through `Flatten`, to more through `Reshape` with
    /// the batch as `-1`; another number of values is an error.
    #[test]
    fn shaped_adds_an_operator_only_when_the_shape_changes() {
        let mut graph = Graph::new();
        let x = value("x", &[2, 3, 4]);
        assert_eq!(graph.shaped(x.clone(), &[2, 3, 4]).unwrap(), x);
        assert!(graph.nodes.is_empty());
        let flat = graph.shaped(x.clone(), &[24]).unwrap();
        assert_eq!(flat.dims, [24]);
        let steps = graph.shaped(x.clone(), &[6, 4]).unwrap();
        assert_eq!(steps.dims, [6, 4]);
        assert_eq!(ops(&graph), ["Flatten", "Reshape"]);
        let shape = &graph.initializers[0];
        assert_eq!((shape.dims.as_slice(), shape.data_type), (&[3i64][..], Some(DataType::Int64 as i32)));
        let expected: Vec<u8> = [-1i64, 6, 4].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(shape.raw_data.as_deref(), Some(&expected[..]));
        let error = graph.shaped(x, &[5, 5]).unwrap_err();
        assert!(error.to_string().contains("shape [2, 3, 4] (24 values per sample) cannot be read as shape [5, 5]"));
    }

    /// Names are unique in the graph, the input's and output's reserved.
    #[test]
    fn names_are_made_unique() {
        let mut graph = Graph::new();
        assert_eq!(graph.constant("0.weight", &[1], &[1.0]), "0.weight");
        assert_eq!(graph.constant("0.weight", &[1], &[2.0]), "0.weight_1");
        assert_eq!(graph.node("Relu", OUTPUT, &["0.weight"], Vec::new(), &[1]).name, "output_1");
    }

    /// The model: opset 17, IR 8, the graph named after the network, its
    /// input and output named and shaped with a dynamic batch, the last
    /// operator's output renamed `output`.
    #[test]
    fn the_model_names_its_graph_input_and_output() {
        let mut graph = Graph::new();
        let input = value(INPUT, &[1, 28, 28]);
        let flat = graph.shaped(input.clone(), &[784]).unwrap();
        let relu = graph.node("Relu", "1.relu", &[&flat.name], Vec::new(), &flat.dims);
        let bytes = graph.into_model("Digits", &input, relu).encode_to_vec();
        let model = proto::ModelProto::decode(&bytes[..]).unwrap();
        assert_eq!((model.ir_version, model.producer_name.as_deref()), (Some(8), Some("nn")));
        assert_eq!(model.opset_import, [proto::OperatorSetIdProto { domain: Some(String::new()), version: Some(17) }]);
        let graph = model.graph.unwrap();
        assert_eq!(graph.name.as_deref(), Some("Digits"));
        assert_eq!(graph.node[1].input, [flat.name]);
        assert_eq!(graph.node[1].output, [OUTPUT]);
        let dims = |info: &proto::ValueInfoProto| {
            let Some(proto::type_proto::Value::TensorType(tensor)) = info.r#type.as_ref().and_then(|t| t.value.clone())
            else {
                panic!("not a tensor")
            };
            assert_eq!(tensor.elem_type, Some(DataType::Float as i32));
            let dims = tensor.shape.unwrap().dim.into_iter().map(|d| match d.value {
                Some(proto::tensor_shape_proto::dimension::Value::DimParam(name)) => name,
                Some(proto::tensor_shape_proto::dimension::Value::DimValue(n)) => n.to_string(),
                None => String::new(),
            });
            (info.name.clone().unwrap(), dims.collect::<Vec<_>>())
        };
        assert_eq!(dims(&graph.input[0]), ("input".into(), vec!["batch".into(), "1".into(), "28".into(), "28".into()]));
        assert_eq!(dims(&graph.output[0]), ("output".into(), vec!["batch".into(), "784".into()]));
    }

    /// A graph that computes nothing copies its input to its output.
    #[test]
    fn an_output_that_is_the_input_is_copied() {
        let input = value(INPUT, &[3]);
        let model = Graph::new().into_model("Nothing", &input, input.clone());
        let node = &model.graph.unwrap().node[0];
        assert_eq!(
            (node.op_type.as_deref(), &node.input, &node.output),
            (Some("Identity"), &vec![INPUT.to_string()], &vec![OUTPUT.to_string()])
        );
    }
}
