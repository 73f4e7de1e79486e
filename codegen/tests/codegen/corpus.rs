//! The public corpus (`tests/corpus/`, sources in `SOURCES.tsv`): each document becomes an API
//! with a tool scaffolded for every operation, as a maintainer would start, and generates with
//! its warnings (snapshotted, grouped as the CLI shows them) or is refused with its errors. No
//! document may make the client generator fail (codegen would leave the operation or schema out
//! with a warning, which would mean normalisation missed a shape).

use crate::support::{corpus, scratch, shown};
use codegen::{Selection, generate, scaffold};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    Generates,
    Refused,
}

/// The API name a corpus file gets (`oai-petstore.yaml` → `oai-petstore-yaml`).
fn api_name(file: &str) -> String {
    file.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn run(file: &str, expect: Expect) {
    let api = api_name(file);
    let dir = scratch(&format!("corpus/{api}"));
    let ext = if file.ends_with(".json") { "json" } else { "yaml" };
    std::fs::create_dir_all(dir.join(&api)).unwrap();
    std::fs::copy(corpus().join(file), dir.join(&api).join(format!("openapi.{ext}"))).unwrap();
    let report = match scaffold(&dir, &api, &Selection::All) {
        Ok(_) => {
            let (files, report) = generate(&dir);
            assert_eq!(
                files.is_some(),
                expect == Expect::Generates,
                "{file}:\n{}",
                shown(&report, &dir, false)
            );
            report
        }
        Err(report) => {
            assert_eq!(expect, Expect::Refused, "{file}:\n{}", shown(&report, &dir, false));
            report
        }
    };
    if expect == Expect::Refused {
        assert!(!report.errors.is_empty());
    }
    let failures: Vec<String> = report
        .warnings
        .iter()
        .filter(|w| w.message.contains("the client generator fails on"))
        .map(ToString::to_string)
        .collect();
    assert!(
        failures.is_empty(),
        "{file}: the generator failed on\n{}",
        failures.join("\n")
    );
    insta::assert_snapshot!(api.replace('-', "_"), shown(&report, &dir, false));
}

macro_rules! corpus {
    ($($test:ident: $file:literal => $expect:ident,)*) => {
        $(
            #[test]
            fn $test() {
                run($file, Expect::$expect);
            }
        )*

        #[test]
        fn every_corpus_document_has_a_test() {
            let listed = [$($file),*];
            let mut files: Vec<String> = std::fs::read_dir(corpus())
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|f| f != "SOURCES.tsv")
                .collect();
            files.sort();
            let mut listed: Vec<String> = listed.iter().map(|f| f.to_string()).collect();
            listed.sort();
            assert_eq!(files, listed);
        }
    };
}

corpus! {
    bump_train_travel: "bump-train-travel.yaml" => Generates,
    // Its path items live in files the corpus does not have (the whole repository bundles).
    digitalocean: "digitalocean-public-v2.yaml" => Refused,
    discord: "discord.json" => Generates,
    github: "github-api.github.com.json" => Generates,
    kubernetes_version: "k8s-version.json" => Generates,
    oai_api_with_examples: "oai-api-with-examples.yaml" => Generates,
    oai_callback_example: "oai-callback-example.yaml" => Generates,
    oai_link_example: "oai-link-example.yaml" => Generates,
    oai_non_oauth_scopes: "oai-non-oauth-scopes.yaml" => Generates,
    oai_petstore_expanded_json: "oai-petstore-expanded.json" => Generates,
    oai_petstore_expanded_yaml: "oai-petstore-expanded.yaml" => Generates,
    oai_petstore: "oai-petstore.yaml" => Generates,
    oai_tictactoe: "oai-tictactoe.yaml" => Generates,
    oai_uspto_json: "oai-uspto.json" => Generates,
    oai_uspto_yaml: "oai-uspto.yaml" => Generates,
    // Swagger 2.0: refused with the converter to use.
    oai_swagger_2_petstore: "oai-v2.0-petstore.yaml" => Refused,
    oai_openapi_32_tags: "oai-v3.2-tags-example.yaml" => Generates,
    oai_webhook_example: "oai-webhook-example.yaml" => Generates,
    openai_json: "openai.json" => Generates,
    openai_yaml: "openai.yaml" => Generates,
    oxide_buildomat: "oxide-buildomat.json" => Generates,
    oxide_keeper: "oxide-keeper.json" => Generates,
    oxide_nexus: "oxide-nexus.json" => Generates,
    oxide_propolis_server: "oxide-propolis-server.json" => Generates,
    oxide: "oxide.json" => Generates,
    redocly_museum: "redocly-museum.yaml" => Generates,
    stripe: "stripe-spec3-2023-08.yaml" => Generates,
    swagger_petstore3: "swagger-petstore3.yaml" => Generates,
    twilio_api_v2010: "twilio-api-v2010.json" => Generates,
    twilio_lookups_v1: "twilio-lookups-v1.yaml" => Generates,
}
