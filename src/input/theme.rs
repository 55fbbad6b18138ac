//! The theme built into sheaf: the repository's `themes/default/`, in the
//! binary, for sites with `templates: builtin` and for `--eject-theme`.

/// The repository's `themes/default/`, file by file (paths relative to it):
/// the built-in theme (`templates: builtin`), and what `--eject-theme`
/// writes.
/// Listed by hand rather than through a build script or a crate;
/// `tests/it/init.rs` fails, naming the file, when a theme file is added or
/// removed without this list following.
pub const DEFAULT_THEME: &[(&str, &[u8])] = &[
    (
        "static/cite.js",
        include_bytes!("../../themes/default/static/cite.js"),
    ),
    (
        "static/favicon.svg",
        include_bytes!("../../themes/default/static/favicon.svg"),
    ),
    (
        "static/lists.js",
        include_bytes!("../../themes/default/static/lists.js"),
    ),
    (
        "static/style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
    (
        "templates/404.html",
        include_bytes!("../../themes/default/templates/404.html"),
    ),
    (
        "templates/archive.html",
        include_bytes!("../../themes/default/templates/archive.html"),
    ),
    (
        "templates/atom.xml",
        include_bytes!("../../themes/default/templates/atom.xml"),
    ),
    (
        "templates/base.html",
        include_bytes!("../../themes/default/templates/base.html"),
    ),
    (
        "templates/facet.html",
        include_bytes!("../../themes/default/templates/facet.html"),
    ),
    (
        "templates/index.html",
        include_bytes!("../../themes/default/templates/index.html"),
    ),
    (
        "templates/month.html",
        include_bytes!("../../themes/default/templates/month.html"),
    ),
    (
        "templates/paper.html",
        include_bytes!("../../themes/default/templates/paper.html"),
    ),
    (
        "templates/partials/pagination.html",
        include_bytes!("../../themes/default/templates/partials/pagination.html"),
    ),
    (
        "templates/partials/paper_card.html",
        include_bytes!("../../themes/default/templates/partials/paper_card.html"),
    ),
    (
        "templates/partials/paper_list.html",
        include_bytes!("../../themes/default/templates/partials/paper_list.html"),
    ),
    (
        "templates/partials/paper_rows.html",
        include_bytes!("../../themes/default/templates/partials/paper_rows.html"),
    ),
    (
        "templates/rss.xml",
        include_bytes!("../../themes/default/templates/rss.xml"),
    ),
    (
        "templates/search.html",
        include_bytes!("../../themes/default/templates/search.html"),
    ),
    (
        "templates/sitemap.xml",
        include_bytes!("../../themes/default/templates/sitemap.xml"),
    ),
    (
        "templates/tag.html",
        include_bytes!("../../themes/default/templates/tag.html"),
    ),
    (
        "templates/tags.html",
        include_bytes!("../../themes/default/templates/tags.html"),
    ),
    (
        "templates/theme.html",
        include_bytes!("../../themes/default/templates/theme.html"),
    ),
    (
        "templates/themes.html",
        include_bytes!("../../themes/default/templates/themes.html"),
    ),
];
