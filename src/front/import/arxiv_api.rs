//! Asking the arXiv API for papers, over HTTP: by id (`import --arxiv`)
//! or by title (`resolve`).
//!
//! The API's base URL is a config value (`arxiv_api`), so tests point it at
//! a server on 127.0.0.1 that answers with recorded responses.

use std::time::Duration;

use crate::base::error::Result;
use crate::input::content::arxiv_id::ArxivId;

/// How long one request may take before sheaf gives up on it.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);

/// arXiv asks clients to keep requests modest; ids go in batches.
const BATCH: usize = 50;

/// The Atom responses for `ids`, one per batch, each request given
/// `timeout`.
pub(super) fn fetch(api: &str, ids: &[ArxivId], timeout: Duration) -> Result<Vec<String>> {
    let agent = agent(timeout);
    let mut pages = Vec::new();
    for batch in ids.chunks(BATCH) {
        let list: Vec<String> = batch.iter().map(ToString::to_string).collect();
        let params = [
            ("id_list", list.join(",")),
            ("max_results", batch.len().to_string()),
        ];
        pages.push(get(&agent, api, &params, timeout)?);
    }
    Ok(pages)
}

/// An HTTP client that gives up on a request after `timeout`.
pub(crate) fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .user_agent(concat!("sheaf/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// One GET of the API with these query parameters: the body of a
/// successful answer, or an error saying what went wrong. A rate-limit
/// answer is waited out as for every live source (see [`super::net`]).
pub(super) fn get(
    agent: &ureq::Agent,
    api: &str,
    params: &[(&str, String)],
    timeout: Duration,
) -> Result<String> {
    let url = super::net::request_url(api, params);
    let opts = super::net::NetOptions {
        timeout,
        ..super::net::NetOptions::default()
    };
    super::net::get(
        agent,
        super::net::Source::Arxiv,
        &url,
        &opts,
        &mut std::thread::sleep,
    )
}

/// `30`, `0.5`: a duration in seconds as a person writes it.
pub(crate) fn seconds(d: Duration) -> String {
    let s = format!("{:.3}", d.as_secs_f64());
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
