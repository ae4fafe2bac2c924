//! `hindsight serve`: a local preview that rebuilds on every save.
//!
//! The site is built into a temporary folder and served on 127.0.0.1. A
//! watcher rebuilds when content, theme or settings change; pages poll a
//! small endpoint and reload when a build finishes. A broken edit prints its
//! diagnostics in the terminal and over the page, while the last good site
//! stays served (a failed build never replaces it).

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use log::{error, info};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

use crate::messages::{self, Format};
use crate::site::{BuildError, BuildOptions, build};

/// Where pages ask whether a new build is ready.
const LIVE_PATH: &str = "/__hindsight/live";

/// Polls for new builds and shows build problems over the page.
const LIVE_SCRIPT: &str = r#"<script>
(function () {
  var seen = null;
  function show(problems) {
    var box = document.getElementById("hindsight-problems");
    if (!problems) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre");
      box.id = "hindsight-problems";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:45vh;overflow:auto;margin:0;padding:1em;background:#fdecea;color:#7a1712;border-top:3px solid #b3261e;font:13px/1.4 monospace;white-space:pre-wrap;z-index:9999";
      document.body.appendChild(box);
    }
    box.textContent = "The last edit did not build; this is the last good site.\n\n" + problems;
  }
  function poll() {
    fetch("/__hindsight/live", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (seen !== null && state.version !== seen) { location.reload(); return; }
        seen = state.version;
        show(state.problems);
      })
      .catch(function () {})
      .finally(function () { setTimeout(poll, 700); });
  }
  poll();
})();
</script>"#;

/// What `hindsight serve` was asked for.
#[derive(Debug)]
pub struct ServeOptions {
    /// The postmortem repository.
    pub root: PathBuf,
    /// The port on 127.0.0.1.
    pub port: u16,
    /// Also show drafts.
    pub drafts: bool,
}

/// What the pages poll.
#[derive(Debug, Default)]
struct Live {
    /// Goes up with every finished build, good or bad.
    version: u64,
    /// The last build's problems, when it wrote nothing.
    problems: Option<String>,
}

#[derive(Clone)]
struct App {
    site: PathBuf,
    live: Arc<Mutex<Live>>,
}

/// Builds, serves and rebuilds until interrupted.
pub fn serve(options: ServeOptions) -> anyhow::Result<()> {
    let temp = tempfile::Builder::new()
        .prefix("hindsight-serve-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let site = temp.path().join("site");
    let build_options = BuildOptions {
        root: options.root.clone(),
        output: Some(site.clone()),
        base_url: Some(format!("http://127.0.0.1:{}/", options.port)),
        drafts: options.drafts,
        check_only: false,
    };
    let live = Arc::new(Mutex::new(Live::default()));
    rebuild(&build_options, &live)?;

    let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    let listener =
        runtime.block_on(tokio::net::TcpListener::bind(("127.0.0.1", options.port))).with_context(
            || format!("cannot listen on 127.0.0.1:{}; is it in use? try --port", options.port),
        )?;
    let _watcher = watch(build_options, Arc::clone(&live))?;
    info!(
        "serving on http://127.0.0.1:{}/ (Ctrl-C to stop); watching {}",
        options.port,
        options.root.display()
    );

    let app = App { site, live };
    let router = axum::Router::new().fallback(respond).with_state(app);
    runtime
        .block_on(async { axum::serve(listener, router).with_graceful_shutdown(stopped()).await })
        .context("the preview server stopped")?;
    // Returning drops `temp`, which removes the preview's files.
    info!("stopped; removed the preview's temporary files");
    Ok(())
}

/// Resolves on Ctrl-C or a termination signal, so the temporary folder is
/// removed however the preview is stopped.
async fn stopped() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Builds once, prints the outcome, and tells the pages.
fn rebuild(options: &BuildOptions, live: &Mutex<Live>) -> anyhow::Result<()> {
    let started = Instant::now();
    let problems = match build(options) {
        Ok(report) => {
            let mut text = Vec::new();
            let _ = messages::print(&mut text, &report.diagnostics, &report.root, Format::Human);
            let text = String::from_utf8_lossy(&text).into_owned();
            eprint!("{text}");
            if report.written {
                info!(
                    "rebuilt in {} ms: {} postmortems",
                    started.elapsed().as_millis(),
                    report.postmortems
                );
                None
            } else {
                error!(
                    "not rebuilt: {} errors; the last good site is still served",
                    report.errors()
                );
                Some(text)
            }
        }
        // Settings that cannot be read stop the first build, but later ones
        // are shown like any other problem.
        Err(BuildError::Setup(e) | BuildError::Output(e)) => {
            let text = format!("{e:#}");
            error!("error: {text}");
            let first = live.lock().map(|l| l.version == 0).unwrap_or(true);
            if first {
                return Err(e);
            }
            Some(text)
        }
    };
    if let Ok(mut state) = live.lock() {
        state.version += 1;
        state.problems = problems;
    }
    Ok(())
}

/// Watches the repository and rebuilds after changes settle: the first
/// change starts a short quiet period, so an editor's burst of writes (or
/// `git checkout`) gives one rebuild.
fn watch(options: BuildOptions, live: Arc<Mutex<Live>>) -> anyhow::Result<RecommendedWatcher> {
    let root = std::path::absolute(&options.root).unwrap_or_else(|_| options.root.clone());
    let (changes, changed) = std::sync::mpsc::channel::<()>();
    let filter_root = root.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<Event>| {
        let Ok(event) = event else { return };
        // Reading files is an event too; the build itself reads every file.
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        if event.paths.iter().any(|p| is_watched(&filter_root, p)) {
            let _ = changes.send(());
        }
    })
    .context("cannot watch the repository for changes")?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", root.display()))?;
    std::thread::spawn(move || {
        while changed.recv().is_ok() {
            while changed.recv_timeout(Duration::from_millis(100)).is_ok() {}
            let _ = rebuild(&options, &live);
        }
    });
    Ok(watcher)
}

