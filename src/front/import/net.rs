//! One GET of a live source (Hugging Face, the arXiv API, Crossref), with
//! what every network source needs: a timeout, a clear error naming the
//! source and the full request URL, and a bounded wait on a rate-limit
//! answer.
//!
//! A 429 (or a 503 with `Retry-After`) is retried after the wait the
//! server asks for, at most [`NetOptions::retries`] times and only when the
//! wait is at most [`NetOptions::max_wait`]: a scheduled import should ride
//! out a short throttle, but not sleep for an hour. Otherwise the error
//! says when to try again.

use std::time::Duration;

use time::format_description::well_known::Rfc2822;
use time::OffsetDateTime;

use super::arxiv_api::{agent, seconds};
use crate::base::error::{Error, Result};

/// How sheaf talks to the live sources.
#[derive(Debug, Clone)]
pub struct NetOptions {
    /// The least time between two requests to one source; `None`: the
    /// source's own default ([`Source::interval`]).
    pub interval: Option<Duration>,
    /// How long one request may take.
    pub timeout: Duration,
    /// How many times a rate-limited request is asked again.
    pub retries: u32,
    /// The longest `Retry-After` sheaf waits out; a longer one fails.
    pub max_wait: Duration,
}

/// The command line's defaults, in seconds.
pub mod defaults {
    pub const TIMEOUT_SECONDS: f64 = 30.0;
    pub const RETRIES: u32 = 3;
    pub const MAX_WAIT_SECONDS: f64 = 60.0;
}

impl Default for NetOptions {
    fn default() -> NetOptions {
        NetOptions {
            interval: None,
            timeout: Duration::from_secs_f64(defaults::TIMEOUT_SECONDS),
            retries: defaults::RETRIES,
            max_wait: Duration::from_secs_f64(defaults::MAX_WAIT_SECONDS),
        }
    }
}

/// A live source, for messages and its pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    HuggingFace,
    Arxiv,
    Crossref,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::HuggingFace => "Hugging Face",
            Source::Arxiv => "the arXiv API",
            Source::Crossref => "Crossref",
        }
    }

    /// arXiv asks for at most one request every three seconds; Hugging
    /// Face and Crossref publish no such rule, and a second keeps a month
    /// of daily papers polite.
    pub fn interval(self) -> Duration {
        match self {
            Source::Arxiv => super::resolve::DEFAULT_INTERVAL,
            Source::HuggingFace | Source::Crossref => Duration::from_secs(1),
        }
    }
}

/// `base` with `params` as its query string: the URL as requested.
pub fn request_url(base: &str, params: &[(&str, String)]) -> String {
    match url::Url::parse(base) {
        Ok(mut url) => {
            if !params.is_empty() {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in params {
                    pairs.append_pair(k, v);
                }
            }
            url.to_string()
        }
        // Validated in the config; shown as it is if not.
        Err(_) => base.to_string(),
    }
}

/// A client for `opts`.
pub fn client(opts: &NetOptions) -> ureq::Agent {
    agent(opts.timeout)
}

/// The body of a successful answer to GET `url`, or an error naming the
/// source and the URL. `sleep` waits out a `Retry-After` (tests pass a
/// recorder).
pub fn get(
    agent: &ureq::Agent,
    source: Source,
    url: &str,
    opts: &NetOptions,
    sleep: &mut dyn FnMut(Duration),
) -> Result<String> {
    let failed_from =
        |message: String, cause: Option<Box<dyn std::error::Error + Send + Sync>>| Error::Fetch {
            url: url.to_string(),
            message: format!("{}: {message}", source.name()),
            source: cause,
        };
    let failed = |message: String| failed_from(message, None);
    let mut attempt = 0;
    loop {
        let mut response = agent.get(url).call().map_err(|e| match e {
            ureq::Error::Timeout(_) => {
                failed(format!("no answer within {} s", seconds(opts.timeout)))
            }
            other => failed_from("the request failed".into(), Some(Box::new(other))),
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response
            .body_mut()
            .read_to_string()
            .map_err(|e| failed_from("cannot read the answer".into(), Some(Box::new(e))))?;
        let limited = status.as_u16() == 429 || (status.as_u16() == 503 && retry_after.is_some());
        if limited {
            let now = OffsetDateTime::now_utc();
            let wait = retry_after
                .as_deref()
                .and_then(|v| retry_wait(v, now))
                .unwrap_or(Duration::from_secs(5));
            if attempt < opts.retries && wait <= opts.max_wait {
                attempt += 1;
                sleep(wait);
                continue;
            }
            let when = now + wait;
            let why = if attempt > 0 {
                format!(
                    "still rate-limited after {attempt} retr{}",
                    if attempt == 1 { "y" } else { "ies" }
                )
            } else {
                format!(
                    "asks to wait {} s, more than sheaf waits ({} s, --max-wait)",
                    seconds(wait),
                    seconds(opts.max_wait)
                )
            };
            return Err(failed(format!(
                "HTTP {status} (rate limited): {why}; nothing was written, try again after {} UTC",
                when.format(time::macros::format_description!(
                    "[year]-[month]-[day] [hour]:[minute]:[second]"
                ))
                .unwrap_or_default()
            )));
        }
        if !status.is_success() {
            let snippet: String = body.chars().take(200).collect();
            return Err(failed(format!(
                "answered HTTP {status}: {}",
                snippet.trim()
            )));
        }
        if body.trim().is_empty() {
            return Err(failed("answered with an empty body".to_string()));
        }
        return Ok(body);
    }
}

/// The wait a `Retry-After` value asks for: seconds, or an HTTP date.
pub fn retry_wait(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(s) = value.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    let at = OffsetDateTime::parse(value, &Rfc2822).ok()?;
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = time::macros::datetime!(2015-10-21 07:27:00 UTC);
        assert_eq!(retry_wait("120", now), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_wait("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        // A date already past: no wait.
        assert_eq!(
            retry_wait("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_wait("soon", now), None);
    }

    #[test]
    fn defaults() {
        let d = NetOptions::default();
        assert_eq!(d.timeout, Duration::from_secs(30));
        assert_eq!(d.retries, 3);
        assert_eq!(d.max_wait, Duration::from_secs(60));
        // arXiv asks for one request every three seconds.
        assert_eq!(Source::Arxiv.interval(), Duration::from_secs(3));
        assert_eq!(Source::Crossref.interval(), Duration::from_secs(1));
        assert_eq!(Source::HuggingFace.interval(), Duration::from_secs(1));
    }

    #[test]
    fn request_urls_are_encoded() {
        assert_eq!(
            request_url(
                "https://export.arxiv.org/api/query",
                &[("search_query", "cat:cs.LG AND abs:\"x\"".into())]
            ),
            "https://export.arxiv.org/api/query?search_query=cat%3Acs.LG+AND+abs%3A%22x%22"
        );
    }
}
