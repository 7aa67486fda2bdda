//! QR codes as inline SVG, made at build time: a printed wall sheet leads
//! back to its live page.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use super::feed::xml_escape;

/// An `<svg>` element (no XML prolog, sized by CSS through its `viewBox`)
/// whose QR code encodes `url`, with `label` as its accessible name; None
/// when `url` is too long for a QR code.
pub fn svg(url: &str, label: &str) -> Option<String> {
    // Level M: survives a crease or a pin hole in the printed sheet.
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M).ok()?;
    let built = code
        .render::<svg::Color>()
        .quiet_zone(true)
        .module_dimensions(1, 1)
        .build();
    let at = built.find("<svg")?;
    let svg = &built[at..];
    // Fixed width and height would print it at one pixel per module.
    let open_end = svg.find('>')?;
    let open: String = svg[..open_end]
        .split(' ')
        .filter(|a| !a.starts_with("width=") && !a.starts_with("height="))
        .collect::<Vec<_>>()
        .join(" ");
    Some(format!(
        "{open} class=\"qr\" role=\"img\" aria-label=\"{}\"{}",
        xml_escape(label),
        &svg[open_end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inline_svg_without_fixed_size() {
        let s = svg("https://okrs.example.com/teams/eng/", "QR <code>").unwrap();
        assert!(
            s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{s}"
        );
        assert!(s.contains("viewBox=\"0 0 37 37\""), "{s}");
        let open = &s[..s.find('>').unwrap()];
        assert!(
            !open.contains(" width=") && !open.contains(" height="),
            "{open}"
        );
        assert!(s.contains("aria-label=\"QR &lt;code&gt;\""), "{s}");
        assert!(s.ends_with("</svg>"), "{s}");
        assert!(svg(&"x".repeat(5000), "too long").is_none());
    }
}
