//! One identity per paper: its canonical arXiv id, else its DOI, else its
//! normalised title.

use super::arxiv_id::ArxivId;

/// A paper's identity keys, strongest first. Two entries with a key in
/// common are the same paper, whatever form each wrote its id in.
pub fn identity_keys(arxiv: Option<&str>, doi: Option<&str>, title: &str) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(id) = arxiv.and_then(|a| ArxivId::parse(a).ok()) {
        keys.push(format!("arXiv {}", id.id));
    }
    if let Some(doi) = doi {
        // arXiv's own DOI names the arXiv paper.
        match ArxivId::parse(doi) {
            Ok(id) if doi.to_lowercase().starts_with("10.48550/") => {
                let key = format!("arXiv {}", id.id);
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            _ => keys.push(format!("DOI {}", doi.trim().to_lowercase())),
        }
    }
    keys.push(format!("title “{}”", slug::slugify(title)));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arxiv_doi_is_the_arxiv_identity() {
        let a = identity_keys(Some("math/0611800"), None, "A");
        let b = identity_keys(None, Some("10.48550/arXiv.math.CA/0611800"), "B");
        assert_eq!(a[0], b[0]);
        assert_eq!(
            identity_keys(None, Some("10.1000/XYZ"), "C")[0],
            "DOI 10.1000/xyz"
        );
    }
}
