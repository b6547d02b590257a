//! QR codes as SVG: the screens' join links, the H5 join link and the scan-to-sign-in code.

/// A QR code of `text` as SVG (error correction M, a quiet zone), or none when too long.
pub fn svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
    )
}
