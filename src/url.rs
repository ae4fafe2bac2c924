//! How pages link to each other and to assets.
//!
//! Without a `base_url` the site is *portable*: every link is relative to
//! the page and names `index.html`, so the folder works when opened from
//! disk, copied to any host, or served under any sub-path. With a
//! `base_url` links are rooted at its path (`/kb/postmortems/inc-1/`):
//! clean permalinks for a published site, and absolute addresses for feeds.

/// The way links are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlStyle {
    /// Relative to the linking page, with explicit `index.html`.
    Portable,
    /// Rooted at this path, which starts and ends with `/`.
    Rooted(String),
}

impl UrlStyle {
    /// The link from the page in folder `from` (site-relative, such as
    /// `postmortems/inc-1/`, or empty for the home page) to `target`
    /// (site-relative, such as `postmortems/` or `assets/style.css`,
    /// optionally with `#anchor`).
    pub fn href(&self, from: &str, target: &str) -> String {
        match self {
            UrlStyle::Rooted(path) => format!("{path}{target}"),
            UrlStyle::Portable => {
                let depth = from.split('/').filter(|s| !s.is_empty()).count();
                let (path, anchor) = match target.split_once('#') {
                    Some((path, anchor)) => (path, format!("#{anchor}")),
                    None => (target, String::new()),
                };
                let index = if path.is_empty() || path.ends_with('/') { "index.html" } else { "" };
                format!("{}{path}{index}{anchor}", "../".repeat(depth))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_links_climb_to_the_root_and_name_index_files() {
        let style = UrlStyle::Portable;
        let cases = [
            ("", "", "index.html"),
            ("", "postmortems/", "postmortems/index.html"),
            ("postmortems/", "postmortems/inc-1/", "../postmortems/inc-1/index.html"),
            (
                "postmortems/inc-2/",
                "postmortems/inc-1/#five-whys",
                "../../postmortems/inc-1/index.html#five-whys",
            ),
            ("postmortems/inc-2/", "assets/style.css", "../../assets/style.css"),
        ];
        for (from, target, expected) in cases {
            assert_eq!(style.href(from, target), expected, "{from} -> {target}");
        }
    }

    #[test]
    fn rooted_links_keep_the_base_path() {
        let style = UrlStyle::Rooted("/kb/".into());
        assert_eq!(
            style.href("postmortems/inc-2/", "postmortems/inc-1/"),
            "/kb/postmortems/inc-1/"
        );
        assert_eq!(style.href("", "assets/style.css"), "/kb/assets/style.css");
    }
}
