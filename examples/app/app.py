"""The example service the rehearsal releases: a small HTTP service (Python standard library only).

GET /health answers 200 with the release it runs (RELEASE, set by the deploy) so a load balancer health check
and the deployment's validation hooks can tell blue from green; every other path answers 404.
"""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path != "/health":
            self._answer(404, {"error": "not found"})
            return
        self._answer(200, {"status": "ok", "release": os.environ.get("RELEASE", "unknown")})

    def _answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args) -> None:  # quiet: the platform collects stdout/stderr logs
        pass


def serve(port: int) -> ThreadingHTTPServer:
    return ThreadingHTTPServer(("0.0.0.0", port), Handler)  # noqa: S104 (a container listens on all interfaces)


if __name__ == "__main__":
    serve(int(os.environ.get("PORT", "80"))).serve_forever()
