//! A small XML reader and writer for WeChat's callback bodies: elements, text, CDATA, the five
//! predefined entities and character references. It refuses DTDs and entity declarations (no
//! XXE, no entity expansion) by not knowing them, and caps the size and the depth.

use crate::error::CallbackError;
use std::borrow::Cow;

/// Largest body accepted. WeChat's pushes are a few KB.
pub const MAX_XML_BYTES: usize = 64 * 1024;
const MAX_DEPTH: usize = 8;
const MAX_ELEMENTS: usize = 512;

/// An element: its name, its text (CDATA and text joined) and its children. It borrows from
/// the input: a text that is one CDATA section or plain text is not copied.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element<'a> {
    pub name: &'a str,
    pub text: Cow<'a, str>,
    pub children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_ref())
    }

    fn push_text(&mut self, text: Cow<'a, str>) {
        if self.text.is_empty() {
            self.text = text;
        } else {
            self.text.to_mut().push_str(&text);
        }
    }
}

fn err(detail: &str) -> CallbackError {
    CallbackError::Xml(detail.to_string())
}

/// Parses a document with one root element.
///
/// ```
/// let root = wechat::xml::parse("<xml><A><![CDATA[x]]></A><B>1</B></xml>").unwrap();
/// assert_eq!(root.child_text("A"), Some("x"));
/// assert!(wechat::xml::parse("<!DOCTYPE x [<!ENTITY e \"boom\">]><xml>&e;</xml>").is_err());
/// ```
pub fn parse(input: &str) -> Result<Element<'_>, CallbackError> {
    if input.len() > MAX_XML_BYTES {
        return Err(err("body too large"));
    }
    let mut p = Parser {
        s: input.as_bytes(),
        src: input,
        i: 0,
        elements: 0,
    };
    p.skip_prolog()?;
    let root = p.element(0)?;
    p.skip_misc()?;
    if p.i != p.s.len() {
        return Err(err("content after the root element"));
    }
    Ok(root)
}

struct Parser<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    elements: usize,
}

impl<'a> Parser<'a> {
    fn starts(&self, pat: &str) -> bool {
        self.s[self.i..].starts_with(pat.as_bytes())
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn skip_past(&mut self, end: &str) -> Result<(), CallbackError> {
        match find(&self.s[self.i..], end.as_bytes()) {
            Some(at) => {
                self.i += at + end.len();
                Ok(())
            }
            None => Err(err("unterminated markup")),
        }
    }

    /// Whitespace, comments and processing instructions (`<?xml …?>`); a DOCTYPE is refused.
    fn skip_misc(&mut self) -> Result<(), CallbackError> {
        loop {
            self.skip_ws();
            if self.starts("<?") {
                self.skip_past("?>")?;
            } else if self.starts("<!--") {
                self.skip_past("-->")?;
            } else if self.starts("<!") && !self.starts("<![CDATA[") {
                return Err(err("DTDs and entity declarations are not accepted"));
            } else {
                return Ok(());
            }
        }
    }

    fn skip_prolog(&mut self) -> Result<(), CallbackError> {
        if self.starts("\u{feff}") {
            self.i += 3;
        }
        self.skip_misc()
    }

    fn name(&mut self) -> Result<&'a str, CallbackError> {
        let start = self.i;
        while self.i < self.s.len() {
            let b = self.s[self.i];
            if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':') || b >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
        if start == self.i {
            return Err(err("expected a name"));
        }
        Ok(&self.src[start..self.i])
    }

