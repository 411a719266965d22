//! SVG captcha image rendering (the `captchaBase64` of uni-captcha).
//!
//! uni-captcha hands the client an SVG document as a data URI. An SVG is
//! text, so anything written with `<text>` (or a font, a `<title>`, an id or
//! an aria label) would ship the answer to the client in plain sight, and a
//! bot would only have to read the markup. Instead every character is drawn
//! from a small built-in stroke font as `<path>` geometry: the answer exists
//! only as pixels once rendered, never as characters in the document.
//!
//! Each glyph is distorted independently (rotation, scale, shear, position
//! and per-point wobble), and noise curves drawn from the same colours and an
//! overlapping range of stroke widths cross the image, so that they cannot be
//! removed by filtering on width or colour. Elements are shuffled so that
//! document order does not separate them either.
//!
//! This is a speed bump, as uni-captcha's own SVG is: a determined bot can
//! still render each `<path>` on its own and classify it. What it rules out
//! is reading the answer straight out of the markup.
//!
//! Coordinates are printed with at most one decimal, which keeps a 4-char
//! captcha at about 1.5-2 KB of SVG.

use rand::Rng;
use rand::seq::SliceRandom;
use std::fmt::Write as _;

/// Characters a generated captcha uses.
///
/// Upper-case letters and digits only, since answers are compared
/// case-insensitively. Look-alikes that no glyph design can separate are left
/// out: `0`/`O`/`Q` and `1`/`I`. The remaining close pairs (`5`/`S`, `8`/`B`,
/// `2`/`Z`, `6`/`G`, `4`/`A`) stay, and their glyphs are drawn to differ in
/// shape (see the glyph table below).
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPRSTUVWXYZ";

/// Rendering options, mirroring uni-captcha's `width`, `height`, `noise`,
/// `background` and `color` settings.
#[derive(Clone, Debug)]
pub struct ImageOptions {
    pub width: u32,
    pub height: u32,
    /// Number of noise curves drawn across the image.
    pub noise: u32,
    /// Background colour as `#RGB` or `#RRGGBB`. Anything else falls back to
    /// the default, because the value ends up inside an attribute and must
    /// never be able to break (or inject into) the markup.
    pub background: String,
    /// Random dark colours when true, dark greys when false.
    pub color: bool,
}

impl Default for ImageOptions {
    fn default() -> Self {
        // uni-captcha's defaults.
        Self {
            width: 150,
            height: 50,
            noise: 4,
            background: DEFAULT_BACKGROUND.to_string(),
            color: false,
        }
    }
}

/// Upper bound on noise curves (and thus dots) per image.
const MAX_NOISE: u32 = 32;

const DEFAULT_BACKGROUND: &str = "#FFFAE8";
const DEFAULT_BACKGROUND_RGB: (u8, u8, u8) = (0xFF, 0xFA, 0xE8);

