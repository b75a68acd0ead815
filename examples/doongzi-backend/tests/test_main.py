from app.core.settings import db_password


def test_password_from_file(tmp_path, monkeypatch):
    secret = tmp_path / "db_password"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("DB_PASSWORD_FILE", str(secret))
    assert db_password() == "s3cret"
