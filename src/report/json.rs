//! `--format json`: the view as it is, one document (schema in docs/report.md).

use super::view::View;
use crate::error::{Error, Result};

pub fn render(view: &View) -> Result<String> {
    let mut json = serde_json::to_string_pretty(view)
        .map_err(|e| Error::store(format!("cannot encode the report as JSON: {e}")))?;
    json.push('\n');
    Ok(json)
}
