//! `hindsight serve`: a round trip on 127.0.0.1 — start, fetch a page,
//! edit a file, see the change; break the file, keep the last good site.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Repo;

/// Stops the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A plain HTTP/1.1 GET: status code and body.
fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

/// Polls until `test` holds for the page, or fails after a generous wait.
fn wait_for(port: u16, path: &str, what: &str, test: impl Fn(u16, &str) -> bool) -> String {
    let started = Instant::now();
    loop {
        if let Some((status, body)) = get(port, path)
            && test(status, &body)
        {
            return body;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// The author's loop: save, and the preview shows the change; save a broken
// file, and the last good site stays up with the problem shown on it.
#[test]
fn serve_rebuilds_on_save_and_keeps_the_last_good_site() {
    let repo = Repo::fixture("crosslinks");
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_hindsight"))
        .args(["serve", "--port", &port.to_string(), "--root", repo.path().to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let _server = Server(child);

    let page = wait_for(port, "/postmortems/inc-2024-031/", "the first build", |s, _| s == 200);
    assert!(page.contains("<h1 id=\"pm-title\">The target postmortem</h1>"));
    assert!(page.contains("/__hindsight/live"), "pages carry the live-reload script");

    repo.write(
        "content/target.md",
        "---\ntitle: The renamed target\nid: INC-2024-031\ndate: 2024-05-02\n---\n## Five whys\n",
    );
    wait_for(port, "/postmortems/inc-2024-031/", "the edit", |_, body| {
        body.contains("The renamed target")
    });

    repo.write("content/target.md", "---\ntitle: Broken\nid: INC-2024-031\nseverity: SEV9\n---\n");
    let live =
        wait_for(port, "/__hindsight/live", "the failed build", |_, body| body.contains("SEV9"));
    assert!(live.contains("unknown severity"), "{live}");
    let (status, page) = get(port, "/postmortems/inc-2024-031/").unwrap();
    assert_eq!(status, 200);
    assert!(page.contains("The renamed target"), "the last good site stays served");

    let (status, _) = get(port, "/no/such/page/").unwrap();
    assert_eq!(status, 404);
}