/// Random answer text of `len` characters drawn uniformly from [`ALPHABET`].
///
/// `rng` should be a CSPRNG (e.g. `rand::rngs::OsRng` or `thread_rng()`),
/// since the text is a secret.
pub fn random_text(rng: &mut impl Rng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Renders `text` as a standalone SVG document.
///
/// Callers are expected to pass characters from [`ALPHABET`] or the digits
/// `0`-`9` (test mode uses `"1234"`); lower-case ASCII letters are drawn as
/// their upper-case glyph. Any other character has no glyph and is silently
/// skipped rather than failing, so an empty or unsupported text yields just
/// the background and the noise.
pub fn render_svg(text: &str, opts: &ImageOptions, rng: &mut impl Rng) -> String {
    let w = f64::from(opts.width);
    let h = f64::from(opts.height);
    let mut out = String::with_capacity(3072);

    let (br, bg, bb) = parse_hex_color(&opts.background).unwrap_or(DEFAULT_BACKGROUND_RGB);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">\
         <rect width=\"100%\" height=\"100%\" fill=\"rgb({br},{bg},{bb})\"/>\
         <g fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">",
        opts.width, opts.height
    );

    // Every element is rendered into its own string and the lot is shuffled
    // before output, so that document order does not tell glyphs from noise.
    let mut elements: Vec<String> = Vec::new();

    let glyphs: Vec<Vec<Seg>> = text
        .chars()
        .filter_map(|c| glyph_def(c).and_then(parse_glyph))
        .collect();
    if !glyphs.is_empty() {
        let n = glyphs.len() as f64;
        let margin = w * 0.06;
        let cell = (w - 2.0 * margin) / n;
        // Fit the glyph box into its cell and into the image height; the
        // height factor leaves room for rotation and vertical jitter.
        let base = (h * 0.58 / GRID_H).min(cell * 0.9 / GRID_W);
        for (i, segs) in glyphs.iter().enumerate() {
            let cx = margin + cell * (i as f64 + 0.5) + uniform(rng, -0.08, 0.08) * cell;
            let cy = h / 2.0 + uniform(rng, -0.07, 0.07) * h;
            let mut el = String::with_capacity(400);
            draw_glyph(&mut el, segs, cx, cy, base, opts.color, rng);
            elements.push(el);
        }
    }

    // Capped so that a misconfigured `noise` cannot turn one request into an
    // unbounded amount of work.
    let noise = opts.noise.min(MAX_NOISE);
    for _ in 0..noise {
        let mut el = String::with_capacity(100);
        noise_curve(&mut el, w, h, opts.color, rng);
        elements.push(el);
    }
    // A few dots: cheap clutter that breaks up connected-component analysis.
    for _ in 0..noise * 2 {
        let (r, g, b) = ink(opts.color, rng);
        // Fixed one decimal (see `push_stroke`).
        elements.push(format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"rgb({r},{g},{b})\"/>",
            uniform(rng, 0.0, w),
            uniform(rng, 0.0, h),
            uniform(rng, 0.8, 1.6)
        ));
    }

    elements.shuffle(rng);
    for el in &elements {
        out.push_str(el);
    }
    out.push_str("</g></svg>");
    out
}

/// `data:image/svg+xml;base64,...`, the shape of uni-captcha's
/// `captchaBase64`.
pub fn to_data_uri(svg: &str) -> String {
    let mut out = String::from("data:image/svg+xml;base64,");
    base64_encode_into(&mut out, svg.as_bytes());
    out
}

