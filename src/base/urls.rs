//! Every URL sheaf writes is made here, from `base_url`.
//!
//! A GitHub Pages project site lives under a sub-path
//! (`https://user.github.io/digest/`), so nothing may assume the site is at
//! the root of its host. Pages link with root-relative URLs that carry the
//! base path (`/digest/papers/x/`); feeds, sitemaps and canonical links use
//! absolute URLs. Both come from the same two functions.

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Urls {
    /// Absolute, ends in `/`.
    base_url: String,
    /// Starts and ends in `/`.
    base_path: String,
}

impl Urls {
    /// Parses and normalises a base URL; only http(s) is accepted.
    pub fn new(base_url: &str) -> Result<Urls, String> {
        let mut url = Url::parse(base_url.trim())
            .map_err(|e| format!("`base_url` is not a valid URL ({e}): {base_url:?}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(format!(
                "`base_url` must be an http(s) URL with a host, got {base_url:?}"
            ));
        }
        url.set_query(None);
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(Urls {
            base_path: url.path().to_string(),
            base_url: url.into(),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The root-relative URL of a site path such as `papers/x/` or
    /// `style.css` (leading slashes are ignored).
    pub(crate) fn path(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path.trim_start_matches('/'))
    }

    /// The absolute URL of a site path.
    pub(crate) fn permalink(&self, site_path: &str) -> String {
        format!("{}{}", self.base_url, site_path.trim_start_matches('/'))
    }
}

/// Is `s` an absolute http(s) URL? Front matter links must be: anything
/// else (`javascript:`, `data:`) could run in a reader's browser.
pub(crate) fn is_web_url(s: &str) -> bool {
    Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_path() {
        let u = Urls::new("https://user.github.io/digest").unwrap();
        assert_eq!(u.base_url(), "https://user.github.io/digest/");
        assert_eq!(u.path("papers/x/"), "/digest/papers/x/");
        assert_eq!(u.path("/style.css"), "/digest/style.css");
        assert_eq!(
            u.permalink("atom.xml"),
            "https://user.github.io/digest/atom.xml"
        );
        assert!(Urls::new("ftp://x/").is_err());
        assert!(Urls::new("not a url").is_err());
    }

    #[test]
    fn web_urls_only() {
        assert!(is_web_url("https://arxiv.org/abs/2504.03380"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("/relative"));
    }
}
