"""No fixed secrets: the demo accounts get random secrets on first load, kept in a file only the installing
user can read, whose place the load prints; the secret earlier versions published is replaced."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from data.samples.load import DEMO_ACCOUNTS, PUBLISHED_SECRET, demo_secrets, load_samples
from projects.accounts import reset_secret


def token(client, username: str, secret: str) -> int:
    return client.post("/api/v1/auth/token", json={"username": username, "secret": secret}).status_code


def test_each_demo_account_has_its_own_random_secret_in_a_private_file(client, loaded_samples, demo_secrets_file):
    kept = demo_secrets(demo_secrets_file)
    usernames = {spec["username"] for spec in DEMO_ACCOUNTS}
    assert usernames <= set(kept)
    assert len(set(kept.values())) == len(kept) and PUBLISHED_SECRET not in kept.values()
    assert all(len(secret) >= 16 for secret in kept.values())
    assert stat.S_IMODE(demo_secrets_file.stat().st_mode) == 0o600
    printed = "\n".join(loaded_samples)
    assert str(demo_secrets_file) in printed
    assert not any(secret in printed for secret in kept.values())
    assert token(client, "admin", PUBLISHED_SECRET) == 401
    assert token(client, "admin", kept["admin"]) == 200


def test_a_published_secret_left_from_an_older_version_is_replaced(client, engine, loaded_samples,
                                                                   demo_secrets_file: Path):
    with engine.begin() as connection:  # an install from before: the account still has the published secret
        reset_secret(connection, "dept-water", PUBLISHED_SECRET, by="tests")
    kept = demo_secrets(demo_secrets_file)
    others = {name: secret for name, secret in kept.items() if name != "dept-water"}
    demo_secrets_file.write_text(json.dumps({"secrets": others}))
    assert token(client, "dept-water", PUBLISHED_SECRET) == 200
    list(load_samples(secrets_file=demo_secrets_file))
    renewed = demo_secrets(demo_secrets_file)
    assert {name: renewed[name] for name in others} == others  # a reload changes no other secret
    assert renewed["dept-water"] != PUBLISHED_SECRET
    assert token(client, "dept-water", PUBLISHED_SECRET) == 401
    assert token(client, "dept-water", renewed["dept-water"]) == 200
    assert stat.S_IMODE(demo_secrets_file.stat().st_mode) == 0o600
