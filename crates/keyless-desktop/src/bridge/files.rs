//! The built UI (`ui/dist`) as static files.
//!
//! Only plain relative paths inside the folder are served; nothing is listed, and paths with
//! `..`, backslashes or absolute components are refused before touching the disk.

use std::{path::PathBuf, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use super::Bridge;

pub async fn serve(State(bridge): State<Arc<Bridge>>, request: Request) -> Response {
    let path = request.uri().path();
    let Some(relative) = safe_relative_path(path) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    let file = bridge.ui_dir.join(&relative);
    match tokio::fs::read(&file).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&relative)), (header::CACHE_CONTROL, "no-store")], bytes)
            .into_response(),
        Err(_) if relative == std::path::Path::new("index.html") => (
            StatusCode::NOT_FOUND,
            format!("no UI in {}: build it with `npm run build` in ui/\n", bridge.ui_dir.display()),
        )
            .into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

/// `/` is `index.html`; other paths must be made of ordinary segments.
fn safe_relative_path(path: &str) -> Option<PathBuf> {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() {
        return Some(PathBuf::from("index.html"));
    }
    let mut relative = PathBuf::new();
    for segment in trimmed.split('/') {
        let ordinary = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && !segment.contains('\\')
            && !segment.contains(':')
            && !segment.contains('%');
        if !ordinary {
            return None;
        }
        relative.push(segment);
    }
    Some(relative)
}

fn content_type(path: &std::path::Path) -> &'static str {
    match path.extension().and_then(|extension| extension.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_paths_inside_the_folder_are_served() {
        assert_eq!(safe_relative_path("/"), Some(PathBuf::from("index.html")));
        assert_eq!(safe_relative_path("/assets/index-1a2b.js"), Some(PathBuf::from("assets/index-1a2b.js")));
        for refused in ["/../Cargo.toml", "/assets/../../x", "/a//b", "/%2e%2e/x", "/a\\b", "/c:/x"] {
            assert_eq!(safe_relative_path(refused), None, "{refused}");
        }
    }

    #[test]
    fn scripts_and_pages_have_their_types() {
        assert_eq!(content_type(std::path::Path::new("index.html")), "text/html; charset=utf-8");
        assert_eq!(content_type(std::path::Path::new("assets/app.js")), "text/javascript; charset=utf-8");
    }
}
