//! The exercise kind's five parameter arrays in burn's record format (`weights.bpk`, `adam_*.bpk`).

use burn::module::{Module, Param};
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device, Tensor, TensorData};

/// The five parameter arrays as a burn module, so they save in burn's record format.
#[derive(Module, Debug)]
struct Arrays {
    w_x: Param<Tensor<2>>,
    u: Param<Tensor<2>>,
    b: Param<Tensor<1>>,
    w_y: Param<Tensor<2>>,
    b_y: Param<Tensor<1>>,
}

fn shapes(v: usize, a: usize) -> ([usize; 2], [usize; 2], usize, [usize; 2], usize) {
    ([v, 4 * a], [a, 4 * a], 4 * a, [a, v], v)
}

impl Arrays {
    fn from_vecs(arrays: [&Vec<f32>; 5], v: usize, a: usize, dev: &Device) -> Arrays {
        let (sx, su, sb, sy, sby) = shapes(v, a);
        let t2 = |d: &Vec<f32>, s: [usize; 2]| {
            Param::from_tensor(Tensor::from_data(TensorData::new(d.clone(), s), dev))
        };
        let t1 = |d: &Vec<f32>, n: usize| {
            Param::from_tensor(Tensor::from_data(TensorData::new(d.clone(), [n]), dev))
        };
        Arrays {
            w_x: t2(arrays[0], sx),
            u: t2(arrays[1], su),
            b: t1(arrays[2], sb),
            w_y: t2(arrays[3], sy),
            b_y: t1(arrays[4], sby),
        }
    }

    fn zeros(v: usize, a: usize, dev: &Device) -> Arrays {
        let (sx, su, sb, sy, sby) = shapes(v, a);
        let z = |n: usize| vec![0.0f32; n];
        Arrays::from_vecs(
            [
                &z(sx[0] * sx[1]),
                &z(su[0] * su[1]),
                &z(sb),
                &z(sy[0] * sy[1]),
                &z(sby),
            ],
            v,
            a,
            dev,
        )
    }

    fn into_vecs(self) -> Result<[Vec<f32>; 5], String> {
        let get2 = |p: Param<Tensor<2>>| p.val().into_data().try_to_vec::<f32>();
        let get1 = |p: Param<Tensor<1>>| p.val().into_data().try_to_vec::<f32>();
        let e = |e: burn::tensor::DataError| format!("{e:?}");
        Ok([
            get2(self.w_x).map_err(e)?,
            get2(self.u).map_err(e)?,
            get1(self.b).map_err(e)?,
            get2(self.w_y).map_err(e)?,
            get1(self.b_y).map_err(e)?,
        ])
    }
}

fn cpu() -> Device {
    Device::flex()
}

pub(super) fn pack(arrays: [&Vec<f32>; 5], v: usize, a: usize) -> Result<Vec<u8>, String> {
    let bytes = Arrays::from_vecs(arrays, v, a, &cpu())
        .into_record()
        .into_bytes()
        .map_err(|e| e.to_string())?;
    Ok(bytes.to_vec())
}

pub(super) fn unpack(bytes: Vec<u8>, v: usize, a: usize) -> Result<[Vec<f32>; 5], String> {
    let record =
        ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|e| e.to_string())?;
    Arrays::zeros(v, a, &cpu())
        .try_load_record(record)
        .map_err(|e| e.to_string())?
        .into_vecs()
}
