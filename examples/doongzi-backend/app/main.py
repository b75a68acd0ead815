"""A tiny HTTP API on the standard library, enough to prove the container runs and reads its secret."""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.core.settings import db_password

READY = Path("/tmp/app-ready")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            body = {"status": "ok", "db_password_loaded": db_password() is not None}
        else:
            body = {"service": "doongzi-backend", "env": os.environ.get("APP_ENV", "dev")}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    # As PID 1 the interpreter ignores SIGTERM by default: exit cleanly so `docker stop` does not wait 10 s.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Fail fast in prod when the secret is missing or unreadable: the healthcheck then never passes.
    if os.environ.get("DB_PASSWORD_FILE"):
        db_password()
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Handler)
    READY.write_text("ok")
    server.serve_forever()


if __name__ == "__main__":
    main()
