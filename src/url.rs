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
    pub fn href<'a>(&self, from: &'a str, target: &'a str) -> String {
        match self {
            UrlStyle::Rooted(path) => format!("{path}{target}"),
            UrlStyle::Portable => {
                // Every page of a site links through here, many times, so
                // the link is written straight into one string.
                let (path, anchor) = target.split_at(target.find('#').unwrap_or(target.len()));
                let segments = |p: &'a str| p.split('/').filter(|s| !s.is_empty());
                let is_folder = path.is_empty() || path.ends_with('/');
                let there = segments(path).count();
                // Only the target's folders can be common ground: its last
                // segment may be a file name.
                let folders = if is_folder { there } else { there.saturating_sub(1) };
                let common = segments(from)
                    .zip(segments(path).take(folders))
                    .take_while(|(a, b)| a == b)
                    .count();
                let climbs = segments(from).count() - common;
                let mut link = String::with_capacity(3 * climbs + path.len() + anchor.len() + 11);
                for _ in 0..climbs {
                    link.push_str("../");
                }
                for (i, segment) in segments(path).skip(common).enumerate() {
                    if i > 0 {
                        link.push('/');
                    }
                    link.push_str(segment);
                }
                if is_folder {
                    if common < there {
                        link.push('/');
                    }
                    link.push_str("index.html");
                }
                link.push_str(anchor);
                link
            }
        }
    }
}

/// Decodes `%20`-style escapes that editors write into link paths.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
            ("postmortems/", "postmortems/inc-1/", "inc-1/index.html"),
            ("postmortems/", "postmortems/", "index.html"),
            ("postmortems/inc-2/", "postmortems/inc-1/#five-whys", "../inc-1/index.html#five-whys"),
            ("postmortems/inc-2/", "postmortems/inc-2/#timeline", "index.html#timeline"),
            ("postmortems/inc-2/", "assets/style.css", "../../assets/style.css"),
            ("tags/", "tags/c/", "c/index.html"),
            ("actions/owners/sre/", "actions/", "../../index.html"),
            ("search/", "search/index.js", "index.js"),
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
