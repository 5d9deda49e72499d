"""The service's own tests: the buildspec's `npm test` runs them (package.json), as CodeBuild would."""

from __future__ import annotations

import json
import sys
import threading
import unittest
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import serve  # noqa: E402


class HealthTest(unittest.TestCase):
    def setUp(self) -> None:
        self.server = serve(0)
        self.server.server_address = ("127.0.0.1", self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def tearDown(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def test_health_answers_ok(self) -> None:
        with urllib.request.urlopen(f"{self.url}/health", timeout=5) as response:  # noqa: S310
            self.assertEqual(response.status, 200)
            self.assertEqual(json.loads(response.read())["status"], "ok")

    def test_other_paths_are_not_found(self) -> None:
        with self.assertRaises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(f"{self.url}/nope", timeout=5)  # noqa: S310
        self.assertEqual(caught.exception.code, 404)


if __name__ == "__main__":
    unittest.main()
