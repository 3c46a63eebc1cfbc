//! Starts the Keyless desktop app and turns a start-up failure into a message and exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    run_javascript_without_jit();
    match keyless_app::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("keyless: {error}\n  help: {}", error.help());
            ExitCode::FAILURE
        }
    }
}

/// The environment variable WebKitGTK's web process reads JavaScriptCore's `useJIT` option from.
#[cfg(target_os = "linux")]
const JIT_SWITCH: &str = "JSC_useJIT";

/// Turns off JavaScriptCore's JIT compilers in the window's web process, which inherits this
/// process's environment when WebKitGTK starts it. The window runs a small wizard whose every
/// action waits on Azure, so interpreted JavaScript is fast enough; without the JIT the web
/// process holds no writable-then-executable code (a smaller attack surface, SECURITY.md) and
/// about 20 MB less memory after an onboarding (bench/RESULTS.md). A value the user set wins.
///
/// Called first in `main`: the environment may only be changed while no other thread can read it.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn run_javascript_without_jit() {
    if std::env::var_os(JIT_SWITCH).is_none() {
        // SAFETY: `main` calls this before starting any thread, so nothing reads the environment
        // while it changes.
        unsafe { std::env::set_var(JIT_SWITCH, "false") };
    }
}

/// WebView2 and WKWebView do not read JavaScriptCore's options from the environment.
#[cfg(not(target_os = "linux"))]
fn run_javascript_without_jit() {}
