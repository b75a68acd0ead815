"""Container healthcheck without curl: healthy once the server is up and, in prod, the secret is readable."""
import os
import sys
from pathlib import Path

from app.core.settings import db_password

try:
    if os.environ.get("DB_PASSWORD_FILE") and not db_password():
        sys.exit(1)
    sys.exit(0 if Path("/tmp/app-ready").exists() else 1)
except OSError:
    sys.exit(1)
