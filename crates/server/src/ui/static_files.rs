//! The pages' static files, compiled into the binary: the stylesheet, the
//! page script, and htmx 2 (vendored unchanged; version, licence and digest
//! in `static/htmx.LICENSE.txt`). No CDN: the pages work offline.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `(name, content type, bytes)` of every static file.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "htmx.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/htmx.min.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
    // The gate's offline verifier (its page loads only these two).
    (
        "gate.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/gate.js"),
    ),
    (
        "gate.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/gate.css"),
    ),
];

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                ),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    /// Every page loads all of them: with a board's HTML (≤ 30 KB) a page
    /// must stay within 150 KB uncompressed.
    #[test]
    fn the_static_files_fit_the_page_weight_budget() {
        let total: usize = super::FILES.iter().map(|(_, _, b)| b.len()).sum();
        assert!(total <= 120 * 1024, "static files: {total} bytes");
    }
}
