//! multipart/form-data bodies, as the Spring services accepted them for form parameters: the
//! parts of a body already read whole (and so already bounded by the body limit). A part is a
//! field (no filename) or a file; nothing here allocates by a declared size.

use crate::error::Error;
use axum::body::Bytes;

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub name: String,
    /// Set for a file part.
    pub filename: Option<String>,
    pub data: Bytes,
}

fn malformed() -> Error {
    Error::bad_request("multipart 请求体格式错误")
}

/// Whether `content_type` is multipart/form-data.
pub fn is_multipart(content_type: &str) -> bool {
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
}

/// The `boundary` parameter of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (k, v) = param.split_once('=')?;
        if !k.trim().eq_ignore_ascii_case("boundary") {
            return None;
        }
        let v = v.trim().trim_matches('"');
        (!v.is_empty() && v.len() <= 70).then(|| v.to_string())
    })
}

/// The parts of `body`, in order.
pub fn parse(content_type: &str, body: &Bytes) -> Result<Vec<Part>, Error> {
    let boundary = boundary(content_type).ok_or_else(malformed)?;
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    // Skip the preamble up to the first delimiter.
    let mut at = find(body, delimiter, 0).ok_or_else(malformed)? + delimiter.len();
    loop {
        // After a delimiter: "--" ends the body, CRLF starts a part.
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        at = skip_line_end(body, at).ok_or_else(malformed)?;
        // A part with no headers at all starts with its blank line.
        let headers_end = if body[at..].starts_with(b"\r\n") {
            (at, at + 2)
        } else {
            find(body, b"\r\n\r\n", at)
                .map(|i| (i, i + 4))
                .ok_or_else(malformed)?
        };
        let headers = std::str::from_utf8(&body[at..headers_end.0]).map_err(|_| malformed())?;
        let data_start = headers_end.1;
        let next = find(body, delimiter, data_start).ok_or_else(malformed)?;
        // The part's data ends before the CRLF that precedes the next delimiter.
        let data_end = if next >= 2 && &body[next - 2..next] == b"\r\n" {
            next - 2
        } else {
            next
        };
        if data_end < data_start {
            return Err(malformed());
        }
        let (name, filename) = disposition(headers).ok_or_else(malformed)?;
        parts.push(Part {
            name,
            filename,
            data: body.slice(data_start..data_end),
        });
        at = next + delimiter.len();
    }
}

fn skip_line_end(body: &[u8], at: usize) -> Option<usize> {
    // Transport padding (spaces, tabs) may follow a delimiter.
    let mut i = at;
    while i < body.len() && (body[i] == b' ' || body[i] == b'\t') {
        i += 1;
    }
    body[i..].starts_with(b"\r\n").then_some(i + 2)
}

/// `name` and `filename` of a part's Content-Disposition: form-data header.
fn disposition(headers: &str) -> Option<(String, Option<String>)> {
    let line = headers.split("\r\n").find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(v)
    })?;
    let mut params = line.split(';');
    if !params.next()?.trim().eq_ignore_ascii_case("form-data") {
        return None;
    }
    let mut name = None;
    let mut filename = None;
    for p in params {
        let Some((k, v)) = p.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v)
            .to_string();
        match k.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(v),
            "filename" => filename = Some(v),
            _ => {}
        }
    }
    Some((name?, filename))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The fields (parts without a filename) as text parameters; invalid UTF-8 is refused.
pub fn fields(parts: &[Part]) -> Result<Vec<(String, String)>, Error> {
    parts
        .iter()
        .filter(|p| p.filename.is_none())
        .map(|p| {
            let text = std::str::from_utf8(&p.data).map_err(|_| {
                Error::bad_request(format!("参数 {} 不是合法的 UTF-8 文本", p.name))
            })?;
            Ok((p.name.clone(), text.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=----X";

    fn body(text: &str) -> Bytes {
        Bytes::from(text.replace('\n', "\r\n"))
    }

    #[test]
    fn fields_and_files_are_read() {
        let b = body(
            "preamble\n------X\nContent-Disposition: form-data; name=\"unionId\"\n\nu1\n\
             ------X\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\n\
             Content-Type: application/octet-stream\n\nPK\x03\n------X--\n",
        );
        let parts = parse(CT, &b).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "unionId");
        assert_eq!(&parts[0].data[..], b"u1");
        assert_eq!(parts[1].filename.as_deref(), Some("a.xlsx"));
        assert_eq!(&parts[1].data[..], b"PK\x03");
        assert_eq!(
            fields(&parts).unwrap(),
            vec![("unionId".to_string(), "u1".to_string())]
        );
    }

    #[test]
    fn broken_bodies_are_refused_not_panicked_on() {
        for b in [
            "",
            "------X",
            "------X\n",
            "------X\nContent-Disposition: form-data; name=\"a\"\n\nno end",
            "------X\nX: y\n\nv\n------X--",
            "------X\nContent-Disposition: attachment; name=\"a\"\n\nv\n------X--",
        ] {
            assert!(parse(CT, &body(b)).is_err(), "{b:?}");
        }
        assert!(parse("multipart/form-data", &body("------X--")).is_err());
        assert_eq!(parse(CT, &body("------X--")).unwrap(), vec![]);
    }
}
