"""``my-api keys`` and the safe-by-default rule of ``my-api serve``, as a user runs them."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from tests.e2e.test_cli import EXIT_CONFIG, my_api, sqlite_url


def test_keys_are_created_with_the_secret_shown_once_listed_and_revoked(tmp_path: Path) -> None:
    db = tmp_path / "keys.db"
    url = sqlite_url(db)
    created = my_api(
        "keys",
        "create",
        "--name",
        "ci",
        "--scopes",
        "items:write,items:read",
        database_url=url,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr
    secret = re.search(r"secret \(shown only now\): (myapi_([0-9a-f]{16})\.\S+)", created.stdout)
    assert secret is not None, created.stdout
    token, key_id = secret.group(1), secret.group(2)
    stored = sqlite3.connect(db).execute("SELECT secret_sha256 FROM api_keys").fetchall()
    assert len(stored) == 1
    assert token.split(".")[1] not in stored[0][0]

    listed = my_api("keys", "list", database_url=url, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"{key_id}  ci  items:read,items:write  ")
    assert "revoked=-" in listed.stdout
    assert token.split(".")[1] not in listed.stdout

    revoked = my_api("keys", "revoke", key_id, database_url=url, cwd=tmp_path)
    assert (revoked.returncode, revoked.stdout.strip()) == (0, f"revoked {key_id}")
    assert "revoked=-" not in my_api("keys", "list", database_url=url, cwd=tmp_path).stdout
    again = my_api("keys", "revoke", key_id, database_url=url, cwd=tmp_path)
    assert again.returncode == 1
    assert "no live API key" in again.stderr


def test_a_key_with_a_malformed_scope_is_refused(tmp_path: Path) -> None:
    refused = my_api(
        "keys",
        "create",
        "--name",
        "ci",
        "--scopes",
        "items:*",
        database_url=sqlite_url(tmp_path / "k.db"),
        cwd=tmp_path,
    )
    assert refused.returncode == EXIT_CONFIG
    assert "'items:*' is not <resource>:read or <resource>:write" in refused.stderr


def test_serve_refuses_a_public_interface_without_authentication(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "s.db")
    by_flag = my_api("serve", "--host", "0.0.0.0", database_url=url, cwd=tmp_path)  # noqa: S104
    by_env = my_api("serve", database_url=url, cwd=tmp_path, MY_API_HOST="0.0.0.0")  # noqa: S104
    for refused in (by_flag, by_env):
        assert refused.returncode == EXIT_CONFIG
        assert refused.stderr.startswith("my-api: refusing to serve on 0.0.0.0")
        assert "MY_API_AUTH=off" in refused.stderr
    assert not (tmp_path / "s.db").exists()