/// Changes that matter: not hidden files (editor swap files, .git), not
/// build outputs.
fn is_watched(root: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    !relative.components().any(|c| match c {
        Component::Normal(name) => {
            let name = name.to_string_lossy();
            name.starts_with('.') || name.ends_with('~') || name == "public" || name == "target"
        }
        _ => false,
    })
}

async fn respond(State(app): State<App>, uri: Uri) -> Response {
    if uri.path() == LIVE_PATH {
        let (version, problems) = match app.live.lock() {
            Ok(live) => (live.version, live.problems.clone()),
            Err(_) => (0, None),
        };
        let body = serde_json::json!({ "version": version, "problems": problems }).to_string();
        return (
            [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")],
            body,
        )
            .into_response();
    }
    match file_for(&app.site, uri.path()) {
        Some(path) => send(&path, StatusCode::OK),
        None => send(&app.site.join("404.html"), StatusCode::NOT_FOUND),
    }
}

/// The file a request path names, never outside the site.
fn file_for(site: &Path, request: &str) -> Option<PathBuf> {
    let decoded = crate::url::percent_decode(request);
    let mut path = site.to_path_buf();
    for part in decoded.split('/').filter(|p| !p.is_empty()) {
        if part == ".." || part == "." || part.contains('\\') {
            return None;
        }
        path.push(part);
    }
    if path.is_dir() {
        path.push("index.html");
    }
    path.is_file().then_some(path)
}

fn send(path: &Path, status: StatusCode) -> Response {
    let Ok(bytes) = std::fs::read(path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let kind = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("csv") => "text/csv; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    let body = if kind.starts_with("text/html") { inject(bytes) } else { bytes };
    (status, [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-store")], body)
        .into_response()
}

/// Adds the live-reload script before `</body>`.
fn inject(bytes: Vec<u8>) -> Vec<u8> {
    let html = String::from_utf8_lossy(&bytes);
    match html.rfind("</body>") {
        Some(at) => format!("{}{LIVE_SCRIPT}{}", &html[..at], &html[at..]).into_bytes(),
        None => format!("{html}{LIVE_SCRIPT}").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_never_leave_the_site() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/index.html"), "x").unwrap();
        assert_eq!(file_for(dir.path(), "/a/"), Some(dir.path().join("a/index.html")));
        assert_eq!(file_for(dir.path(), "/a"), Some(dir.path().join("a/index.html")));
        assert_eq!(file_for(dir.path(), "/../etc/passwd"), None);
        assert_eq!(file_for(dir.path(), "/%2e%2e/etc/passwd"), None);
        assert_eq!(file_for(dir.path(), "/missing"), None);
    }

    #[test]
    fn editor_files_and_outputs_do_not_trigger_rebuilds() {
        let root = Path::new("/repo");
        assert!(is_watched(root, Path::new("/repo/content/a.md")));
        assert!(is_watched(root, Path::new("/repo/hindsight.toml")));
        assert!(!is_watched(root, Path::new("/repo/content/.a.md.swp")));
        assert!(!is_watched(root, Path::new("/repo/content/a.md~")));
        assert!(!is_watched(root, Path::new("/repo/.git/index")));
        assert!(!is_watched(root, Path::new("/repo/public/index.html")));
    }

    #[test]
    fn the_live_script_goes_before_the_body_ends() {
        let html =
            String::from_utf8(inject(b"<html><body><p>x</p></body></html>".to_vec())).unwrap();
        assert!(html.contains("<p>x</p><script>"));
        assert!(html.ends_with("</script></body></html>"));
    }
}
