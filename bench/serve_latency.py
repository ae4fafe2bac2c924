"""Time from saving a file to the rebuilt site in `hindsight serve`.

    python3 bench/serve_latency.py HINDSIGHT_BIN ROOT [ROUNDS]

Copies ROOT to a temporary folder, starts `hindsight serve` on a free port,
then ROUNDS times appends a line to one postmortem and polls the preview's
/__hindsight/live endpoint until the build count goes up. Prints each time
and the median. Standard library only.
"""

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def live(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__hindsight/live", timeout=5) as r:
        return json.load(r)


def main():
    binary, root = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    work = tempfile.mkdtemp(prefix="serve-latency-")
    copy = os.path.join(work, "repo")
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("public", ".git"))
    content = os.path.join(copy, "content") if os.path.isdir(os.path.join(copy, "content")) else copy
    target = next(
        os.path.join(folder, name)
        for folder, _, names in sorted(os.walk(content))
        for name in sorted(names)
        if name.endswith(".md") and "collections" not in folder
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [binary, "serve", "--root", copy, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if live(port)["version"] >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.05)
        times = []
        for round_ in range(rounds):
            before = live(port)["version"]
            with open(target, "a", encoding="utf-8") as f:
                f.write(f"\nEdited in round {round_}.\n")
            started = time.time()
            while live(port)["version"] == before:
                time.sleep(0.005)
            times.append((time.time() - started) * 1000)
            time.sleep(0.3)
        print(f"{root}: save to rebuilt site, ms: {', '.join(f'{t:.0f}' for t in times)}; "
              f"median {statistics.median(times):.0f}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
