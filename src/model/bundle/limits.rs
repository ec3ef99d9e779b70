//! Bounds on what a bundle declares, checked before anything is allocated for it.
//!
//! `bundle.json` is read only up to [`MAX_META_BYTES`]; its shapes must stay under sane caps
//! and agree with the size of `weights.bpk`, whose header is read (and checked) before the
//! rest of the file. So a hostile bundle gets an error naming the file, never an abort.

use crate::model::conditioned::CondSpec;
use std::io::Read;
use std::path::Path;

/// The largest `bundle.json` read (a real one is a few kilobytes).
pub const MAX_META_BYTES: u64 = 16 << 20;
/// The widest LSTM a bundle may declare.
pub const MAX_N_A: usize = 4096;
/// The largest vocabulary (exercise outputs) a bundle may declare.
pub const MAX_N_VALUES: usize = 65_536;
/// The longest training window a bundle may declare.
pub const MAX_TX: usize = 65_536;
/// The most parameters (f32) one weights file may hold: 256 MB.
pub const MAX_PARAMS: usize = 64 << 20;
/// The largest metadata block a weights file may carry (a real one is under a kilobyte).
pub const MAX_PACK_METADATA: u64 = 1 << 20;

/// The burnpack header: magic "BURN", a u16 version, a u32 metadata size (little-endian).
const MAGIC: u32 = 0x4255_524E;
const HEADER: usize = 10;
/// Tensors start on 256-byte boundaries, so each may be followed by padding.
const ALIGN: u64 = 256;

/// A conditioned bundle's spec against the caps, and the top-level fields that repeat it
/// (`n_a`, the training settings' `n_a`, `layers`, `dropout`, `heads`) against the spec: the
/// spec is the one source of truth, and a bundle that disagrees with it is damaged.
pub fn check_spec(meta: &super::BundleMeta, spec: &CondSpec) -> Result<(), String> {
    if spec.n_a == 0 || spec.n_a > MAX_N_A {
        return Err(format!("spec.n_a is {}, outside 1..={MAX_N_A}", spec.n_a));
    }
    if !(1..=2).contains(&spec.layers) {
        return Err(format!("spec.layers is {}, not 1 or 2", spec.layers));
    }
    let c = &meta.config;
    let disagree = [
        (
            "n_a",
            meta.n_a != spec.n_a,
            meta.n_a.to_string(),
            spec.n_a.to_string(),
        ),
        (
            "config.n_a",
            c.n_a != spec.n_a,
            c.n_a.to_string(),
            spec.n_a.to_string(),
        ),
        (
            "config.layers",
            c.layers != spec.layers,
            c.layers.to_string(),
            spec.layers.to_string(),
        ),
        (
            "config.dropout",
            c.dropout.to_bits() != spec.dropout.to_bits(),
            c.dropout.to_string(),
            spec.dropout.to_string(),
        ),
        (
            "config.heads",
            c.heads != spec.heads,
            format!("{:?}", c.heads),
            format!("{:?}", spec.heads),
        ),
    ];
    match disagree.into_iter().find(|d| d.1) {
        Some((name, _, top, want)) => Err(format!(
            "{name} is {top} but the conditioned spec says {want}"
        )),
        None => Ok(()),
    }
}

/// `bundle.json`'s size, refused over the cap.
pub fn check_meta_len(len: u64) -> Result<(), String> {
    if len > MAX_META_BYTES {
        return Err(format!(
            "bundle.json is {len} bytes, more than the {MAX_META_BYTES} a bundle's metadata may be"
        ));
    }
    Ok(())
}

/// The top-level shape of `bundle.json`, against the caps.
pub fn check_shape(n_values: usize, n_a: usize, tx: usize) -> Result<(), String> {
    for (name, value, cap) in [
        ("n_values", n_values, MAX_N_VALUES),
        ("n_a", n_a, MAX_N_A),
        ("tx", tx, MAX_TX),
    ] {
        if value > cap {
            return Err(format!("{name} is {value}, more than the cap of {cap}"));
        }
    }
    Ok(())
}

/// The element counts of `shapes` (rows × cols each), refused when any product or their sum
/// overflows or the total passes [`MAX_PARAMS`].
pub fn lens(shapes: &[[usize; 2]]) -> Result<Vec<usize>, String> {
    let lens = shapes
        .iter()
        .map(|[r, c]| r.checked_mul(*c))
        .collect::<Option<Vec<usize>>>();
    let total = lens
        .as_ref()
        .and_then(|l| l.iter().try_fold(0usize, |s, &n| s.checked_add(n)));
    match (lens, total) {
        (Some(l), Some(t)) if t <= MAX_PARAMS => Ok(l),
        (_, t) => Err(format!(
            "the declared shapes need {} parameters, more than the cap of {MAX_PARAMS}",
            t.map_or("too many".to_string(), |t| t.to_string())
        )),
    }
}

