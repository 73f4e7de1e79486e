//! Generated SDKs compile: every normalisation fixture's, and the small and medium documents of
//! the corpus (`.ci/corpus-sdks` checks the large ones), in one cargo workspace under the target
//! directory, offline, with the workspace's lockfile, so only the SDKs themselves are new work.

use crate::support::{corpus, fixtures, scratch, subdirs};
use codegen::{Selection, generate, scaffold};
use std::path::{Path, PathBuf};

/// Corpus documents whose SDKs this test compiles (the large ones take minutes each).
const CORPUS: [&str; 16] = [
    "bump-train-travel.yaml",
    "k8s-version.json",
    "oai-api-with-examples.yaml",
    "oai-callback-example.yaml",
    "oai-link-example.yaml",
    "oai-non-oauth-scopes.yaml",
    "oai-petstore-expanded.yaml",
    "oai-tictactoe.yaml",
    "oai-uspto.yaml",
    "oai-v3.2-tags-example.yaml",
    "oxide-buildomat.json",
    "oxide-keeper.json",
    // Dropshot WebSockets: the SDK needs base64 and rand.
    "oxide-propolis-server.json",
    "redocly-museum.yaml",
    "swagger-petstore3.yaml",
    "twilio-lookups-v1.yaml",
];

/// Generates `specs` and moves its SDK crates into `crates`.
fn sdks_of(specs: &Path, crates: &Path) -> Vec<String> {
    let (files, report) = generate(specs);
    let files = files.unwrap_or_else(|| panic!("{}: {}", specs.display(), report.render(true, false, "")));
    let mut names = Vec::new();
    for (rel, text) in files.out {
        let Some(first) = rel.components().next() else { continue };
        let krate = first.as_os_str().to_string_lossy().to_string();
        if !krate.ends_with("-sdk") {
            continue;
        }
        let path = crates.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        if !names.contains(&krate) {
            names.push(krate);
        }
    }
    names
}

#[test]
fn generated_sdks_compile_without_warnings() {
    let work = scratch("sdks");
    let crates = work.join("crates");
    let mut members = Vec::new();
    for (i, case) in subdirs(&fixtures().join("normalize")).into_iter().enumerate() {
        // Each fixture's API gets its own name: several are called `notes`.
        let specs = work.join(format!("fixture-{i}"));
        crate::support::copy_tree(&case, &specs);
        for api in subdirs(&specs) {
            let name = format!("{}{i}", api.file_name().unwrap().to_string_lossy());
            std::fs::rename(&api, specs.join(&name)).unwrap();
        }
        members.extend(sdks_of(&specs, &crates));
    }
    for file in CORPUS {
        let api: String = file
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let specs = work.join(format!("corpus-{api}"));
        std::fs::create_dir_all(specs.join(&api)).unwrap();
        let ext = if file.ends_with(".json") { "json" } else { "yaml" };
        std::fs::copy(corpus().join(file), specs.join(&api).join(format!("openapi.{ext}"))).unwrap();
        scaffold(&specs, &api, &Selection::All).unwrap_or_else(|r| panic!("{file}: {}", r.render(true, false, "")));
        members.extend(sdks_of(&specs, &crates));
    }
    let quoted: Vec<String> = members.iter().map(|m| format!("\"crates/{m}\"")).collect();
    std::fs::write(
        work.join("Cargo.toml"),
        format!("[workspace]\nresolver = \"3\"\nmembers = [{}]\n", quoted.join(", ")),
    )
    .unwrap();
    std::fs::copy(crate::support::root().join("Cargo.lock"), work.join("Cargo.lock")).unwrap();
    // Kept between runs (outside the scratch directory) so dependencies build once.
    let target: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join("codegen-sdks-target");
    let output = std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["check", "--workspace", "--offline", "--quiet", "--message-format=short"])
        .env("CARGO_TARGET_DIR", &target)
        .env("RUSTFLAGS", "-D warnings")
        .current_dir(&work)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "generated SDKs do not compile:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(members.len() >= 20, "{members:?}");
}