    fn element(&mut self, depth: usize) -> Result<Element<'a>, CallbackError> {
        if depth >= MAX_DEPTH {
            return Err(err("nested too deeply"));
        }
        self.elements += 1;
        if self.elements > MAX_ELEMENTS {
            return Err(err("too many elements"));
        }
        if !self.starts("<") {
            return Err(err("expected an element"));
        }
        self.i += 1;
        let name = self.name()?;
        // Attributes are skipped: WeChat sends none.
        loop {
            self.skip_ws();
            if self.starts("/>") {
                self.i += 2;
                return Ok(Element {
                    name,
                    ..Default::default()
                });
            }
            if self.starts(">") {
                self.i += 1;
                break;
            }
            self.name()?;
            self.skip_ws();
            if !self.starts("=") {
                return Err(err("expected = in an attribute"));
            }
            self.i += 1;
            self.skip_ws();
            let quote = *self.s.get(self.i).ok_or_else(|| err("unexpected end"))?;
            if quote != b'"' && quote != b'\'' {
                return Err(err("expected a quoted attribute value"));
            }
            self.i += 1;
            while self.i < self.s.len() && self.s[self.i] != quote {
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Err(err("unexpected end"));
            }
            self.i += 1;
        }
        let mut element = Element {
            name,
            ..Default::default()
        };
        loop {
            if self.i >= self.s.len() {
                return Err(err("unexpected end"));
            }
            if self.starts("</") {
                self.i += 2;
                let close = self.name()?;
                if close != element.name {
                    return Err(err("mismatched closing tag"));
                }
                self.skip_ws();
                if !self.starts(">") {
                    return Err(err("expected >"));
                }
                self.i += 1;
                return Ok(element);
            } else if self.starts("<![CDATA[") {
                self.i += 9;
                let end =
                    find(&self.s[self.i..], b"]]>").ok_or_else(|| err("unterminated CDATA"))?;
                element.push_text(Cow::Borrowed(&self.src[self.i..self.i + end]));
                self.i += end + 3;
            } else if self.starts("<!--") {
                self.skip_past("-->")?;
            } else if self.starts("<?") {
                self.skip_past("?>")?;
            } else if self.starts("<!") {
                return Err(err("DTDs and entity declarations are not accepted"));
            } else if self.starts("<") {
                let child = self.element(depth + 1)?;
                element.children.push(child);
            } else {
                let start = self.i;
                self.i += memchr::memchr(b'<', &self.s[self.i..]).unwrap_or(self.s.len() - self.i);
                element.push_text(unescape(&self.src[start..self.i])?);
            }
        }
    }
}

fn find(hay: &[u8], pat: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, pat)
}

fn unescape(text: &str) -> Result<Cow<'_, str>, CallbackError> {
    if !text.contains('&') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        let end = rest
            .find(';')
            .filter(|&e| e <= 10)
            .ok_or_else(|| err("bad entity reference"))?;
        let entity = &rest[..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| err("undeclared entity"))?
            }
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// Writes `<name><![CDATA[value]]></name>`, splitting a `]]>` inside the value so it cannot
/// close the section early.
pub fn push_cdata(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push_str("><![CDATA[");
    out.push_str(&value.replace("]]>", "]]]]><![CDATA[>"));
    out.push_str("]]></");
    out.push_str(name);
    out.push('>');
}

/// Writes `<name>value</name>` for numbers.
pub fn push_number(out: &mut String, name: &str, value: i64) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&value.to_string());
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wechat_messages() {
        let root = parse(
            "<?xml version=\"1.0\"?>\n<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\n\
             <CreateTime>1348831860</CreateTime><Content><![CDATA[a]]>&amp;<![CDATA[b]]></Content>\
             <ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType></ScanCodeInfo><Empty/></xml>",
        )
        .unwrap();
        assert_eq!(root.name, "xml");
        assert!(matches!(
            root.child("ToUserName").unwrap().text,
            Cow::Borrowed(_)
        ));
        assert_eq!(root.child_text("ToUserName"), Some("gh_1"));
        assert_eq!(root.child_text("CreateTime"), Some("1348831860"));
        assert_eq!(root.child_text("Content"), Some("a&b"));
        assert_eq!(
            root.child("ScanCodeInfo").unwrap().child_text("ScanType"),
            Some("qrcode")
        );
        assert_eq!(root.child_text("Empty"), Some(""));
    }

    #[test]
    fn refuses_dtds_entities_and_bombs() {
        let xxe = "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><A>&xxe;</A></xml>";
        assert!(parse(xxe).is_err());
        assert!(parse("<xml><A>&xxe;</A></xml>").is_err());
        assert!(parse("<xml><!DOCTYPE x></xml>").is_err());
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(parse(&deep).is_err());
        let big = format!("<xml>{}</xml>", "a".repeat(MAX_XML_BYTES));
        assert!(parse(&big).is_err());
        let wide = format!("<xml>{}</xml>", "<a/>".repeat(1000));
        assert!(parse(&wide).is_err());
        for bad in [
            "",
            "<xml>",
            "<xml></yml>",
            "<xml><a></xml>",
            "<xml/><b/>",
            "text",
            "<",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cdata_cannot_be_closed_early() {
        let mut out = String::from("<xml>");
        push_cdata(&mut out, "Content", "a]]><evil/>b");
        out.push_str("</xml>");
        let root = parse(&out).unwrap();
        assert_eq!(root.child_text("Content"), Some("a]]><evil/>b"));
        assert!(root.child("evil").is_none());
    }
}