/// Whether a weights file of `file_len` bytes, whose header says `metadata` bytes of
/// metadata, can hold arrays of `lens` f32 values: not fewer bytes, nor more than padding.
pub fn check_weights_len(file_len: u64, metadata: u64, lens: &[usize]) -> Result<(), String> {
    if metadata > MAX_PACK_METADATA {
        return Err(format!(
            "its header declares {metadata} bytes of metadata, more than {MAX_PACK_METADATA}"
        ));
    }
    let data: u64 = lens.iter().map(|&n| n as u64 * 4).sum();
    let least = HEADER as u64 + metadata + data;
    let most = least + ALIGN * (lens.len() as u64 + 1);
    if file_len < least {
        return Err(format!(
            "{file_len} bytes, too few for the {data} bytes of weights that bundle.json's shapes need"
        ));
    }
    if file_len > most {
        return Err(format!(
            "{file_len} bytes, far more than the {data} bytes of weights that bundle.json's shapes need"
        ));
    }
    Ok(())
}

/// Reads a weights file header first: its magic number and metadata size, then its length
/// against `lens`, and only then the whole file, once, into a buffer of its exact size.
pub fn read_weights(path: &Path, lens: &[usize]) -> Result<Vec<u8>, String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let file_len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut head = [0u8; HEADER];
    file.read_exact(&mut head)
        .map_err(|_| format!("{file_len} bytes, too short for a weights header"))?;
    let magic = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    if magic != MAGIC {
        return Err("not a weights file (wrong magic number)".into());
    }
    let metadata = u32::from_le_bytes([head[6], head[7], head[8], head[9]]) as u64;
    check_weights_len(file_len, metadata, lens)?;
    let mut bytes = Vec::with_capacity(file_len as usize);
    bytes.extend_from_slice(&head);
    file.take(file_len - HEADER as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Reads `bundle.json` up to the cap, refusing a larger one before reading it.
pub fn read_meta(path: &Path) -> Result<Vec<u8>, std::io::Error> {
    let file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    check_meta_len(len).map_err(std::io::Error::other)?;
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_META_BYTES + 1).read_to_end(&mut bytes)?;
    check_meta_len(bytes.len() as u64).map_err(std::io::Error::other)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_declared_shapes_are_refused_before_allocation() {
        assert!(check_shape(78, 64, 30).is_ok());
        let e = check_shape(78, 1_000_000_000, 30).unwrap_err();
        assert!(e.contains("n_a is 1000000000"), "{e}");
        assert!(
            check_shape(10_000_000, 64, 30)
                .unwrap_err()
                .contains("n_values")
        );
        assert!(lens(&[[usize::MAX, 2]]).is_err());
        assert!(
            lens(&[[1 << 20, 1 << 20]])
                .unwrap_err()
                .contains("parameters")
        );
        assert_eq!(lens(&[[2, 3], [1, 4]]).unwrap(), vec![6, 4]);
    }

    #[test]
    fn a_weights_file_the_wrong_size_for_its_shapes_is_refused() {
        let lens = [600, 40];
        assert!(check_weights_len(10 + 100 + 2560 + 300, 100, &lens).is_ok());
        let small = check_weights_len(1000, 100, &lens).unwrap_err();
        assert!(small.contains("too few"), "{small}");
        let big = check_weights_len(2 << 30, 100, &lens).unwrap_err();
        assert!(big.contains("far more"), "{big}");
        assert!(check_weights_len(5000, 1 << 30, &lens).is_err());
    }

    #[test]
    fn a_sparse_two_gigabyte_weights_file_is_refused_from_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("weights.bpk");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(2 << 30).unwrap();
        let e = read_weights(&p, &[100]).unwrap_err();
        assert!(e.contains("magic"), "{e}");
        let mut head = b"NRUB\x01\x00".to_vec();
        head.extend(16u32.to_le_bytes());
        std::fs::write(&p, &head).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_len(2 << 30)
            .unwrap();
        let e = read_weights(&p, &[100]).unwrap_err();
        assert!(e.contains("far more"), "{e}");
    }

    #[test]
    fn an_oversized_bundle_json_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bundle.json");
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(MAX_META_BYTES + 1).unwrap();
        let e = read_meta(&p).unwrap_err();
        assert!(e.to_string().contains("bundle.json is"), "{e}");
    }
}
