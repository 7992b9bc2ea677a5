//! The page: a self-contained HTML document (inline CSS, figures as inline SVG, no
//! script, nothing fetched), and the small helpers the sections build it with.

/// Escape text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// A section with its heading and body (already HTML).
pub fn section(id: &str, heading: &str, body: &str) -> String {
    format!(
        "<section id=\"{id}\">\n<h2>{}</h2>\n{body}\n</section>\n",
        escape(heading)
    )
}

/// A table with a header row; cells are text, escaped here.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cells = |row: &[String], tag: &str| -> String {
        row.iter()
            .map(|c| format!("<{tag}>{}</{tag}>", escape(c)))
            .collect()
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let body: String = rows
        .iter()
        .map(|r| format!("<tr>{}</tr>\n", cells(r, "td")))
        .collect();
    format!(
        "<table>\n<thead><tr>{}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>",
        cells(&head, "th")
    )
}

/// A paragraph of text.
pub fn para(text: &str) -> String {
    format!("<p>{}</p>", escape(text))
}

/// A figure (an SVG string) in its frame.
pub fn figure(svg: &str) -> String {
    format!("<figure>\n{svg}\n</figure>")
}

const STYLE: &str = "body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
th{background:#f3f3f3}figure{margin:.5em 0}svg{max-width:100%;height:auto}.note{color:#666}";

/// The whole document.
pub fn page(title: &str, sections: &[String]) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{t}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n<h1>{t}</h1>\n{}</body>\n</html>\n",
        sections.concat(),
        t = escape(title)
    )
}
