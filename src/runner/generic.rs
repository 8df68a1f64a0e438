//! The generic adapter: any runner that takes a seed and writes JUnit XML, driven by templates.

use std::path::Path;

use super::{
    Adapter, Capabilities, Invocation, JUNIT_OUTCOME, RunResults, VictimCheck, results_from_junit,
};
use crate::error::{Error, Result};
use crate::junit::Case;
use crate::template::{Placeholder, Template};

pub struct Generic;

impl Generic {
    /// JUnit has no single id field: `classname::name` keeps both parts readable, and is what
    /// nextest (`binary::module::test`) and most xUnit runners accept back as a filter.
    pub fn case_id(case: &Case) -> String {
        match case.classname.as_deref() {
            Some(class) if !class.is_empty() => format!("{class}::{}", case.name),
            _ => case.name.clone(),
        }
    }
}

impl Adapter for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }

    /// Chosen when no other adapter recognises the command.
    fn recognises(&self, _invocation: &Invocation) -> bool {
        false
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            seeded_order: "whatever the command does with <seed> (or $BLEED_SEED)",
            explicit_order: "--replay-cmd with <tests> or <tests-file>",
            results: "JUnit XML written at <report> (or $BLEED_REPORT)",
            selector: "classname::name of the JUnit testcase",
            versions: "any",
        }
    }

    fn hunt_command(&self, user: &Template) -> Result<Template> {
        let text = user.as_str();
        if !user.has(Placeholder::Seed) && !text.contains("BLEED_SEED") {
            return Err(Error::usage(format!(
                "the command has no <seed>, so every run would test the same order: put <seed> where \
                 your runner takes its seed, e.g. --cmd \"./run-tests --shuffle-seed <seed> --junit-out <report>\" \
                 (command given: {text})"
            )));
        }
        if !user.has(Placeholder::Report) && !text.contains("BLEED_REPORT") {
            return Err(Error::usage(format!(
                "bleed reads each run's results from a JUnit XML report, and the command has no <report>: \
                 put <report> where your runner writes its JUnit file, e.g. --cmd \"mytool --seed <seed> --junit-out <report>\" \
                 (command given: {text})"
            )));
        }
        Ok(user.clone())
    }

    fn replay_command(&self, _hunt: &Template) -> Result<Template> {
        Err(Error::usage(
            "the generic runner cannot derive a command that runs an explicit order: give one with \
             --replay-cmd, using <tests> or <tests-file> and <report>",
        ))
    }

    fn read_results(&self, report: &Path) -> RunResults {
        results_from_junit(report, Generic::case_id)
    }

    fn victim_check(&self, victim: &str, _name: Option<&str>) -> Option<VictimCheck> {
        Some(VictimCheck::program(
            "python3",
            JUNIT_OUTCOME,
            vec![("VICTIM", victim.to_string())],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hunt_needs_a_seed_and_a_report() {
        let missing_seed =
            Generic.hunt_command(&Template::parse("mytool --junit <report>").unwrap());
        assert!(missing_seed.unwrap_err().message.contains("<seed>"));
        let missing_report =
            Generic.hunt_command(&Template::parse("mytool --seed <seed>").unwrap());
        assert!(missing_report.unwrap_err().message.contains("<report>"));
        let wrapper =
            Template::parse("./ci/test.sh  # reads $BLEED_SEED, writes $BLEED_REPORT").unwrap();
        assert!(Generic.hunt_command(&wrapper).is_ok());
    }

    #[test]
    fn ids_join_classname_and_name() {
        let mut case = Case {
            name: "seed::tests::golden".into(),
            classname: Some("bleed".into()),
            file: None,
            line: None,
            outcome: crate::outcome::Outcome::Passed,
            time: None,
            message: None,
        };
        assert_eq!(Generic::case_id(&case), "bleed::seed::tests::golden");
        case.classname = Some(String::new());
        assert_eq!(Generic::case_id(&case), "seed::tests::golden");
    }
}