/// Standard-alphabet base64 with padding (RFC 4648 §4); small enough that a
/// dependency is not worth it.
fn base64_encode_into(out: &mut String, bytes: &[u8]) {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk[0]);
        let b1 = chunk.get(1).copied().map_or(0, u32::from);
        let b2 = chunk.get(2).copied().map_or(0, u32::from);
        let n = (b0 << 16) | (b1 << 8) | b2;
        let sextet = |shift: u32| char::from(TABLE[((n >> shift) & 0x3F) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
}

// ---------------------------------------------------------------------------
// Stroke font
// ---------------------------------------------------------------------------

/// Glyphs live on a 10 x 14 grid, y pointing down, baseline at y = 14.
const GRID_W: f64 = 10.0;
const GRID_H: f64 = 14.0;

/// Each glyph is a tiny path language: `M x y` starts a stroke, `L x y`
/// draws a line, `Q cx cy x y` a quadratic curve. Round parts use
/// quarter-curves with the control point on the bounding-box corner.
///
/// Pairs that are easy to confuse are kept apart on purpose: `B` and `D`
/// have a straight left stem while `8`, `3` and `0` do not; `5` has a flat
/// top and a square corner where `S` is all curves; `2` has a round top where
/// `Z` is all straight lines; `G` has a bar and an open top-right where `6`
/// has a closed bottom loop; `4` is open at the top so that a tilted one is
/// not an `A`; `0` carries a slash.
const GLYPHS: &[(u8, &str)] = &[
    (
        b'0',
        "M 5 0 Q 0 0 0 7 Q 0 14 5 14 Q 10 14 10 7 Q 10 0 5 0 M 8 2.5 L 2 11.5",
    ),
    (b'1', "M 1.5 3.5 L 6 0 L 6 14 M 2 14 L 10 14"),
    (
        b'2',
        "M 0.7 3.5 Q 1 0 5 0 Q 9.5 0 9.5 4 Q 9.5 6.5 6 9 L 0.5 14 L 9.5 14",
    ),
    (
        b'3',
        "M 0.5 1.8 Q 2 0 5 0 Q 9 0 9 3.5 Q 9 7 4 7 Q 9.5 7 9.5 10.5 Q 9.5 14 5 14 Q 2 14 0.3 12.2",
    ),
    (b'4', "M 6 0 L 0.5 9.5 L 10 9.5 M 7.5 4.5 L 7.5 14"),
    (
        b'5',
        "M 9 0 L 1.5 0 L 1 6.5 Q 3 5.5 5 5.5 Q 9.5 5.5 9.5 9.8 Q 9.5 14 5 14 Q 2 14 0.3 12.5",
    ),
    (
        b'6',
        "M 8.8 1.2 Q 7.5 0 5.5 0 Q 0.5 0 0.5 8.5 Q 0.5 14 5 14 Q 9.5 14 9.5 9.8 Q 9.5 5.5 5 5.5 Q 1.5 5.5 0.5 8.5",
    ),
    (b'7', "M 0.5 0 L 9.5 0 Q 6 5 4 14"),
    (
        b'8',
        "M 5 7 Q 1 7 1 3.5 Q 1 0 5 0 Q 9 0 9 3.5 Q 9 7 5 7 Q 0.5 7 0.5 10.5 Q 0.5 14 5 14 Q 9.5 14 9.5 10.5 Q 9.5 7 5 7",
    ),
    (
        b'9',
        "M 9.5 5.5 Q 8.5 8.5 5 8.5 Q 0.5 8.5 0.5 4.2 Q 0.5 0 5 0 Q 9.5 0 9.5 5.5 Q 9.5 14 4.5 14 Q 2.5 14 1.2 12.8",
    ),
    (b'A', "M 0 14 L 5 0 L 10 14 M 1.8 9 L 8.2 9"),
    (
        b'B',
        "M 1 0 L 1 14 L 6 14 Q 10 14 10 10.5 Q 10 7 6 7 L 1 7 M 1 0 L 5.5 0 Q 9 0 9 3.5 Q 9 7 5.5 7",
    ),
    (
        b'C',
        "M 10 2 Q 8 0 5.5 0 Q 0 0 0 7 Q 0 14 5.5 14 Q 8 14 10 12",
    ),
    (
        b'D',
        "M 1 0 L 1 14 L 4.5 14 Q 10 14 10 7 Q 10 0 4.5 0 L 1 0",
    ),
    (b'E', "M 10 0 L 1 0 L 1 14 L 10 14 M 1 7 L 8 7"),
    (b'F', "M 10 0 L 1 0 L 1 14 M 1 7 L 8 7"),
    (
        b'G',
        "M 10 2 Q 8 0 5.5 0 Q 0 0 0 7 Q 0 14 5.5 14 Q 10 14 10 9 L 10 8 L 5.5 8",
    ),
    (b'H', "M 0.5 0 L 0.5 14 M 9.5 0 L 9.5 14 M 0.5 7 L 9.5 7"),
    (b'J', "M 4 0 L 9 0 L 9 10 Q 9 14 5 14 Q 1 14 1 10.5"),
    (b'K', "M 1 0 L 1 14 M 10 0 L 1 9 M 4 6.5 L 10 14"),
    (b'L', "M 1 0 L 1 14 L 10 14"),
    (b'M', "M 0 14 L 0 0 L 5 9 L 10 0 L 10 14"),
    (b'N', "M 0.5 14 L 0.5 0 L 9.5 14 L 9.5 0"),
    (b'P', "M 1 14 L 1 0 L 6 0 Q 10 0 10 4 Q 10 8 6 8 L 1 8"),
    (
        b'R',
        "M 1 14 L 1 0 L 6 0 Q 10 0 10 4 Q 10 8 6 8 L 1 8 M 5.5 8 L 10 14",
    ),
    (
        b'S',
        "M 10 2 Q 8.5 0 5 0 Q 0.5 0 0.5 3.7 Q 0.5 7 5 7 Q 9.5 7 9.5 10.5 Q 9.5 14 5 14 Q 1.5 14 0 12",
    ),
    (b'T', "M 0 0 L 10 0 M 5 0 L 5 14"),
    (b'U', "M 0.5 0 L 0.5 9 Q 0.5 14 5 14 Q 9.5 14 9.5 9 L 9.5 0"),
    (b'V', "M 0 0 L 5 14 L 10 0"),
    (b'W', "M 0 0 L 2.5 14 L 5 4 L 7.5 14 L 10 0"),
    (b'X', "M 0.5 0 L 9.5 14 M 9.5 0 L 0.5 14"),
    (b'Y', "M 0 0 L 5 7 L 10 0 M 5 7 L 5 14"),
    (b'Z', "M 0.5 0 L 9.5 0 L 0.5 14 L 9.5 14"),
];

#[derive(Clone, Copy, Debug, PartialEq)]
struct Pt {
    x: f64,
    y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Seg {
    Move(Pt),
    Line(Pt),
    Quad(Pt, Pt),
}

fn glyph_def(c: char) -> Option<&'static str> {
    let c = c.to_ascii_uppercase();
    GLYPHS
        .iter()
        .find(|(g, _)| char::from(*g) == c)
        .map(|(_, def)| *def)
}

/// `None` for a malformed definition; the tests guarantee that every
/// built-in glyph parses, so rendering never has to fail.
fn parse_glyph(def: &str) -> Option<Vec<Seg>> {
    fn pt<'a>(it: &mut impl Iterator<Item = &'a str>) -> Option<Pt> {
        let x = it.next()?.parse().ok()?;
        let y = it.next()?.parse().ok()?;
        Some(Pt { x, y })
    }
    let mut it = def.split_ascii_whitespace();
    let mut segs = Vec::new();
    while let Some(cmd) = it.next() {
        segs.push(match cmd {
            "M" => Seg::Move(pt(&mut it)?),
            "L" => Seg::Line(pt(&mut it)?),
            "Q" => {
                let c = pt(&mut it)?;
                Seg::Quad(c, pt(&mut it)?)
            }
            _ => return None,
        });
    }
    matches!(segs.first(), Some(Seg::Move(_))).then_some(segs)
}

