//! Streaming XML reading shared by the XML importers (OFAC SDN, EU FSF, UK Sanctions List).
//!
//! A list file is one root element holding many record elements (`sdnEntry`, `sanctionEntity`,
//! `Designation`). [`XmlRecords`] streams through the file with quick-xml and hands out each
//! record as a small owned tree ([`Node`]), so memory stays bounded by the largest record, not
//! the file. Element and attribute names are local names (namespace prefixes dropped), since
//! publishers change their namespace URIs between versions.
//!
//! Every node knows the 1-based line it starts on, computed from the byte offset, so importers
//! can name the line in their errors. Malformed XML (bad syntax, mismatched or missing end tags,
//! a truncated file, invalid UTF-8) is always an error for the whole file, even in lenient mode:
//! a file that is not well-formed cannot be trusted to hold the whole list.
//!
//! This module also holds [`strip_quirks`], the byte-level quirks accepted in every format.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::model::Entity;
use crate::{Error, Options, SourceFile};

/// How deep elements may nest inside one record (publishers use four or five levels).
const MAX_RECORD_DEPTH: usize = 64;

/// Removes a leading UTF-8 byte order mark and trailing DOS end-of-file bytes (0x1A), noting
/// each in `notes`. Returns the remaining bytes.
pub(crate) fn strip_quirks<'a>(file: &SourceFile<'a>, notes: &mut Vec<String>) -> &'a [u8] {
    let mut bytes = file.bytes;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        notes.push(format!(
            "{}: a UTF-8 byte order mark was ignored",
            file.name
        ));
        bytes = rest;
    }
    let trimmed_len = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace() && *b != 0x1A)
        .map_or(0, |i| i + 1);
    if bytes
        .get(trimmed_len..)
        .is_some_and(|tail| tail.contains(&0x1A))
    {
        notes.push(format!(
            "{}: a trailing end-of-file byte (0x1A) was ignored",
            file.name
        ));
        bytes = bytes.get(..trimmed_len).unwrap_or(bytes);
    }
    bytes
}

/// One element of a record: its local name, attributes, text and child elements.
#[derive(Debug, Clone, Default)]
pub(crate) struct Node {
    /// The local name (no namespace prefix).
    pub name: String,
    /// Attributes by local name, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// The element's own text (text, CDATA and references, concatenated; not trimmed).
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Node>,
    /// The 1-based line the element starts on.
    pub line: u64,
}

impl Node {
    /// The trimmed value of an attribute, when present and not blank.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The trimmed text, when not blank.
    pub fn value(&self) -> Option<&str> {
        let t = self.text.trim();
        (!t.is_empty()).then_some(t)
    }

    /// The first child element with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All child elements with this name.
    pub fn children<'s, 'n>(
        &'s self,
        name: &'n str,
    ) -> impl Iterator<Item = &'s Node> + use<'s, 'n> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of the first child with this name, when present and not blank.
    pub fn child_value(&self, name: &str) -> Option<&str> {
        self.children(name).find_map(Node::value)
    }

    /// The elements reached by following `path` (child names, one level each).
    pub fn path<'s>(&'s self, path: &[&str]) -> Vec<&'s Node> {
        let mut current = vec![self];
        for step in path {
            current = current
                .into_iter()
                .flat_map(|n| n.children.iter().filter(|c| c.name == *step))
                .collect();
        }
        current
    }

    /// The non-blank trimmed texts of the elements reached by `path`.
    pub fn path_values<'s>(&'s self, path: &[&str]) -> Vec<&'s str> {
        self.path(path)
            .into_iter()
            .filter_map(Node::value)
            .collect()
    }
}

/// Counts lines up to increasing byte offsets in one pass over the file.
pub(crate) struct LineCounter {
    offset: usize,
    line: u64,
}

impl Default for LineCounter {
    fn default() -> LineCounter {
        LineCounter { offset: 0, line: 1 }
    }
}

impl LineCounter {
    /// The 1-based line of the byte at `offset` (offsets should grow from call to call).
    pub fn line_at(&mut self, data: &[u8], offset: usize) -> u64 {
        let offset = offset.min(data.len());
        if offset < self.offset {
            // Not expected (offsets only grow), but stay correct: count from the start.
            self.offset = 0;
            self.line = 1;
        }
        let newlines = data
            .get(self.offset..offset)
            .map_or(0, |s| s.iter().filter(|b| **b == b'\n').count());
        self.line += newlines as u64;
        self.offset = offset;
        self.line
    }
}

/// A stream of record elements from one XML list file.
pub(crate) struct XmlRecords<'a> {
    file: &'a str,
    data: &'a [u8],
    reader: Reader<&'a [u8]>,
    lines: LineCounter,
    roots: &'static [&'static str],
    record: &'static str,
    seen_root: bool,
    depth: usize,
    done: bool,
}

