//! The element types a safetensors file may name, and their conversion to `f32`.

use core::fmt;

/// The element type of a tensor in a safetensors file, by its name in the header.
///
/// Every type is read from the file, so its offsets can be checked; a network
/// loads from the floating-point ones: `F32` as it is, `F16` and `BF16` exactly
/// (every value of theirs is an `f32`), `F64` rounded to the nearest `f32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dtype {
    /// A boolean, one byte.
    Bool,
    /// Unsigned 8-bit integer.
    U8,
    /// Signed 8-bit integer.
    I8,
    /// 8-bit float with 5 exponent and 2 mantissa bits.
    F8E5M2,
    /// 8-bit float with 4 exponent and 3 mantissa bits.
    F8E4M3,
    /// Signed 16-bit integer.
    I16,
    /// Unsigned 16-bit integer.
    U16,
    /// IEEE 754 half precision.
    F16,
    /// bfloat16: the upper half of an `f32`.
    BF16,
    /// Signed 32-bit integer.
    I32,
    /// Unsigned 32-bit integer.
    U32,
    /// IEEE 754 single precision, the type networks compute in.
    F32,
    /// IEEE 754 double precision.
    F64,
    /// Signed 64-bit integer.
    I64,
    /// Unsigned 64-bit integer.
    U64,
}

/// Every type with its header name and size in bytes.
const TYPES: [(Dtype, &str, usize); 15] = [
    (Dtype::Bool, "BOOL", 1),
    (Dtype::U8, "U8", 1),
    (Dtype::I8, "I8", 1),
    (Dtype::F8E5M2, "F8_E5M2", 1),
    (Dtype::F8E4M3, "F8_E4M3", 1),
    (Dtype::I16, "I16", 2),
    (Dtype::U16, "U16", 2),
    (Dtype::F16, "F16", 2),
    (Dtype::BF16, "BF16", 2),
    (Dtype::I32, "I32", 4),
    (Dtype::U32, "U32", 4),
    (Dtype::F32, "F32", 4),
    (Dtype::F64, "F64", 8),
    (Dtype::I64, "I64", 8),
    (Dtype::U64, "U64", 8),
];

impl Dtype {
    /// The type a header names `name` (`"F32"`, `"BF16"`, ...), if it is one of these.
    pub fn from_name(name: &str) -> Option<Dtype> {
        TYPES.iter().find(|(_, n, _)| *n == name).map(|(d, _, _)| *d)
    }

    /// The name a header gives this type.
    pub fn name(self) -> &'static str {
        TYPES.iter().find(|(d, _, _)| *d == self).map_or("?", |(_, n, _)| n)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        TYPES.iter().find(|(d, _, _)| *d == self).map_or(0, |(_, _, s)| *s)
    }

    /// Whether a network can load a tensor of this type: `F32`, `F16`, `BF16`, `F64`.
    pub fn converts_to_f32(self) -> bool {
        matches!(self, Dtype::F32 | Dtype::F16 | Dtype::BF16 | Dtype::F64)
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why values did not convert to `f32`.
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConvertError {
    /// The type is not one of the floating-point types a network loads.
    NotFloat,
    /// `bytes` does not hold exactly `out.len()` elements.
    Length,
    /// A finite `F64` value beyond the range of `f32`.
    OutOfRange { index: usize, value: f64 },
}

/// Decode little-endian elements of type `dtype` from `bytes` into `out`.
///
/// `F16` and `BF16` convert exactly; `F64` rounds to the nearest `f32` (ties to
/// even), and a finite value that would become infinite is an error. NaN and
/// infinities stay what they are.
#[cfg(feature = "std")]
pub(crate) fn to_f32(dtype: Dtype, bytes: &[u8], out: &mut [f32]) -> Result<(), ConvertError> {
    if !dtype.converts_to_f32() {
        return Err(ConvertError::NotFloat);
    }
    if Some(bytes.len()) != out.len().checked_mul(dtype.size()) {
        return Err(ConvertError::Length);
    }
    match dtype {
        Dtype::F32 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *o = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
        Dtype::F16 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
            }
        }
        Dtype::BF16 => {
            for (o, b) in out.iter_mut().zip(bytes.chunks_exact(2)) {
                *o = f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16);
            }
        }
        _ => {
            for (index, (o, b)) in out.iter_mut().zip(bytes.chunks_exact(8)).enumerate() {
                let value = f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                *o = value as f32;
                if value.is_finite() && !o.is_finite() {
                    return Err(ConvertError::OutOfRange { index, value });
                }
            }
        }
    }
    Ok(())
}

