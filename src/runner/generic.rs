use std::path::Path;

use super::{Adapter, RunResults};
use crate::error::Result;
use crate::template::Template;

pub struct Generic;

impl Adapter for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }
    fn hunt_command(&self, user: &Template) -> Result<Template> {
        Ok(user.clone())
    }
    fn replay_command(&self, hunt: &Template) -> Result<Template> {
        Ok(hunt.clone())
    }
    fn read_results(&self, _report: &Path) -> RunResults {
        RunResults::default()
    }
}
