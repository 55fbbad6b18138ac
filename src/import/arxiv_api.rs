//! Asking the arXiv API for papers by id, over HTTP.
//!
//! The API's base URL is a config value (`arxiv_api`), so tests point it at
//! a server on 127.0.0.1 that answers with recorded responses.

use std::time::Duration;

use crate::content::arxiv_id::ArxivId;
use crate::error::{Error, Result};

/// How long one request may take before sheaf gives up on it.
const TIMEOUT: Duration = Duration::from_secs(30);

/// arXiv asks clients to keep requests modest; ids go in batches.
const BATCH: usize = 50;

/// The Atom responses for `ids`, one per batch.
pub fn fetch(api: &str, ids: &[ArxivId]) -> Result<Vec<String>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("sheaf/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut pages = Vec::new();
    for batch in ids.chunks(BATCH) {
        let list: Vec<String> = batch.iter().map(ToString::to_string).collect();
        let list = list.join(",");
        let failed = |message: String| Error::Fetch {
            url: api.to_string(),
            message,
        };
        let mut response = agent
            .get(api)
            .query("id_list", &list)
            .query("max_results", batch.len().to_string())
            .call()
            .map_err(|e| {
                failed(match e {
                    ureq::Error::Timeout(_) => format!("no answer within {} s", TIMEOUT.as_secs()),
                    other => other.to_string(),
                })
            })?;
        let status = response.status();
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| failed(format!("cannot read the answer: {e}")))?;
        if !status.is_success() {
            let snippet: String = body.chars().take(200).collect();
            return Err(failed(format!("the API answered HTTP {status}: {snippet}")));
        }
        pages.push(body);
    }
    Ok(pages)
}