// ---------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------

/// Per-glyph affine transform from grid units to pixels.
struct Affine {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    tx: f64,
    ty: f64,
}

impl Affine {
    fn apply(&self, p: Pt) -> Pt {
        Pt {
            x: self.a * p.x + self.c * p.y + self.tx,
            y: self.b * p.x + self.d * p.y + self.ty,
        }
    }
}

fn draw_glyph<R: Rng + ?Sized>(
    out: &mut String,
    segs: &[Seg],
    cx: f64,
    cy: f64,
    base: f64,
    color: bool,
    rng: &mut R,
) {
    let sx = base * uniform(rng, 0.85, 1.15);
    let sy = base * uniform(rng, 0.85, 1.1);
    let shear = uniform(rng, -0.2, 0.2);
    let theta = uniform(rng, -25.0, 25.0).to_radians();
    let (sin, cos) = theta.sin_cos();
    // rotate(theta) * [[sx, shear*sx], [0, sy]]
    let m = Affine {
        a: cos * sx,
        b: sin * sx,
        c: cos * shear * sx - sin * sy,
        d: sin * shear * sx + cos * sy,
        tx: cx,
        ty: cy,
    };

    // Wobble is remembered per grid point so that strokes meeting at a
    // shared point (the junctions of B, H, 8, ...) still meet after
    // distortion; a gap there would make the glyph harder to read for
    // humans, not for machines.
    let mut wobbled: Vec<(Pt, Pt)> = Vec::with_capacity(24);
    let mut place = |p: Pt, rng: &mut R| -> Pt {
        let q = match wobbled.iter().find(|(orig, _)| *orig == p) {
            Some((_, q)) => *q,
            None => {
                let q = Pt {
                    x: p.x - GRID_W / 2.0 + uniform(rng, -0.45, 0.45),
                    y: p.y - GRID_H / 2.0 + uniform(rng, -0.45, 0.45),
                };
                wobbled.push((p, q));
                q
            }
        };
        m.apply(q)
    };

    out.push_str("<path d=\"");
    for seg in segs {
        match *seg {
            Seg::Move(p) => {
                out.push('M');
                push_pt(out, place(p, rng));
            }
            Seg::Line(p) => {
                out.push('L');
                push_pt(out, place(p, rng));
            }
            Seg::Quad(c, p) => {
                out.push('Q');
                push_pt(out, place(c, rng));
                out.push(' ');
                push_pt(out, place(p, rng));
            }
        }
    }
    push_stroke(out, color, 2.0, 3.4, rng);
}

