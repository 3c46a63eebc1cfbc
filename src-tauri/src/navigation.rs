//! Keeps the window on the app's own pages: no remote content ever loads in it.
//!
//! A link to Microsoft's documentation or to the device code sign-in page opens in the user's
//! browser instead; any other navigation away from the app is refused. Only a debug build
//! loads the UI from the Vite dev server; a release build refuses that origin like any other.

use tauri::{Runtime, Url, plugin::TauriPlugin};

/// Hosts whose https pages the UI links to: "learn more" pages, and the page where a device
/// code is entered (`https://microsoft.com/devicelogin`, or Entra's own for other clouds).
const DOCUMENTATION_HOSTS: &[&str] = &[
    "learn.microsoft.com",
    "microsoft.com",
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
];

pub(crate) fn guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| match classify(url, DEV_SERVER_ALLOWED) {
            Destination::App => true,
            Destination::Documentation => {
                // Opening the browser is best effort: the link text shows the address to copy.
                if let Err(error) = open::that_detached(url.as_str()) {
                    eprintln!("keyless: could not open {url} in the browser: {error}");
                }
                false
            }
            Destination::Refused => false,
        })
        .build()
}

/// Whether this build may show the Vite dev server (tauri.conf.json `devUrl`): debug builds
/// only, since in a release build whatever listens on that port would run inside the window.
const DEV_SERVER_ALLOWED: bool = cfg!(debug_assertions);

#[derive(Debug, PartialEq, Eq)]
enum Destination {
    App,
    Documentation,
    Refused,
}

fn classify(url: &Url, dev_server_allowed: bool) -> Destination {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        // The embedded UI: tauri://localhost on Linux and macOS, http://tauri.localhost on Windows.
        "tauri" if host == "localhost" => Destination::App,
        "http" if host == "tauri.localhost" => Destination::App,
        // The Vite dev server of a debug build (tauri.conf.json devUrl).
        "http" if dev_server_allowed && host == "127.0.0.1" && url.port() == Some(5173) => Destination::App,
        "https" if DOCUMENTATION_HOSTS.contains(&host) => Destination::Documentation,
        _ => Destination::Refused,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, expected: Destination) {
        for dev_server_allowed in [false, true] {
            assert_eq!(classify(&url.parse().unwrap(), dev_server_allowed), expected, "{url}");
        }
    }

    #[test]
    fn app_pages_stay_in_the_window() {
        check("tauri://localhost/", Destination::App);
        check("tauri://localhost/index.html#welcome", Destination::App);
        check("http://tauri.localhost/", Destination::App);
    }

    #[test]
    fn only_a_debug_build_shows_the_dev_server() {
        let dev_server = "http://127.0.0.1:5173/".parse().unwrap();
        assert_eq!(classify(&dev_server, true), Destination::App);
        assert_eq!(classify(&dev_server, false), Destination::Refused);
    }

    #[test]
    fn documentation_opens_in_the_browser() {
        check(
            "https://learn.microsoft.com/azure/devops/pipelines/library/connect-to-azure",
            Destination::Documentation,
        );
    }

    #[test]
    fn everything_else_is_refused() {
        check("http://learn.microsoft.com/", Destination::Refused);
        check("https://microsoft.com/devicelogin", Destination::Documentation);
        check("https://login.microsoftonline.com/common/oauth2/deviceauth", Destination::Documentation);
        check("https://example.com/", Destination::Refused);
        check("https://learn.microsoft.com.example.com/", Destination::Refused);
        check("http://127.0.0.1:8080/", Destination::Refused);
        check("tauri://elsewhere/", Destination::Refused);
        check("file:///etc/passwd", Destination::Refused);
    }
}
