#![cfg(feature = "std")]
//! Training curves as a PNG: loss and accuracy per epoch, training and validation.
//!
//! Written with no plotting dependency: a small raster canvas, a 5x7 bitmap font
//! for the labels, and a PNG encoder over the zlib stream of `flate2`.

use crate::error::{Error, Result};
use crate::train::History;
use std::io::Write;
use std::path::Path;

const PANEL_WIDTH: usize = 480;
const HEIGHT: usize = 320;
const MARGIN_LEFT: usize = 70;
const MARGIN_RIGHT: usize = 20;
const MARGIN_TOP: usize = 40;
const MARGIN_BOTTOM: usize = 50;
const BACKGROUND: Rgb = [255, 255, 255];
const INK: Rgb = [40, 40, 40];
const GRID: Rgb = [225, 225, 225];
const TRAIN: Rgb = [31, 119, 180];
const VALIDATION: Rgb = [255, 127, 14];

type Rgb = [u8; 3];

/// Write `history`'s loss and accuracy curves, side by side, to a PNG at `path`.
///
/// The file is written whole or not at all (through a temporary file renamed into place).
pub fn save_history_png(history: &History, path: &Path) -> Result<()> {
    if history.epochs.is_empty() {
        return Err(Error::InvalidArgument("no epochs to plot".into()));
    }
    let mut canvas = Canvas::new(2 * PANEL_WIDTH, HEIGHT);
    let validation = |f: fn(&crate::train::Evaluation) -> f32| -> Option<Vec<f32>> {
        history.epochs.iter().map(|e| e.validation.as_ref().map(f)).collect()
    };
    canvas.panel(0, "loss", &history.loss(), validation(|v| v.loss).as_deref());
    canvas.panel(PANEL_WIDTH, "accuracy", &history.accuracy(), validation(|v| v.accuracy).as_deref());
    crate::io::atomic::write(path, &canvas.png()?)
}

struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<Rgb>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Self {
        Canvas { width, height, pixels: vec![BACKGROUND; width * height] }
    }

    fn set(&mut self, x: i64, y: i64, color: Rgb) {
        if (0..self.width as i64).contains(&x) && (0..self.height as i64).contains(&y) {
            self.pixels[y as usize * self.width + x as usize] = color;
        }
    }

    fn rect(&mut self, x: i64, y: i64, w: i64, h: i64, color: Rgb) {
        for dy in 0..h {
            for dx in 0..w {
                self.set(x + dx, y + dy, color);
            }
        }
    }

    /// A line two pixels thick.
    fn line(&mut self, (x0, y0): (f64, f64), (x1, y1): (f64, f64), color: Rgb) {
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).ceil().max(1.0) as i64;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (x, y) = ((x0 + t * (x1 - x0)).round() as i64, (y0 + t * (y1 - y0)).round() as i64);
            self.rect(x, y, 2, 2, color);
        }
    }

    /// `text` in the 5x7 font at `scale`, its top-left corner at (x, y).
    fn text(&mut self, x: i64, y: i64, text: &str, scale: i64, color: Rgb) {
        for (i, c) in text.chars().enumerate() {
            let rows = glyph(c);
            for (r, row) in rows.iter().enumerate() {
                for (col, bit) in row.bytes().enumerate() {
                    if bit == b'#' {
                        let x = x + (i as i64 * 6 + col as i64) * scale;
                        self.rect(x, y + r as i64 * scale, scale, scale, color);
                    }
                }
            }
        }
    }

    fn text_width(text: &str, scale: i64) -> i64 {
        text.chars().count() as i64 * 6 * scale
    }

    /// One chart at horizontal offset `left`: axes, grid, labels, and the curves.
    fn panel(&mut self, left: usize, title: &str, train: &[f32], validation: Option<&[f32]>) {
        let (x0, y0) = ((left + MARGIN_LEFT) as f64, MARGIN_TOP as f64);
        let (w, h) = ((PANEL_WIDTH - MARGIN_LEFT - MARGIN_RIGHT) as f64, (HEIGHT - MARGIN_TOP - MARGIN_BOTTOM) as f64);
        let all = train.iter().chain(validation.unwrap_or(&[])).copied().filter(|v| v.is_finite());
        let (mut lo, mut hi) = all.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.05).max(1e-3);
        let (lo, hi) = (f64::from(lo - pad), f64::from(hi + pad));
        let epochs = train.len();
        let px = |i: usize| x0 + if epochs > 1 { w * i as f64 / (epochs - 1) as f64 } else { w / 2.0 };
        let py = |v: f32| y0 + h * (1.0 - (f64::from(v) - lo) / (hi - lo));

        for k in 0..=4 {
            let y = y0 + h * f64::from(k) / 4.0;
            self.rect(x0 as i64, y as i64, w as i64, 1, GRID);
            let value = hi - (hi - lo) * f64::from(k) / 4.0;
            let label = format!("{value:.3}");
            self.text(x0 as i64 - Self::text_width(&label, 1) - 6, y as i64 - 3, &label, 1, INK);
        }
        self.rect(x0 as i64, y0 as i64, 1, h as i64 + 1, INK);
        self.rect(x0 as i64, (y0 + h) as i64, w as i64 + 1, 1, INK);
        // Every epoch labelled when there is room, else about ten of them.
        let every = epochs.div_ceil(10).max(1);
        for i in (0..epochs).filter(|i| i % every == 0 || *i == epochs - 1) {
            let label = (i + 1).to_string();
            self.rect(px(i) as i64, (y0 + h) as i64, 1, 4, INK);
            self.text(px(i) as i64 - Self::text_width(&label, 1) / 2, (y0 + h) as i64 + 6, &label, 1, INK);
        }
        self.text((x0 + w / 2.0) as i64 - Self::text_width("epoch", 2) / 2, (y0 + h) as i64 + 20, "epoch", 2, INK);
        self.text(x0 as i64, 10, title, 2, INK);

        for (series, color) in [(Some(train), TRAIN), (validation, VALIDATION)] {
            let Some(series) = series else { continue };
            for (i, pair) in series.windows(2).enumerate() {
                if pair[0].is_finite() && pair[1].is_finite() {
                    self.line((px(i), py(pair[0])), (px(i + 1), py(pair[1])), color);
                }
            }
            for (i, v) in series.iter().enumerate().filter(|(_, v)| v.is_finite()) {
                self.rect(px(i) as i64 - 2, py(*v) as i64 - 2, 5, 5, color);
            }
        }
        let legend_x = (left + PANEL_WIDTH - MARGIN_RIGHT) as i64 - Self::text_width("validation", 1) - 20;
        for (row, (name, color)) in [("train", TRAIN), ("validation", VALIDATION)].into_iter().enumerate() {
            if name == "validation" && validation.is_none() {
                continue;
            }
            let y = 12 + row as i64 * 12;
            self.rect(legend_x, y, 10, 7, color);
            self.text(legend_x + 14, y, name, 1, INK);
        }
    }

    /// The canvas as an 8-bit RGB PNG.
    fn png(&self) -> Result<Vec<u8>> {
        let mut raw = Vec::with_capacity(self.height * (1 + 3 * self.width));
        for row in self.pixels.chunks_exact(self.width) {
            raw.push(0); // filter: none
            raw.extend(row.iter().flatten());
        }
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let compressed = zlib.write_all(&raw).and_then(|()| zlib.finish());
        let compressed =
            compressed.map_err(|e| Error::InvalidArgument(format!("compressing the image failed: {e}")))?;
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = Vec::new();
        header.extend((self.width as u32).to_be_bytes());
        header.extend((self.height as u32).to_be_bytes());
        header.extend([8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter method, no interlace
        chunk(&mut png, b"IHDR", &header);
        chunk(&mut png, b"IDAT", &compressed);
        chunk(&mut png, b"IEND", &[]);
        Ok(png)
    }
}

/// Append one PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend((data.len() as u32).to_be_bytes());
    png.extend(kind);
    png.extend(data);
    png.extend(crc32(kind.iter().chain(data)).to_be_bytes());
}

