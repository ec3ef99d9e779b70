//! Compressed MusicXML (.mxl): a zip whose META-INF/container.xml names the score inside.

use super::MAX_XML_BYTES;
use super::xml::{Step, Xml, decode};
use std::io::{Cursor, Read};

/// Zip archives start with a local file header.
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The score document inside a .mxl archive.
pub(crate) fn root_document(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("not a readable .mxl (zip) archive: {e}"))?;
    let path = match entry(&mut zip, "META-INF/container.xml") {
        Ok(container) => rootfile(&container)?,
        // Without a container, the one score file at the top of the archive.
        Err(_) => zip
            .file_names()
            .filter_map(Result::ok)
            .filter(|n| !n.contains('/') && (n.ends_with(".xml") || n.ends_with(".musicxml")))
            .min()
            .map(|n| n.into_owned())
            .ok_or("the .mxl archive has no META-INF/container.xml and no score file")?,
    };
    entry(&mut zip, &path)
}

/// One archive entry, read up to [`MAX_XML_BYTES`] whatever its header claims.
fn entry(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> Result<Vec<u8>, String> {
    let file = zip
        .by_name(name)
        .map_err(|e| format!("the .mxl archive cannot give {name}: {e}"))?;
    if file.size() > MAX_XML_BYTES as u64 {
        return Err(format!(
            "{name} in the .mxl archive is {} bytes uncompressed; improv reads up to {MAX_XML_BYTES}",
            file.size()
        ));
    }
    let mut out = Vec::new();
    file.take(MAX_XML_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{name} in the .mxl archive is damaged: {e}"))?;
    if out.len() > MAX_XML_BYTES {
        return Err(format!(
            "{name} in the .mxl archive is larger than {MAX_XML_BYTES} bytes uncompressed"
        ));
    }
    Ok(out)
}

/// The `full-path` of the first MusicXML `<rootfile>` in container.xml.
fn rootfile(container: &[u8]) -> Result<String, String> {
    let text = decode(container).map_err(|e| format!("META-INF/container.xml: {e}"))?;
    let mut x = Xml::new(&text);
    let mut found: Option<String> = None;
    // container > rootfiles > rootfile: walk the tree shallowly.
    let Step::Tag(root) = x
        .next_tag()
        .map_err(|e| format!("META-INF/container.xml: {e}"))?
    else {
        return Err("META-INF/container.xml is empty".into());
    };
    let tree = x
        .tree(root)
        .map_err(|e| format!("META-INF/container.xml: {e}"))?;
    for files in tree.children_named("rootfiles") {
        for f in files.children_named("rootfile") {
            let musicxml = f
                .attr("media-type")
                .is_none_or(|m| m.contains("musicxml") || m.ends_with("/xml"));
            if let Some(p) = f.attr("full-path")
                && musicxml
                && found.is_none()
            {
                found = Some(p.to_string());
            }
        }
    }
    found.ok_or_else(|| "META-INF/container.xml names no MusicXML rootfile".to_string())
}