/// A smooth curve sweeping across the image from one edge band to the other.
///
/// Curves start near the top or bottom and end on the opposite side, so they
/// cross the glyphs at an angle: a human easily looks past them, whereas a
/// curve running along the middle would merge with horizontal strokes
/// (E, H, Z, ...) and hurt legibility more than it hurts a bot.
fn noise_curve<R: Rng + ?Sized>(out: &mut String, w: f64, h: f64, color: bool, rng: &mut R) {
    let (y_start, y_end) = if rng.r#gen::<bool>() {
        (uniform(rng, 0.0, 0.35), uniform(rng, 0.65, 1.0))
    } else {
        (uniform(rng, 0.65, 1.0), uniform(rng, 0.0, 0.35))
    };
    let p0 = Pt {
        x: uniform(rng, 0.0, 0.25) * w,
        y: y_start * h,
    };
    let c = Pt {
        x: uniform(rng, 0.3, 0.7) * w,
        y: uniform(rng, -0.4, 1.4) * h,
    };
    let p3 = Pt {
        x: uniform(rng, 0.75, 1.0) * w,
        y: y_end * h,
    };
    // A quadratic like the glyph strokes, so that the path commands used do
    // not single out the noise either.
    out.push_str("<path d=\"M");
    push_pt(out, p0);
    out.push('Q');
    push_pt(out, c);
    out.push(' ');
    push_pt(out, p3);
    // Slightly thinner on average than the glyphs but overlapping their
    // range, so stroke width alone cannot separate noise from text.
    push_stroke(out, color, 1.4, 2.6, rng);
}

/// Closes a `<path d="...` with its stroke colour and width.
fn push_stroke<R: Rng + ?Sized>(
    out: &mut String,
    color: bool,
    min_w: f64,
    max_w: f64,
    rng: &mut R,
) {
    let (r, g, b) = ink(color, rng);
    // Always one decimal: a bare single digit could coincide with an answer
    // character, and there is no reason to allow even that.
    let _ = write!(
        out,
        "\" stroke=\"rgb({r},{g},{b})\" stroke-width=\"{:.1}\"/>",
        uniform(rng, min_w, max_w)
    );
}