/// CRC-32 (IEEE, as PNG uses), bit by bit.
fn crc32<'a>(bytes: impl Iterator<Item = &'a u8>) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// The 5x7 bitmap of `c`; characters without one draw as a blank.
fn glyph(c: char) -> [&'static str; 7] {
    match c {
        '0' => [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        '1' => ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        '2' => [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        '3' => ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        '4' => ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        '5' => ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        '6' => ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        '7' => ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        '8' => [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        '9' => [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        '.' => [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        '-' => [".....", ".....", ".....", ".###.", ".....", ".....", "....."],
        'a' => [".....", ".....", ".###.", "....#", ".####", "#...#", ".####"],
        'c' => [".....", ".....", ".###.", "#....", "#....", "#...#", ".###."],
        'd' => ["....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"],
        'e' => [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
        'h' => ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
        'i' => ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."],
        'l' => [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        'n' => [".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
        'o' => [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."],
        'p' => [".....", ".....", "####.", "#...#", "####.", "#....", "#...."],
        'r' => [".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."],
        's' => [".....", ".....", ".###.", "#....", ".###.", "....#", "####."],
        't' => [".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."],
        'u' => [".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"],
        'v' => [".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        'y' => [".....", ".....", "#...#", "#...#", ".####", "....#", ".###."],
        _ => ["....."; 7],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{EpochLog, Evaluation};

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789".iter()), 0xCBF4_3926);
    }

    #[test]
    fn writes_a_png_of_the_expected_size() {
        let epochs = (1..=5)
            .map(|e| EpochLog {
                epoch: e,
                loss: 1.0 / e as f32,
                accuracy: 1.0 - 0.5 / e as f32,
                validation: Some(Evaluation { loss: 1.2 / e as f32, accuracy: 0.9 }),
            })
            .collect();
        let dir = std::env::temp_dir().join(format!("nn-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("curves.png");
        save_history_png(&History { epochs, best_epoch: None }, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&bytes[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 960);
        assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 320);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file left behind");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_empty_history_or_a_missing_folder_is_an_error() {
        assert!(save_history_png(&History::default(), Path::new("x.png")).is_err());
        let history = History {
            epochs: vec![EpochLog { epoch: 1, loss: 1.0, accuracy: 0.5, validation: None }],
            best_epoch: None,
        };
        let error = save_history_png(&history, Path::new("/nonexistent-folder/x.png")).unwrap_err();
        assert!(error.to_string().starts_with("/nonexistent-folder/x.png: "), "{error}");
    }
}