impl<'a> XmlRecords<'a> {
    /// Reads `data` (the file's bytes after [`strip_quirks`]) expecting a root element named one
    /// of `roots` and records named `record` anywhere below it.
    pub fn new(
        file: &'a str,
        data: &'a [u8],
        roots: &'static [&'static str],
        record: &'static str,
    ) -> XmlRecords<'a> {
        let mut reader = Reader::from_reader(data);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        XmlRecords {
            file,
            data,
            reader,
            lines: LineCounter::default(),
            roots,
            record,
            seen_root: false,
            depth: 0,
            done: false,
        }
    }

    /// The 1-based line of a byte offset in the data.
    fn line_at(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        self.lines.line_at(self.data, offset)
    }

    fn syntax_error(&mut self, err: &quick_xml::Error) -> Error {
        let pos = self.reader.error_position();
        let line = self.line_at(pos);
        self.done = true;
        let at_end =
            usize::try_from(self.reader.buffer_position()).is_ok_and(|p| p >= self.data.len());
        if at_end {
            Error::at(self.file, line, format!("truncated XML: {err}"))
        } else {
            Error::at(self.file, line, format!("malformed XML: {err}"))
        }
    }

    fn error_here(&mut self, message: impl Into<String>) -> Error {
        let pos = self.reader.buffer_position();
        let line = self.line_at(pos);
        self.done = true;
        Error::at(self.file, line, message)
    }

    fn check_root(&mut self, start: &BytesStart<'_>) -> Result<(), Error> {
        if self.seen_root {
            return Ok(());
        }
        self.seen_root = true;
        let name = local_name(start);
        if self.roots.iter().any(|r| *r == name) {
            Ok(())
        } else {
            let expected = self
                .roots
                .iter()
                .map(|r| format!("<{r}>"))
                .collect::<Vec<_>>()
                .join(" or ");
            Err(self.error_here(format!(
                "the root element is <{name}>, expected {expected}: not this list's format"
            )))
        }
    }

    /// Reads every record and maps it with `to_entity`. A record that does not map fails the
    /// file in strict mode and is skipped (and reported) in lenient mode; a file that is not
    /// well-formed XML fails in both.
    pub fn entities(
        mut self,
        options: Options,
        mut to_entity: impl FnMut(&Node) -> Result<Entity, Error>,
    ) -> Result<(Vec<Entity>, Vec<Error>), Error> {
        let mut entities = Vec::new();
        let mut skipped = Vec::new();
        while let Some(node) = self.next_record()? {
            match to_entity(&node) {
                Ok(entity) => entities.push(entity),
                Err(e) => crate::skip_or_fail(options, &mut skipped, e)?,
            }
        }
        Ok((entities, skipped))
    }

    /// The next record, `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Node>, Error> {
        if self.done {
            return Ok(None);
        }
        loop {
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => return Err(self.syntax_error(&e)),
            };
            match event {
                Event::Start(start) => {
                    self.check_root(&start)?;
                    if local_name(&start) == self.record {
                        let node = self.read_record(&start, false)?;
                        return Ok(Some(node));
                    }
                    self.depth += 1;
                }
                Event::Empty(start) => {
                    self.check_root(&start)?;
                    if local_name(&start) == self.record {
                        let node = self.read_record(&start, true)?;
                        return Ok(Some(node));
                    }
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                }
                Event::Text(t) if !self.seen_root && !t.iter().all(u8::is_ascii_whitespace) => {
                    return Err(self.error_here("text before the root element: not XML"));
                }
                Event::Eof => {
                    self.done = true;
                    if !self.seen_root {
                        return Err(Error::file(
                            self.file,
                            "no XML root element: empty or not XML",
                        ));
                    }
                    if self.depth > 0 {
                        return Err(
                            self.error_here("the file ends inside an element: truncated XML")
                        );
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    /// Reads the record element that `start` opened (or that is empty) into a tree.
    fn read_record(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<Node, Error> {
        let root = self.new_node(start)?;
        if empty {
            return Ok(root);
        }
        let mut stack: Vec<Node> = vec![root];
        loop {
            let event = match self.reader.read_event() {
                Ok(e) => e,
                Err(e) => return Err(self.syntax_error(&e)),
            };
            match event {
                Event::Start(s) => {
                    if stack.len() >= MAX_RECORD_DEPTH {
                        return Err(self.error_here(format!(
                            "elements nested more than {MAX_RECORD_DEPTH} deep in one record"
                        )));
                    }
                    let node = self.new_node(&s)?;
                    stack.push(node);
                }
                Event::Empty(s) => {
                    let node = self.new_node(&s)?;
                    if let Some(parent) = stack.last_mut() {
                        parent.children.push(node);
                    }
                }
                Event::End(_) => {
                    let Some(node) = stack.pop() else {
                        return Err(self.error_here("unbalanced end tag"));
                    };
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(node),
                        None => return Ok(node),
                    }
                }
                Event::Text(t) => {
                    let text = match t.decode() {
                        Ok(s) => s,
                        Err(e) => return Err(self.error_here(format!("bad text encoding: {e}"))),
                    };
                    if let Some(node) = stack.last_mut() {
                        node.text.push_str(&text);
                    }
                }
                Event::CData(c) => {
                    let text = match c.decode() {
                        Ok(s) => s,
                        Err(e) => return Err(self.error_here(format!("bad text encoding: {e}"))),
                    };
                    if let Some(node) = stack.last_mut() {
                        node.text.push_str(&text);
                    }
                }
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => r.decode().ok().and_then(|name| {
                            quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                        }),
                        Err(_) => None,
                    };
                    let Some(resolved) = resolved else {
                        let name = String::from_utf8_lossy(&r).into_owned();
                        return Err(self.error_here(format!("unknown entity reference &{name};")));
                    };
                    if let Some(node) = stack.last_mut() {
                        node.text.push_str(&resolved);
                    }
                }
                Event::Eof => {
                    return Err(self.error_here(format!(
                        "the file ends inside <{}>: truncated XML",
                        self.record
                    )));
                }
                _ => {}
            }
        }
    }

    fn new_node(&mut self, start: &BytesStart<'_>) -> Result<Node, Error> {
        let pos = self.reader.buffer_position();
        let line = self.line_at(pos);
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = match attr {
                Ok(a) => a,
                Err(e) => return Err(self.error_here(format!("malformed attribute: {e}"))),
            };
            let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
            let value = match attr.unescape_value() {
                Ok(v) => v.into_owned(),
                Err(e) => {
                    return Err(self.error_here(format!("bad value of attribute {key}: {e}")));
                }
            };
            attrs.push((key, value));
        }
        Ok(Node {
            name: local_name(start),
            attrs,
            text: String::new(),
            children: Vec::new(),
            line,
        })
    }
}

