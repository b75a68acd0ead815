"""Settings from the environment; the DB password from a secret file in prod (DB_PASSWORD_FILE)."""
import os


def db_password() -> str | None:
    path = os.environ.get("DB_PASSWORD_FILE")
    if path:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    return os.environ.get("DB_PASSWORD")
