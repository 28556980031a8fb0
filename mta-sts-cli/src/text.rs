//! Text helpers shared by the commands' output: escaping untrusted text, tables,
//! counted nouns.

/// Report text is untrusted: control characters (a terminal escape in an
/// `organization-name`) are shown escaped, never written raw.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() {
            out.extend(ch.escape_debug());
        } else {
            out.push(ch);
        }
    }
    out
}

/// An aligned text table, indented by four spaces, columns two spaces apart; cells
/// are made printable and empty cells shown as `-`.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let cell = |text: &str| {
        if text.is_empty() {
            "-".to_owned()
        } else {
            printable(text)
        }
    };
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (i, c) in row.iter().enumerate() {
            let len = c.chars().count();
            match widths.get_mut(i) {
                Some(width) => *width = (*width).max(len),
                None => widths.push(len),
            }
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&body) {
        let mut line = String::from("    ");
        for (i, c) in row.iter().enumerate() {
            let width = widths.get(i).copied().unwrap_or(0);
            line.push_str(c);
            let pad = width.saturating_sub(c.chars().count()) + 2;
            line.extend(std::iter::repeat_n(' ', pad));
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// `3 mx patterns`, `1 warning`.
pub(crate) fn plural(count: usize, what: &str) -> String {
    if count == 1 {
        format!("1 {what}")
    } else {
        format!("{count} {what}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_marks_empty_cells() {
        let text = table(
            &["#", "name", "n"],
            &[
                vec!["0".into(), "a".into(), "10".into()],
                vec!["1".into(), String::new(), "7".into()],
                vec!["2".into(), "longer".into(), String::new()],
            ],
        );
        assert_eq!(
            text,
            "    #  name    n\n    0  a       10\n    1  -       7\n    2  longer  -\n"
        );
    }

    #[test]
    fn table_counts_characters_not_bytes() {
        let text = table(&["h"], &[vec!["é".into()], vec!["ab".into()]]);
        assert_eq!(text, "    h\n    é\n    ab\n");
    }

    #[test]
    fn printable_escapes_control_characters() {
        assert_eq!(printable("Company-X"), "Company-X");
        assert_eq!(printable("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(printable("line\nbreak\t"), "line\\nbreak\\t");
        assert_eq!(printable("Zürich"), "Zürich");
        // Inside tables too.
        assert_eq!(table(&["h"], &[vec!["\x07".into()]]), "    h\n    \\u{7}\n");
    }

    #[test]
    fn plural_counts() {
        assert_eq!(plural(0, "warning"), "0 warnings");
        assert_eq!(plural(1, "warning"), "1 warning");
        assert_eq!(plural(2, "mx pattern"), "2 mx patterns");
    }
}
