//! Replays every committed fuzz corpus file and every past finding through the fuzz targets'
//! entry points, on stable Rust, in `make test` (seconds, not minutes): a crash fixed once
//! stays fixed, and the corpora keep exercising what they reached.

use std::path::Path;

use payquery_fuzz_harness::Target;

#[test]
fn every_corpus_and_regression_input_runs_clean() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut total = 0;
    for target in Target::all() {
        let mut count = 0;
        for dir in ["corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target.name())) else {
                continue;
            };
            for entry in entries {
                let path = entry.expect("readable corpus directory").path();
                let data = std::fs::read(&path).expect("readable corpus file");
                target.run(&data);
                count += 1;
            }
        }
        assert!(count > 0, "no corpus for {}", target.name());
        total += count;
    }
    println!("replayed {total} fuzz inputs");
}
