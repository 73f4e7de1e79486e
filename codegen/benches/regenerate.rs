//! `cargo bench -p codegen`: how long regeneration takes on the largest public specs of the
//! corpus (each an API with a tool for every operation, as the corpus tests set them up), from
//! reading the spec to every file formatted, in memory. Three runs each; the median is reported.

use codegen::{Selection, generate, scaffold};
use std::path::Path;
use std::time::{Duration, Instant};

const DOCUMENTS: [&str; 4] = [
    "stripe-spec3-2023-08.yaml",
    "github-api.github.com.json",
    "openai.json",
    "discord.json",
];

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let work = std::env::temp_dir().join(format!("codegen-bench-{}", std::process::id()));
    println!("{:<28} {:>10} {:>8}", "document", "operations", "median");
    for doc in DOCUMENTS {
        let api: String = doc
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let specs = work.join(&api);
        std::fs::create_dir_all(specs.join(&api)).unwrap();
        let ext = if doc.ends_with(".json") { "json" } else { "yaml" };
        std::fs::copy(corpus.join(doc), specs.join(&api).join(format!("openapi.{ext}"))).unwrap();
        let summary =
            scaffold(&specs, &api, &Selection::All).unwrap_or_else(|r| panic!("{}", r.render(true, false, "")));
        let operations = summary.lines().filter(|l| l.contains('→')).count();
        let mut times: Vec<Duration> = (0..3)
            .map(|_| {
                let start = Instant::now();
                let (files, report) = generate(&specs);
                assert!(files.is_some(), "{}", report.render(true, false, ""));
                start.elapsed()
            })
            .collect();
        times.sort();
        println!("{doc:<28} {operations:>10} {:>7.2}s", times[1].as_secs_f64());
    }
    println!("peak RSS of the run: {} MiB", peak_rss_kib() / 1024);
    let _ = std::fs::remove_dir_all(&work);
}

/// The process's peak resident set so far (Linux), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
