//! `improv bench speed`'s trade row: the time the Jam engine takes to answer a 4-bar call
//! with a 4-bar answer (conditioned model, beam 4), at p50 and p99.

use super::Rows;
use improv::generate::Changes;
use improv::generate::SampleOptions;
use improv::generate::decode::Decoding;
use improv::model::bundle::{Bundle, TrainConfig};
use improv::model::conditioned::CondMeta;
use improv::model::conditioned::CondWeights;
use improv::trade::{Engine, Mode, TradeSettings, Who};

/// The shipped conditioned model when it is there, else a fresh one of the bench's shape.
fn model() -> Bundle {
    match Bundle::load(std::path::Path::new("models/conditioned")) {
        Ok(b) if b.net.conditioned().is_some() => b,
        _ => {
            let (spec, data, _) = improv::fixtures::conditioned_bench();
            let w = CondWeights::init(spec, 0);
            let meta = CondMeta::new(spec, data.register, false, false);
            Bundle::new_conditioned(w, meta, 64, String::new(), TrainConfig::default())
        }
    }
}

pub(super) fn answer(runs: usize, rows: &mut Rows) {
    let bundle = model();
    let settings = TradeSettings {
        bars: 4,
        starts: Who::You,
        mode: Mode::Continue,
        sampling: SampleOptions {
            temperature: improv::generate::TEMPERATURE,
            top_k: 0,
            seed: 1,
        },
        decoding: Decoding {
            beam: 4,
            ..Decoding::default()
        },
    };
    let Ok(changes) = Changes::from_arg("blues-f") else {
        return;
    };
    let Ok(engine) = Engine::new(&bundle, changes, settings) else {
        return;
    };
    let call = improv::fixtures::combo_score(4)
        .melody()
        .map(|m| m.notes.clone())
        .unwrap_or_default();
    let turn = engine.turn(1);
    let mut ms: Vec<f64> = (0..(runs * 20).max(50))
        .map(|_| {
            let t0 = std::time::Instant::now();
            std::hint::black_box(engine.answer(&call, &turn));
            t0.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    let what = "trade: 4-bar answer to a 4-bar call, beam 4";
    rows.push((format!("{what} (p50)"), q(0.5), "ms".into()));
    rows.push((format!("{what} (p99)"), q(0.99), "ms".into()));
}
