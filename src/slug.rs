//! URL segments from ids and names.
//!
//! Letters of any script are kept (lower-cased) so `données` stays readable;
//! everything else that could confuse a path or a URL becomes a hyphen.

/// Turns `INC-2025-014` into `inc-2025-014` and `tls/ssl` into `tls-ssl`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lower_case_and_path_safe() {
        let cases = [
            ("INC-2025-014", "inc-2025-014"),
            ("tls/ssl", "tls-ssl"),
            ("../../etc/passwd", "etc-passwd"),
            ("Données", "données"),
            ("Update-on-crates.io-incident", "update-on-crates-io-incident"),
            ("  spaced  out  ", "spaced-out"),
            ("???", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(slugify(input), expected, "{input}");
        }
    }
}
