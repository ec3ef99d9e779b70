//! Hostile model bundles, made here and handed to `improv` under a 1 GB address-space
//! limit: each gets one clear error naming the file, never an abort.

use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of a shipped bundle with `edit` applied to its bundle.json.
fn bundle_from(dir: &Path, shipped: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let out = dir.join(format!("bad-{shipped}"));
    std::fs::create_dir_all(&out).unwrap();
    for f in ["bundle.json", "weights.bpk"] {
        std::fs::copy(root().join("models").join(shipped).join(f), out.join(f)).unwrap();
    }
    let path = out.join("bundle.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    out
}

/// `improv generate` with `model` under a 1 GB address-space limit; its stderr, after
/// checking it failed cleanly.
fn generate_fails(model: &Path, dir: &Path) -> String {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_improv"));
    c.current_dir(root());
    #[cfg(target_os = "linux")]
    unsafe {
        use std::os::unix::process::CommandExt;
        c.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 1_000_000_000,
                rlim_max: 1_000_000_000,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let out = c
        .args(["generate", "--progression", "blues-f", "--model"])
        .arg(model)
        .arg("--out")
        .arg(dir.join("s.mid"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a clean failure, not an abort: {err}"
    );
    assert!(!err.contains("memory allocation"), "{err}");
    assert!(!dir.join("s.mid").exists());
    err
}

#[test]
fn a_huge_n_a_is_refused_before_anything_is_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let m = bundle_from(dir.path(), "default", |v| v["n_a"] = 1_000_000_000.into());
    let err = generate_fails(&m, dir.path());
    assert!(
        err.contains("bundle.json") && err.contains("n_a is 1000000000"),
        "{err}"
    );
}

#[test]
fn a_huge_conditioned_spec_n_a_is_refused_before_anything_is_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let m = bundle_from(dir.path(), "conditioned", |v| {
        v["conditioned"]["spec"]["n_a"] = 1_000_000_000.into();
    });
    let err = generate_fails(&m, dir.path());
    assert!(err.contains("spec.n_a is 1000000000"), "{err}");
}

#[test]
fn a_ten_million_token_vocabulary_is_refused_before_anything_is_allocated() {
    let dir = tempfile::tempdir().unwrap();
    // As many tokens as it takes to pass the size cap (a 10-million-token one is larger).
    let n = 1_700_000;
    let m = bundle_from(dir.path(), "default", |v| {
        v["n_values"] = n.into();
        let tokens: Vec<Value> = (0..n).map(|i| Value::from(format!("C,{i}"))).collect();
        v["vocab"]["counts"] = Value::Array(vec![]);
        v["vocab"]["tokens"] = Value::Array(tokens);
    });
    let err = generate_fails(&m, dir.path());
    assert!(
        err.contains("bundle.json is") && err.contains("more than"),
        "{err}"
    );
    // A vocabulary under the size cap still may not declare ten million outputs.
    let m = bundle_from(dir.path(), "default", |v| v["n_values"] = 10_000_000.into());
    let err = generate_fails(&m, dir.path());
    assert!(err.contains("n_values is 10000000"), "{err}");
}

#[test]
fn a_sparse_two_gigabyte_weights_file_is_refused_from_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let m = bundle_from(dir.path(), "default", |_| {});
    let w = std::fs::OpenOptions::new()
        .write(true)
        .open(m.join("weights.bpk"))
        .unwrap();
    w.set_len(2 << 30).unwrap();
    let err = generate_fails(&m, dir.path());
    assert!(
        err.contains("weights.bpk") && err.contains("far more"),
        "{err}"
    );
}

#[test]
fn a_conditioned_bundle_whose_settings_disagree_with_its_spec_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = bundle_from(dir.path(), "conditioned", |v| {
        v["config"]["dropout"] = 0.5.into();
    });
    let err = generate_fails(&m, dir.path());
    assert!(err.contains("config.dropout is 0.5"), "{err}");
    let m = bundle_from(dir.path(), "conditioned", |v| v["n_a"] = 64.into());
    let err = generate_fails(&m, dir.path());
    assert!(
        err.contains("n_a is 64 but the conditioned spec says 128"),
        "{err}"
    );
}
