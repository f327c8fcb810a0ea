"""A customer's webhook receiver on loopback: it verifies every request with the `standardwebhooks` library, as
a customer would, and answers what the test scripts (500, 410, 429 with Retry-After, a redirect, slowly)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self) -> None:
        self.secrets: list[str] = []  # a delivery verifies when any of these signed it
        self.answers: list[tuple[int, dict, float]] = []  # scripted (status, headers, delay); then 200
        self.received: list[dict] = []  # each request: headers, body, verified payload (or None)
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                payload = None
                for secret in receiver.secrets:
                    try:
                        payload = Webhook(secret).verify(body, headers)
                        break
                    except WebhookVerificationError:
                        continue
                with receiver.lock:
                    receiver.received.append({"headers": headers, "body": body, "payload": payload,
                                              "path": self.path})
                    status, extra, delay = receiver.answers.pop(0) if receiver.answers else (200, {}, 0.0)
                if delay:
                    time.sleep(delay)
                answer = json.dumps({"ok": status < 300}).encode()
                try:
                    self.send_response(status)
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/kite"

    def start(self) -> Receiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def payloads(self) -> list[dict]:
        with self.lock:
            return [r["payload"] for r in self.received]

    def types(self) -> list[str]:
        return [p["type"] if p else "UNVERIFIED" for p in self.payloads()]
