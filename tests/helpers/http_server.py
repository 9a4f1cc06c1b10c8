"""A local HTTP file server for fetch tests, with switches that simulate a bad network.

    with FileServer(directory) as server:
        url = server.url("multi30k/train.en.gz")
        server.fail["/multi30k/train.en.gz"] = 404   # answer this path with an HTTP error
        server.drop_after, server.drops_left = 100_000, 1  # cut the next response after 100 kB
        server.range_support = False                 # ignore Range headers (always 200, whole file)
        server.validators = False                    # send no ETag / Last-Modified
        server.if_range = False                      # ignore If-Range (answer 206 even when the file changed)
        server.after_drop = callback                 # called as a response is cut (to change the file)
        server.requests                              # [(path, {header: value}), ...] as received

ETag is a digest of the content and Last-Modified the file's mtime, so a file rewritten between two
requests gets new validators, as on a real server.

Serves ``directory`` on 127.0.0.1 at a free port from a background thread.
"""

from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


class FileServer:
    def __init__(self, directory: str | Path):
        self.root = Path(directory).resolve()
        self.fail: dict[str, int] = {}
        self.drop_after: int | None = None
        self.drops_left = 0
        self.range_support = True
        self.validators = True
        self.if_range = True
        self.after_drop: Callable[[], None] | None = None
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------
    def start(self) -> FileServer:
        handler = type("Handler", (_Handler,), {"server_state": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # helpers ---------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    def url(self, relpath: str) -> str:
        return f"http://127.0.0.1:{self.port}/{quote(relpath)}"

    def drop_once(self, after_bytes: int) -> None:
        self.drop_after, self.drops_left = after_bytes, 1

    def _take_drop(self) -> int | None:
        with self._lock:
            if self.drop_after is not None and self.drops_left > 0:
                self.drops_left -= 1
                return self.drop_after
            return None


class _Handler(BaseHTTPRequestHandler):
    server_state: FileServer
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args) -> None:  # quiet test output
        pass

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        state = self.server_state
        path = unquote(urlsplit(self.path).path)
        with state._lock:
            state.requests.append((path, dict(self.headers.items())))
        if path in state.fail:
            self.send_error(state.fail[path])
            return
        target = (state.root / path.lstrip("/")).resolve()
        if not target.is_file() or state.root not in target.parents:
            self.send_error(404)
            return
        data = target.read_bytes()
        size = len(data)
        etag = f'"{hashlib.sha256(data).hexdigest()[:16]}"'
        modified = formatdate(target.stat().st_mtime, usegmt=True)
        start, end, status = 0, size - 1, 200
        match = _RANGE.match(self.headers.get("Range", "").strip())
        if_range = self.headers.get("If-Range")
        if match and state.if_range and if_range is not None and if_range not in (etag, modified):
            match = None  # RFC 9110: the validator no longer matches, so the whole (new) file is the answer
        if match and state.range_support:
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            if start >= size or end < start:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        payload = data[start : end + 1]
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(payload)))
        if state.range_support:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        if state.validators:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
        self.end_headers()
        if not body:
            return
        cut = state._take_drop()
        if cut is not None and cut < len(payload):
            self.wfile.write(payload[:cut])
            self.wfile.flush()
            if state.after_drop is not None:  # before the cut, so the client's next request sees its effect
                state.after_drop()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(payload)
