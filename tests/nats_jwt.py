"""Decentralized auth for tests: an operator, an account with JetStream and a user, as JWTs
signed with nkeys, the nats-server config that trusts them, and the user's ``.creds`` file."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import nkeys

_HEADER = {"typ": "JWT", "alg": "ed25519-nkey"}
_UNLIMITED = {
    "subs": -1,
    "data": -1,
    "payload": -1,
    "imports": -1,
    "exports": -1,
    "wildcards": True,
    "conn": -1,
    "leaf": -1,
}
_JETSTREAM = {
    "mem_storage": -1,
    "disk_storage": -1,
    "streams": -1,
    "consumer": -1,
    "max_ack_pending": -1,
    "mem_max_stream_bytes": -1,
    "disk_max_stream_bytes": -1,
    "max_bytes_required": False,
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _keys(prefix: int) -> Any:
    return nkeys.from_seed(nkeys.encode_seed(os.urandom(32), prefix))


def _jwt(issuer: Any, subject: str, name: str, nats: dict[str, Any]) -> str:
    claims: dict[str, Any] = {
        "iat": int(time.time()),
        "iss": issuer.public_key.decode(),
        "name": name,
        "sub": subject,
        "nats": {**nats, "version": 2},
    }
    claims["jti"] = (
        base64.b32encode(hashlib.sha256(json.dumps(claims, sort_keys=True).encode()).digest())
        .decode()
        .rstrip("=")
    )
    signing = f"{_b64(json.dumps(_HEADER).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing}.{_b64(issuer.sign(signing.encode()))}"


def _creds(jwt: str, seed: bytes) -> str:
    return (
        f"-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n"
        f"-----BEGIN USER NKEY SEED-----\n{seed.decode()}\n------END USER NKEY SEED------\n"
    )


def operator_setup(directory: Path) -> tuple[str, Path, Path]:
    """(server config, the user's creds file, the creds file of a user of another operator)."""
    operator = _keys(nkeys.PREFIX_BYTE_OPERATOR)
    account = _keys(nkeys.PREFIX_BYTE_ACCOUNT)
    user = _keys(nkeys.PREFIX_BYTE_USER)
    operator_jwt = _jwt(
        operator, operator.public_key.decode(), "test-operator", {"type": "operator"}
    )
    account_pub = account.public_key.decode()
    account_jwt = _jwt(
        operator,
        account_pub,
        "APP",
        {
            "type": "account",
            "limits": {**_UNLIMITED, **_JETSTREAM},
        },
    )
    user_jwt = _jwt(
        account,
        user.public_key.decode(),
        "alice",
        {
            "type": "user",
            "subs": -1,
            "data": -1,
            "payload": -1,
        },
    )
    system = _keys(nkeys.PREFIX_BYTE_ACCOUNT)
    system_pub = system.public_key.decode()
    system_jwt = _jwt(operator, system_pub, "SYS", {"type": "account", "limits": _UNLIMITED})
    good = directory / "alice.creds"
    good.write_text(_creds(user_jwt, user.seed))
    # A user signed by an account the server does not know.
    stranger = _keys(nkeys.PREFIX_BYTE_ACCOUNT)
    other = _keys(nkeys.PREFIX_BYTE_USER)
    other_jwt = _jwt(stranger, other.public_key.decode(), "mallory", {"type": "user"})
    bad = directory / "mallory.creds"
    bad.write_text(_creds(other_jwt, other.seed))
    config = (
        f"operator: {operator_jwt}\n"
        f"system_account: {system_pub}\n"
        "resolver: MEMORY\n"
        f"resolver_preload: {{\n  {account_pub}: {account_jwt}\n  {system_pub}: {system_jwt}\n}}\n"
    )
    return config, good, bad