fn local_name(start: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(start.local_name().as_ref()).into_owned()
}

/// An error about a record: file, the node's line, the field, the message.
pub(crate) fn record_error(
    file: &str,
    node: &Node,
    field: &str,
    message: impl Into<String>,
) -> Error {
    Error::at(file, node.line, message).in_field(field)
}

/// Joins the non-blank trimmed parts with ", ".
pub(crate) fn join_parts<'s>(parts: impl IntoIterator<Item = Option<&'s str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A lower-case ISO alpha-2 code when `s` is two ASCII letters, else `None`.
pub(crate) fn iso2(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic())).then(|| s.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(xml: &str) -> Result<Vec<Node>, Error> {
        let mut r = XmlRecords::new("t.xml", xml.as_bytes(), &["list"], "rec");
        let mut out = Vec::new();
        while let Some(n) = r.next_record()? {
            out.push(n);
        }
        Ok(out)
    }

    #[test]
    fn reads_records_with_lines_text_and_attributes() {
        let xml = "<?xml version=\"1.0\"?>\n<x:list xmlns:x=\"urn:x\">\n<x:rec a=\"1 &amp; 2\">\n<x:n>A &lt;B&gt; &#233;</x:n><n><![CDATA[c]]></n>\n</x:rec>\n<rec/>\n</x:list>\n";
        let recs = records(xml).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].line, 3);
        assert_eq!(recs[0].attr("a"), Some("1 & 2"));
        assert_eq!(recs[0].path_values(&["n"]), vec!["A <B> é", "c"]);
        assert_eq!(recs[1].line, 6);
    }

    #[test]
    fn truncation_wrong_root_and_bad_syntax_are_errors() {
        let e = records("<list>\n<rec>\n<n>x</n>\n").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        let e = records("<other><rec/></other>").unwrap_err();
        assert!(e.message.contains("root element is <other>"), "{e}");
        let e = records("<list>\n<rec><n>x</m></rec></list>").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = records("<list><rec>&bogus;</rec></list>").unwrap_err();
        assert!(e.message.contains("bogus"), "{e}");
        assert!(records("").is_err());
        assert!(records("hello").is_err());
    }

    #[test]
    fn quirks_are_stripped_and_noted() {
        let mut notes = Vec::new();
        let f = SourceFile::new("f", b"\xEF\xBB\xBF<a/>\r\n\x1A");
        assert_eq!(strip_quirks(&f, &mut notes), b"<a/>");
        assert_eq!(notes.len(), 2);
    }
}
