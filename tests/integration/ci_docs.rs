//! The CI configurations of docs/ci.md, checked as their services check them: each YAML block
//! against the service's published schema (SchemaStore's, as `check-jsonschema` vendors them),
//! and what a schema cannot see.

use std::process::Command;

use crate::util::{self, Sandbox};

const GUIDE: &str = include_str!("../../docs/ci.md");

/// The guide's YAML blocks, in its order: GitHub Actions, CircleCI, GitLab.
fn configurations() -> Vec<&'static str> {
    GUIDE
        .split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().expect("a block ends"))
        .collect()
}

#[test]
fn each_configuration_is_valid_for_its_ci_service() {
    if !util::require_runner(
        "check-jsonschema (pip install check-jsonschema)",
        &[&["check-jsonschema", "--version"]],
    ) {
        return;
    }
    let sandbox = Sandbox::new();
    let schemas = [
        "vendor.github-workflows",
        "vendor.circle-ci",
        "vendor.gitlab-ci",
    ];
    let configurations = configurations();
    assert_eq!(configurations.len(), schemas.len());
    for (configuration, schema) in configurations.into_iter().zip(schemas) {
        let file = format!("{schema}.yml");
        sandbox.write(&file, configuration);
        let checked = Command::new("check-jsonschema")
            .args(["--builtin-schema", schema, &file])
            .current_dir(sandbox.path())
            .output()
            .expect("run check-jsonschema");
        assert!(
            checked.status.success(),
            "{schema}:\n{}{}",
            String::from_utf8_lossy(&checked.stdout),
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}

/// A run's artifacts outlive its attempts, and `actions/upload-artifact` v4 refuses a name the
/// run already has unless told `overwrite: true`: without it, "Re-run failed jobs" on a shard
/// that failed fails again, at the upload of its store.
#[test]
fn every_github_upload_can_be_made_again_by_a_job_run_again() {
    let github = configurations()[0];
    let uploads: Vec<&str> = github
        .split("- uses: ")
        .filter(|step| step.starts_with("actions/upload-artifact@"))
        .collect();
    assert_eq!(uploads.len(), 4, "{github}");
    for upload in uploads {
        assert!(upload.contains("overwrite: true"), "{upload}");
    }
}
