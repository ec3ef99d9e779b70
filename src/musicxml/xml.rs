//! A small element tree, built one measure at a time from quick-xml's event stream.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::borrow::Cow;

/// Elements nested deeper than this are refused (MusicXML needs about 8).
const MAX_DEPTH: usize = 64;
/// Elements in one subtree (one measure, the part list) beyond this are refused.
const MAX_NODES: usize = 500_000;

/// One element: its local name, attributes, text and children.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
    }
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    pub fn has(&self, name: &str) -> bool {
        self.child(name).is_some()
    }
    /// The trimmed text of the first child called `name`.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
    /// The first child called `name`, read as a number.
    pub fn num_of(&self, name: &str) -> Option<f64> {
        self.text_of(name)
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    }
}

/// An element start as the stream met it.
pub(crate) struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    /// `<tag/>`: no children, no end tag to wait for.
    pub empty: bool,
}

/// What comes next inside the current element.
pub(crate) enum Step {
    Tag(Tag),
    /// The current element ends.
    End,
    /// The document ends.
    Eof,
}

/// quick-xml over a whole document in memory, with errors that say where.
pub(crate) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    src: &'a str,
    nodes: usize,
}

impl<'a> Xml<'a> {
    pub fn new(src: &'a str) -> Self {
        let mut reader = Reader::from_str(src);
        reader.config_mut().check_end_names = true;
        Xml {
            reader,
            src,
            nodes: 0,
        }
    }

    /// "line L, column C" for a byte offset into the document.
    pub fn place(&self, offset: u64) -> String {
        let at = (offset as usize).min(self.src.len());
        let before = &self.src.as_bytes()[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        format!("line {line}, column {col}")
    }

    /// Where the reader is now.
    pub fn here(&self) -> String {
        self.place(self.reader.buffer_position())
    }

    fn event(&mut self) -> Result<Event<'a>, String> {
        self.reader.read_event().map_err(|e| {
            let at_end = self.reader.buffer_position() as usize >= self.src.len();
            format!(
                "broken XML at {}: {e}{}",
                self.place(self.reader.error_position()),
                if at_end {
                    " (is the file cut short?)"
                } else {
                    ""
                }
            )
        })
    }

    /// The next child element of the current one, skipping text and comments.
    pub fn next_tag(&mut self) -> Result<Step, String> {
        loop {
            match self.event()? {
                Event::Start(e) => return Ok(Step::Tag(self.tag(&e, false)?)),
                Event::Empty(e) => return Ok(Step::Tag(self.tag(&e, true)?)),
                Event::End(_) => return Ok(Step::End),
                Event::Eof => return Ok(Step::Eof),
                _ => {}
            }
        }
    }

    fn tag(&self, e: &BytesStart<'_>, empty: bool) -> Result<Tag, String> {
        let mut attrs = Vec::new();
        for a in e.attributes() {
            let a = a.map_err(|err| format!("broken XML attribute at {}: {err}", self.here()))?;
            let value = a
                .normalized_value(XmlVersion::Implicit1_0)
                .unwrap_or_else(|_| a.value.clone());
            attrs.push((local(a.key.as_ref()).to_string(), value.into_owned()));
        }
        Ok(Tag {
            name: local(e.name().as_ref()).to_string(),
            attrs,
            empty,
        })
    }

