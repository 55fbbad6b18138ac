//! What a source says about a paper, before cleaning and merging.

use time::Date;

use crate::input::content::arxiv_id::ArxivId;
pub(crate) use crate::input::content::DatePrecision;

/// Live numbers a source reports (Hugging Face upvotes and comments,
/// GitHub stars).
/// They change every day, so they are stored with the day they were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Metrics {
    pub upvotes: Option<u64>,
    pub stars: Option<u64>,
    pub comments: Option<u64>,
}

/// A paper as a source gives it. Text fields are raw (TeX and all): the
/// import pipeline cleans them the same way for every source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Record {
    /// Where in the file the record is, for messages: `line 12`,
    /// `entry 3 (2504.03380)`, `@article{smith2020}`.
    pub(crate) locator: String,
    /// 1-based line of the record in its file, when the format has lines.
    pub(crate) line: Option<usize>,
    pub(crate) title: String,
    /// Empty when the source has none: it then leaves an entry's abstract
    /// alone.
    pub(crate) abstract_text: String,
    /// Author names as the source writes them (one string each).
    pub(crate) authors: Vec<String>,
    pub(crate) arxiv: Option<ArxivId>,
    /// A DOI other than arXiv's own (which follows from the arXiv id).
    pub(crate) doi: Option<String>,
    /// The paper's page when it is not an arXiv abstract page.
    pub(crate) url: Option<String>,
    pub(crate) code: Option<String>,
    /// A project page.
    pub(crate) project: Option<String>,
    /// When the source first published the paper.
    pub(crate) published: Option<Date>,
    /// How much of `published` the source gave (a BibTeX `year` alone is
    /// the year's first day, at `Year` precision).
    pub(crate) published_precision: DatePrecision,
    /// When the source last revised it.
    pub(crate) updated: Option<Date>,
    /// arXiv categories, primary first.
    pub(crate) categories: Vec<String>,
    pub(crate) journal_ref: Option<String>,
    /// Keywords the source attaches (not the curator's tags).
    pub keywords: Vec<String>,
    pub metrics: Option<Metrics>,
    /// The theme the import that brought it files new entries under (an
    /// item of the config's `imports:`); before the import's own.
    pub theme: Option<String>,
}

impl Record {
    /// A record with only a title and an abstract.
    pub(crate) fn new(
        locator: impl Into<String>,
        line: Option<usize>,
        title: &str,
        abstract_text: &str,
    ) -> Record {
        Record {
            locator: locator.into(),
            line,
            title: title.to_string(),
            abstract_text: abstract_text.to_string(),
            ..Record::default()
        }
    }
}

/// The records of one file, and the records that could not be read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub(crate) records: Vec<Record>,
    /// One per bad record (or for the whole file), naming the file, the
    /// record and the problem.
    pub(crate) errors: Vec<crate::base::error::Diagnostic>,
}

/// Byte offset → 1-based line (and column), for formats whose parsers
/// report offsets.
pub(super) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(super) fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    pub(super) fn line(&self, pos: usize) -> usize {
        self.starts.partition_point(|&s| s <= pos).max(1)
    }

    /// Byte offset where the line holding `pos` starts.
    pub(super) fn line_start(&self, pos: usize) -> usize {
        self.starts[self.line(pos) - 1]
    }

    pub(super) fn column(&self, text: &str, pos: usize) -> usize {
        let start = self.line_start(pos);
        text.get(start..pos).map_or(1, |s| s.chars().count() + 1)
    }
}
