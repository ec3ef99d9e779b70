//! A conditioned bundle's arrays: any number of them in burn's record format, read back
//! with the shapes its `CondMeta` gives.

use crate::model::bundle::{Bundle, BundleError, BundleMeta};
use crate::model::conditioned::{CondMeta, CondWeights};
use crate::model::net::{CondNet, Net};
use crate::model::optim::adam::AdamState;
use burn::module::{Module, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, Tensor, TensorData};
use std::path::Path;

/// Any number of flat arrays as a burn module, so they save in burn's record format.
#[derive(Module, Debug)]
struct Flat {
    arrays: Vec<Param<Tensor<1>>>,
}

fn flat<A: AsRef<[f32]>>(arrays: &[A], dev: &Device) -> Flat {
    Flat {
        arrays: arrays
            .iter()
            .map(|a| {
                Param::from_tensor(Tensor::from_data(
                    TensorData::new(a.as_ref().to_vec(), [a.as_ref().len()]),
                    dev,
                ))
            })
            .collect(),
    }
}

/// The arrays in burn's record format.
pub fn pack<A: AsRef<[f32]>>(arrays: &[A]) -> Result<Vec<u8>, String> {
    let bytes = flat(arrays, &Device::flex())
        .into_record()
        .into_bytes()
        .map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}

/// Arrays of the given lengths back from `pack`'s bytes.
pub fn unpack(bytes: Vec<u8>, lens: &[usize]) -> Result<Vec<Vec<f32>>, String> {
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| e.to_string())?;
    let zeros: Vec<Vec<f32>> = lens.iter().map(|&n| vec![0.0; n]).collect();
    let m = flat(&zeros, &Device::flex())
        .try_load_record(record)
        .map_err(|e| e.to_string())?;
    let out = m
        .arrays
        .into_iter()
        .map(|p| p.val().into_data().try_to_vec::<f32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{e:?}"))?;
    if out.iter().map(Vec::len).ne(lens.iter().copied()) {
        return Err("array sizes differ from the network's".into());
    }
    Ok(out)
}

/// The arrays and optimiser of a conditioned bundle whose `bundle.json` holds `meta` and
/// `cond` (its network's part).
pub fn load_conditioned(
    dir: &Path,
    meta: BundleMeta,
    cond: Option<CondMeta>,
) -> Result<Bundle, BundleError> {
    let corrupt = |file: &str, reason: String| BundleError::Corrupt {
        path: dir.join(file),
        reason,
    };
    let cm = cond.ok_or_else(|| {
        corrupt(
            "bundle.json",
            "a conditioned bundle without its shape".into(),
        )
    })?;
    cm.check().map_err(|r| corrupt("bundle.json", r))?;
    use super::limits;
    let lens = limits::check_spec(&meta, &cm.spec)
        .and_then(|()| limits::lens(&cm.spec.shapes()))
        .map_err(|r| corrupt("bundle.json", r))?;
    let read = |file: &str| -> Result<Vec<Vec<f32>>, BundleError> {
        let bytes = limits::read_weights(&dir.join(file), &lens).map_err(|r| corrupt(file, r))?;
        unpack(bytes, &lens).map_err(|r| corrupt(file, r))
    };
    let weights = CondWeights::from_arrays(cm.spec, read("weights.bpk")?);
    weights.check().map_err(|r| corrupt("weights.bpk", r))?;
    let adam = if dir.join("adam_m.bpk").is_file() && dir.join("adam_v.bpk").is_file() {
        Some(AdamState {
            updates: meta.adam_updates,
            m: read("adam_m.bpk")?,
            v: read("adam_v.bpk")?,
        })
    } else {
        None
    };
    Ok(Bundle {
        meta,
        net: Net::Conditioned(CondNet { weights, meta: cm }),
        adam,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::events::Register;
    use crate::model::conditioned::{CondSpec, duration_vocab, pitch_vocab};
    use crate::tokens::events::{HIGH, LOW};

    #[test]
    fn arrays_round_trip_and_wrong_sizes_are_refused() {
        let a = vec![vec![1.0, 2.0, 3.0], vec![-0.5], vec![0.25; 7]];
        let bytes = pack(&a).unwrap();
        assert_eq!(unpack(bytes.clone(), &[3, 1, 7]).unwrap(), a);
        assert!(unpack(bytes, &[3, 2, 7]).is_err());
        assert_eq!(pitch_vocab().len(), (HIGH - LOW) as usize + 2);
        assert_eq!(duration_vocab().token(5), Some("1.000"));
    }

    #[test]
    fn a_conditioned_bundle_round_trips_and_old_bundles_still_load() {
        use crate::model::bundle::TrainConfig;
        use crate::model::conditioned::Heads;
        use crate::model::optim::schedule::Schedule;
        let spec = CondSpec::events(8, 2, 0.2, Heads::Split);
        let w = CondWeights::init(spec, 4);
        let reg = Register {
            centre: 66,
            span: 24,
        };
        let mut b = Bundle::new_conditioned(
            w.clone(),
            CondMeta::new(spec, reg, true, false),
            64,
            "f".into(),
            TrainConfig::default(),
        );
        b.adam = Some(AdamState {
            updates: 3,
            m: w.arrays().into_iter().cloned().collect(),
            v: w.arrays().into_iter().cloned().collect(),
        });
        b.meta.adam_updates = 3;
        assert_eq!(b.meta.config.kind, crate::model::ModelKind::Conditioned);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c");
        b.save(&path, false).unwrap();
        let back = Bundle::load(&path).unwrap();
        assert_eq!(back.net.conditioned().map(|c| &c.weights), Some(&w));
        assert_eq!(back.net, b.net);
        assert_eq!(back.meta, b.meta);
        assert_eq!(back.adam, b.adam);
        // The bundled exercise model, written before kinds existed, loads as one.
        let old =
            Bundle::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("models/exercise")).unwrap();
        assert_eq!(old.kind(), crate::model::ModelKind::Exercise);
        assert!(old.net.check().is_ok());
        assert_eq!(old.meta.config.schedule, Schedule::PerUpdate);
    }
}