    /// Skips the rest of an element whose start tag was just read.
    pub fn skip(&mut self, tag: &Tag) -> Result<(), String> {
        if tag.empty {
            return Ok(());
        }
        let mut depth = 1usize;
        while depth > 0 {
            match self.event()? {
                Event::Start(_) => depth += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.unclosed(&tag.name)),
                _ => {}
            }
        }
        Ok(())
    }

    pub fn unclosed(&self, name: &str) -> String {
        format!("the document ends inside <{name}> (is the file cut short?)")
    }

    /// Reads the rest of an element whose start tag was just read, as a tree.
    pub fn tree(&mut self, tag: Tag) -> Result<Node, String> {
        self.nodes = 0;
        self.subtree(tag, 0)
    }

    fn subtree(&mut self, tag: Tag, depth: usize) -> Result<Node, String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!(
                "more than {MAX_NODES} elements in one measure at {}",
                self.here()
            ));
        }
        if depth > MAX_DEPTH {
            return Err(format!(
                "elements nested more than {MAX_DEPTH} deep at {}",
                self.here()
            ));
        }
        let mut node = Node {
            name: tag.name,
            attrs: tag.attrs,
            ..Node::default()
        };
        if tag.empty {
            return Ok(node);
        }
        loop {
            match self.event()? {
                Event::Start(e) => {
                    let t = self.tag(&e, false)?;
                    node.children.push(self.subtree(t, depth + 1)?);
                }
                Event::Empty(e) => {
                    let t = self.tag(&e, true)?;
                    node.children.push(self.subtree(t, depth + 1)?);
                }
                Event::Text(t) => node.text.push_str(&t.xml10_content()),
                Event::CData(t) => node.text.push_str(&t),
                Event::GeneralRef(r) => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        node.text.push(c);
                    } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                        node.text.push_str(s);
                    }
                }
                Event::End(_) => return Ok(node),
                Event::Eof => return Err(self.unclosed(&node.name)),
                _ => {}
            }
        }
    }
}

/// The name without a namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// The document as text: UTF-8 (with or without a byte-order mark), UTF-16 with a
/// byte-order mark, or Latin-1 when the declaration says so.
pub(crate) fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, String> {
    let utf16 = |b: &[u8], big: bool| -> Result<Cow<'_, str>, String> {
        let units = b.chunks_exact(2).map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(Cow::Owned)
            .map_err(|_| "the file claims UTF-16 but holds invalid UTF-16 text".to_string())
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => decode(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(e) => {
                let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_lowercase();
                if ["iso-8859-1", "latin1", "latin-1", "windows-1252"]
                    .iter()
                    .any(|enc| head.contains(enc))
                {
                    Ok(Cow::Owned(bytes.iter().map(|&b| b as char).collect()))
                } else {
                    Err(format!(
                        "not UTF-8 text (a bad byte at offset {})",
                        e.valid_up_to()
                    ))
                }
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Result<Node, String> {
        let mut x = Xml::new(src);
        match x.next_tag()? {
            Step::Tag(t) => x.tree(t),
            _ => Err("empty".into()),
        }
    }

    #[test]
    fn builds_a_tree_with_text_entities_and_attributes() {
        let n = parse(
            "<?xml version=\"1.0\"?><!-- c --><a x=\"1 &amp; 2\"><b>A&amp;B&#33;</b><c/><b>2</b></a>",
        )
        .unwrap();
        assert_eq!(n.name, "a");
        assert_eq!(n.attr("x"), Some("1 & 2"));
        assert_eq!(n.text_of("b"), Some("A&B!"));
        assert_eq!(n.children_named("b").count(), 2);
        assert!(n.has("c"));
    }

    #[test]
    fn errors_say_where() {
        let e = parse("<a>\n  <b></c>\n</a>").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = parse("<a><b>").unwrap_err();
        assert!(e.contains("cut short") || e.contains("broken XML"), "{e}");
    }

    #[test]
    fn depth_is_bounded() {
        let src = "<a>".repeat(200) + &"</a>".repeat(200);
        assert!(parse(&src).unwrap_err().contains("nested"));
    }

    #[test]
    fn decodes_utf16_and_latin1() {
        let s = "<a>é</a>";
        let mut le = vec![0xFF, 0xFE];
        le.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap(), s);
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>";
        assert!(decode(latin).unwrap().contains('é'));
        assert!(decode(b"<a>\xff</a>").unwrap_err().contains("UTF-8"));
    }
}