/// The `f32` with the value of the IEEE 754 half-precision number `bits` (exact).
#[cfg(feature = "std")]
pub(crate) fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exponent = u32::from((bits >> 10) & 0x1f);
    let mantissa = u32::from(bits & 0x3ff);
    match (exponent, mantissa) {
        (0, 0) => f32::from_bits(sign),
        // Subnormal: mantissa · 2^-24, exact in f32 (a 10-bit integer times a power of two).
        (0, m) => {
            let magnitude = m as f32 * f32::from_bits(0x3380_0000); // 2^-24
            if sign == 0 {
                magnitude
            } else {
                -magnitude
            }
        }
        // Infinity, or NaN with its payload kept.
        (0x1f, m) => f32::from_bits(sign | 0x7f80_0000 | (m << 13)),
        (e, m) => f32::from_bits(sign | ((e + 127 - 15) << 23) | (m << 13)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_sizes_follow_the_format() {
        for (dtype, name, size) in TYPES {
            assert_eq!(Dtype::from_name(name), Some(dtype));
            assert_eq!((dtype.name(), dtype.size()), (name, size));
            assert_eq!(dtype.to_string(), name);
        }
        assert_eq!(Dtype::from_name("f32"), None, "names are case-sensitive");
        assert_eq!(Dtype::from_name("F128"), None);
        let floats: Vec<_> = TYPES.iter().filter(|t| t.0.converts_to_f32()).map(|t| t.1).collect();
        assert_eq!(floats, ["F16", "BF16", "F32", "F64"]);
    }

    #[test]
    fn every_f16_value_converts_exactly() {
        for bits in 0..=u16::MAX {
            let converted = f16_to_f32(bits);
            let sign = if bits >> 15 == 1 { -1.0 } else { 1.0 };
            let exponent = i32::from((bits >> 10) & 0x1f);
            let mantissa = f64::from(bits & 0x3ff);
            match exponent {
                0x1f if mantissa == 0.0 => assert_eq!(converted, sign as f32 * f32::INFINITY),
                0x1f => assert!(converted.is_nan(), "{bits:#06x}"),
                // value = sign · mantissa · 2^-24 (subnormal) or sign · (1024 + mantissa) · 2^(e - 25)
                0 => assert_eq!(f64::from(converted), sign * mantissa * 2f64.powi(-24), "{bits:#06x}"),
                e => assert_eq!(f64::from(converted), sign * (1024.0 + mantissa) * 2f64.powi(e - 25), "{bits:#06x}"),
            }
            assert_eq!(converted.is_sign_negative(), bits >> 15 == 1, "{bits:#06x}");
        }
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    }

    #[test]
    fn converts_each_float_type_from_little_endian_bytes() {
        let mut out = [0.0f32; 3];
        let f32_bytes: Vec<u8> = [1.5f32, -0.25, 3e-39].iter().flat_map(|v| v.to_le_bytes()).collect();
        to_f32(Dtype::F32, &f32_bytes, &mut out).unwrap();
        assert_eq!(out, [1.5, -0.25, 3e-39]);

        let f16_bytes: Vec<u8> = [0x3e00u16, 0xb400, 0x7c00].iter().flat_map(|v| v.to_le_bytes()).collect();
        to_f32(Dtype::F16, &f16_bytes, &mut out).unwrap();
        assert_eq!(out, [1.5, -0.25, f32::INFINITY]);

        let bf16_bytes: Vec<u8> =
            [1.5f32, -0.25, 1e30].iter().flat_map(|v| ((v.to_bits() >> 16) as u16).to_le_bytes()).collect();
        to_f32(Dtype::BF16, &bf16_bytes, &mut out).unwrap();
        assert_eq!(out[..2], [1.5, -0.25]);
        assert_eq!(out[2].to_bits(), 1e30f32.to_bits() & 0xffff_0000, "bf16 is the upper half of the f32");

        let f64_bytes: Vec<u8> = [0.1f64, -1e-50, f64::NAN].iter().flat_map(|v| v.to_le_bytes()).collect();
        to_f32(Dtype::F64, &f64_bytes, &mut out).unwrap();
        assert_eq!(out[0], 0.1f32, "rounded to the nearest f32");
        assert_eq!(out[1], -0.0, "below f32's smallest subnormal rounds to zero");
        assert!(out[2].is_nan());
    }

    #[test]
    fn refuses_integers_wrong_lengths_and_f64_values_beyond_f32() {
        let mut out = [0.0f32; 2];
        assert_eq!(to_f32(Dtype::I32, &[0; 8], &mut out), Err(ConvertError::NotFloat));
        assert_eq!(to_f32(Dtype::F32, &[0; 7], &mut out), Err(ConvertError::Length));
        assert_eq!(to_f32(Dtype::F16, &[0; 8], &mut out), Err(ConvertError::Length));
        let bytes: Vec<u8> = [1.0f64, 1e300].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(to_f32(Dtype::F64, &bytes, &mut out), Err(ConvertError::OutOfRange { index: 1, value: 1e300 }));
        let infinite: Vec<u8> = [1.0f64, f64::NEG_INFINITY].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(to_f32(Dtype::F64, &infinite, &mut out), Ok(()), "an infinity stays one");
        assert_eq!(out[1], f32::NEG_INFINITY);
    }
}
