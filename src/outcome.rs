use serde::{Deserialize, Serialize};

/// What happened to one test in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Passed,
    Failed,
    /// An error outside the assertion (setup, teardown, exception); mocha reports all failures so.
    Errored,
    Skipped,
    /// Failed, then passed when the runner retried it (Surefire/nextest `flakyFailure`).
    /// It counts as a failure: the failure happened at this position in this order, and the
    /// retry ran in a different state.
    Flaky,
}

impl Outcome {
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Failed | Outcome::Errored | Outcome::Flaky)
    }

    pub fn is_pass(self) -> bool {
        self == Outcome::Passed
    }
}

/// One test's result in one run, in execution order within the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestResult {
    /// The adapter's identifier, also the selector used to replay the test.
    pub id: String,
    pub outcome: Outcome,
    /// Seconds, as the runner reported them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// First line of the failure message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[cfg(test)]
impl TestResult {
    /// A result with nothing but its id and outcome, as the unit tests build them.
    pub fn bare(id: &str, outcome: Outcome) -> TestResult {
        TestResult {
            id: id.to_string(),
            outcome,
            duration: None,
            message: None,
            file: None,
            line: None,
        }
    }
}
