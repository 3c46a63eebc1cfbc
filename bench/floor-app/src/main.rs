//! An empty Tauri 2 window: the platform floor Keyless's start-up, memory and size are measured
//! against. It says on stderr when its page has loaded, as Keyless does with
//! `KEYLESS_REPORT_PAGE_LOADED`.

fn main() {
    tauri::Builder::default()
        .on_page_load(|_, page| {
            if page.event() == tauri::webview::PageLoadEvent::Finished {
                eprintln!("keyless: page loaded");
            }
        })
        .run(tauri::generate_context!())
        .expect("the empty window could not be opened");
}