/// A dark colour that reads well on a light background. Colours are printed
/// as `rgb()` rather than hex so that no hex digits can spell anything.
fn ink<R: Rng + ?Sized>(color: bool, rng: &mut R) -> (u8, u8, u8) {
    if color {
        hsl_to_rgb(
            uniform(rng, 0.0, 360.0),
            uniform(rng, 0.45, 0.85),
            uniform(rng, 0.18, 0.36),
        )
    } else {
        let v = rng.gen_range(0x20..=0x60u8);
        (v, v, v)
    }
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = (h / 60.0).rem_euclid(6.0);
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    // `as u8` saturates, so out-of-range values cannot wrap.
    let to = |v: f64| ((v + m) * 255.0).round() as u8;
    (to(r), to(g), to(b))
}

fn parse_hex_color(s: &str) -> Option<(u8, u8, u8)> {
    let hex = s.strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let digit = |i: usize| u8::from_str_radix(hex.get(i..=i)?, 16).ok();
    match hex.len() {
        3 => Some((digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
        6 => {
            let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
            Some((byte(0)?, byte(2)?, byte(4)?))
        }
        _ => None,
    }
}

/// Uniform in `[lo, hi)`; unlike `gen_range` it cannot panic on an empty
/// range (a zero-sized image is odd, not an error).
fn uniform<R: Rng + ?Sized>(rng: &mut R, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.r#gen::<f64>()
}

fn push_pt(out: &mut String, p: Pt) {
    push_num(out, p.x);
    out.push(' ');
    push_num(out, p.y);
}

/// At most one decimal and no trailing `.0`, which roughly halves the size of
/// the path data compared with default float formatting.
fn push_num(out: &mut String, v: f64) {
    let tenths = if v.is_finite() {
        (v * 10.0).round() as i64
    } else {
        0
    };
    if tenths < 0 {
        out.push('-');
    }
    let t = tenths.unsigned_abs();
    let _ = write!(out, "{}", t / 10);
    if t % 10 != 0 {
        let _ = write!(out, ".{}", t % 10);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn digits_and_alphabet() -> impl Iterator<Item = u8> {
        ALPHABET.iter().copied().chain(b'0'..=b'9')
    }

    #[test]
    fn every_alphabet_char_and_digit_has_a_valid_glyph() {
        for c in digits_and_alphabet() {
            let def = glyph_def(char::from(c))
                .unwrap_or_else(|| panic!("no glyph for {}", char::from(c)));
            let segs = parse_glyph(def)
                .unwrap_or_else(|| panic!("glyph {} does not parse", char::from(c)));
            assert!(segs.len() >= 2, "glyph {} is empty", char::from(c));
            for seg in segs {
                let pts = match seg {
                    Seg::Move(p) | Seg::Line(p) => vec![p],
                    Seg::Quad(c, p) => vec![c, p],
                };
                for p in pts {
                    assert!(
                        (0.0..=GRID_W).contains(&p.x) && (0.0..=GRID_H).contains(&p.y),
                        "glyph {} leaves the grid at {p:?}",
                        char::from(c)
                    );
                }
            }
        }
    }

    #[test]
    fn glyph_table_has_no_duplicates() {
        for (i, (a, _)) in GLYPHS.iter().enumerate() {
            assert!(GLYPHS[i + 1..].iter().all(|(b, _)| a != b));
        }
    }

    #[test]
    fn alphabet_is_upper_case_without_look_alikes() {
        assert!(ALPHABET.len() >= 20);
        for &c in ALPHABET {
            assert!(c.is_ascii_uppercase() || c.is_ascii_digit());
            assert!(!b"0O1IQ".contains(&c), "look-alike {}", char::from(c));
        }
        for (i, c) in ALPHABET.iter().enumerate() {
            assert!(
                !ALPHABET[i + 1..].contains(c),
                "duplicate {}",
                char::from(*c)
            );
        }
    }

    #[test]
    fn random_text_only_uses_alphabet() {
        let mut rng = StdRng::seed_from_u64(1);
        for len in [0, 1, 4, 6, 32] {
            let t = random_text(&mut rng, len);
            assert_eq!(t.len(), len);
            assert!(t.bytes().all(|b| ALPHABET.contains(&b)));
        }
        // Over many draws every character shows up, i.e. the index range is
        // not off by one.
        let many = random_text(&mut rng, 5000);
        assert!(ALPHABET.iter().all(|c| many.as_bytes().contains(c)));
    }

    /// Values of every `name="value"` attribute in the document.
    fn attribute_values(svg: &str) -> Vec<&str> {
        svg.split("=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect()
    }

    fn assert_well_formed(svg: &str, opts: &ImageOptions) {
        let head = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\">",
            opts.width, opts.height
        );
        assert!(svg.starts_with(&head), "bad head: {svg}");
        assert!(svg.ends_with("</g></svg>"));
        assert_eq!(svg.matches("<rect").count(), 1);
        let elements = svg.matches("<path").count()
            + svg.matches("<rect").count()
            + svg.matches("<circle").count();
        assert_eq!(elements, svg.matches("/>").count());
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
        assert_eq!(svg.matches('<').count(), svg.matches('>').count());
        assert_eq!(svg.matches('"').count() % 2, 0);
    }

    #[test]
    fn answer_never_appears_in_output() {
        let mut rng = StdRng::seed_from_u64(42);
        for i in 0..200 {
            let opts = ImageOptions {
                color: i % 2 == 0,
                ..ImageOptions::default()
            };
            let len = 4 + i % 3;
            let text = random_text(&mut rng, len);
            let svg = render_svg(&text, &opts, &mut rng);
            assert_well_formed(&svg, &opts);
            assert!(!svg.contains(&text), "{text} in {svg}");
            assert!(!svg.contains("<text"));
            assert!(!svg.contains("font"));
            assert!(!svg.contains("<title") && !svg.contains("<desc") && !svg.contains("aria"));
            assert!(!svg.contains("id=") && !svg.contains("<!--"));
            // One stroked glyph path per character: nothing else carries it.
            assert_eq!(svg.matches("<path").count(), len + 4);
            // The namespace URI is fixed text, not output of the renderer.
            for value in attribute_values(&svg)
                .into_iter()
                .filter(|v| !v.starts_with("http"))
            {
                assert!(!value.eq_ignore_ascii_case(&text));
                assert!(!value.to_ascii_uppercase().contains(&text));
                for c in text.chars() {
                    assert!(
                        !value.eq_ignore_ascii_case(c.encode_utf8(&mut [0; 4])),
                        "attribute value {value:?} is an answer character"
                    );
                }
            }
        }
    }

    #[test]
    fn four_char_captcha_is_small() {
        let mut rng = StdRng::seed_from_u64(3);
        for color in [false, true] {
            let opts = ImageOptions {
                color,
                ..ImageOptions::default()
            };
            for _ in 0..50 {
                let text = random_text(&mut rng, 4);
                let svg = render_svg(&text, &opts, &mut rng);
                assert!(svg.len() < 6 * 1024, "{} bytes", svg.len());
            }
            let svg = render_svg("1234", &opts, &mut rng);
            assert!(svg.len() < 6 * 1024);
        }
    }

    #[test]
    fn coordinates_have_at_most_one_decimal() {
        let mut rng = StdRng::seed_from_u64(5);
        let svg = render_svg("AB8S", &ImageOptions::default(), &mut rng);
        for token in svg.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
            if let Some((_, frac)) = token.split_once('.') {
                assert!(frac.len() <= 1, "{token}");
            }
        }
    }

    #[test]
    fn deterministic_with_seeded_rng() {
        let opts = ImageOptions::default();
        let a = render_svg("ABCD", &opts, &mut StdRng::seed_from_u64(9));
        let b = render_svg("ABCD", &opts, &mut StdRng::seed_from_u64(9));
        let c = render_svg("ABCD", &opts, &mut StdRng::seed_from_u64(10));
        assert_eq!(a, b);
        assert_ne!(a, c);
        let t1 = random_text(&mut StdRng::seed_from_u64(9), 6);
        let t2 = random_text(&mut StdRng::seed_from_u64(9), 6);
        assert_eq!(t1, t2);
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let mut rng = StdRng::seed_from_u64(11);
        let odd = [
            ImageOptions::default(),
            ImageOptions {
                width: 0,
                height: 0,
                noise: 0,
                ..ImageOptions::default()
            },
            ImageOptions {
                width: 1,
                height: u32::MAX,
                noise: 1000,
                background: "\"/><script>".into(),
                color: true,
            },
        ];
        for opts in &odd {
            for text in [
                "",
                "1234",
                "abc",
                "!? é🙂\u{0}",
                "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ] {
                let svg = render_svg(text, opts, &mut rng);
                assert_well_formed(&svg, opts);
                assert!(!svg.contains("script"));
            }
        }
    }

    #[test]
    fn empty_text_is_background_and_noise_only() {
        let mut rng = StdRng::seed_from_u64(12);
        let opts = ImageOptions::default();
        let svg = render_svg("", &opts, &mut rng);
        assert_well_formed(&svg, &opts);
        assert_eq!(svg.matches("<path").count(), opts.noise as usize);
        // Unknown characters are skipped the same way.
        let svg = render_svg("!!", &opts, &mut rng);
        assert_eq!(svg.matches("<path").count(), opts.noise as usize);
    }

    #[test]
    fn background_colour_is_sanitised() {
        assert_eq!(parse_hex_color("#FFFAE8"), Some((255, 250, 232)));
        assert_eq!(parse_hex_color("#fff"), Some((255, 255, 255)));
        assert_eq!(parse_hex_color("#12345"), None);
        assert_eq!(parse_hex_color("FFFAE8"), None);
        assert_eq!(parse_hex_color("#GGGGGG"), None);
        assert_eq!(parse_hex_color("#ÿÿÿ"), None);
        let mut rng = StdRng::seed_from_u64(13);
        let svg = render_svg(
            "AB",
            &ImageOptions {
                background: "#000".into(),
                ..ImageOptions::default()
            },
            &mut rng,
        );
        assert!(svg.contains("fill=\"rgb(0,0,0)\"/>"));
    }

    #[test]
    fn number_formatting() {
        let fmt = |v: f64| {
            let mut s = String::new();
            push_num(&mut s, v);
            s
        };
        assert_eq!(fmt(0.0), "0");
        assert_eq!(fmt(-0.04), "0");
        assert_eq!(fmt(12.34), "12.3");
        assert_eq!(fmt(12.96), "13");
        assert_eq!(fmt(-3.25), "-3.3");
        assert_eq!(fmt(-0.5), "-0.5");
        assert_eq!(fmt(f64::NAN), "0");
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let enc = |b: &[u8]| {
            let mut s = String::new();
            base64_encode_into(&mut s, b);
            s
        };
        assert_eq!(enc(b""), "");
        assert_eq!(enc(b"f"), "Zg==");
        assert_eq!(enc(b"fo"), "Zm8=");
        assert_eq!(enc(b"foo"), "Zm9v");
        assert_eq!(enc(b"foob"), "Zm9vYg==");
        assert_eq!(enc(b"fooba"), "Zm9vYmE=");
        assert_eq!(enc(b"foobar"), "Zm9vYmFy");
        assert_eq!(enc(&[0xFB, 0xFF, 0xFE]), "+//+");
        assert_eq!(enc(&[0, 0x10, 0x83]), "ABCD");
    }

    #[test]
    fn data_uri_wraps_the_svg() {
        assert_eq!(to_data_uri("foobar"), "data:image/svg+xml;base64,Zm9vYmFy");
        let mut rng = StdRng::seed_from_u64(14);
        let uri = to_data_uri(&render_svg("ABCD", &ImageOptions::default(), &mut rng));
        assert!(uri.starts_with("data:image/svg+xml;base64,PHN2Zy"));
    }
}
