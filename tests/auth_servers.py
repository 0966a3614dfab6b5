"""Servers with authentication for the fault tests: users by password, nkey and a limited one
in a JetStream account, a second account without JetStream, token and TLS servers; and the
checks that no secret leaks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import nkeys

PASSWORD = "pw-Tr0ub4dor-alice"  # noqa: S105 (test servers' credentials)
WRONG = "pw-wrong-guess-42"
TOKEN = "tok-c0rrect-h0rse-battery"  # noqa: S105
LIMITED_PASSWORD = "pw-limited-9f8e7d"  # noqa: S105
AUTH_BOUND = 2.0
TLS_BOUND = 5.0
TOKEN_CONFIG = f'authorization {{ token: "{TOKEN}" }}'


@dataclass(frozen=True)
class AuthServer:
    url: str
    nkey_seed: Path
    other_seed: Path
    seed_text: str


def _user_seed(path: Path) -> tuple[str, str]:
    """A new user nkey: its seed written to ``path``, (seed, public key)."""
    seed = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    path.write_bytes(seed)
    return seed.decode(), nkeys.from_seed(seed).public_key.decode()


def accounts_config(keys: Path) -> tuple[str, str]:
    """(config, the nkey user's seed): account APP (JetStream; alice by password, a user by
    nkey whose seed is ``keys/user.nk``, a limited user) and account NOJS (no JetStream);
    ``keys/other.nk`` is a seed the server does not know."""
    seed_text, public = _user_seed(keys / "user.nk")
    _user_seed(keys / "other.nk")
    config = f"""
accounts {{
  APP {{
    jetstream: enabled
    users: [
      {{user: alice, password: "{PASSWORD}"}}
      {{nkey: "{public}"}}
      {{user: limited, password: "{LIMITED_PASSWORD}", permissions: {{
        publish: {{allow: [">"], deny: ["$JS.API.STREAM.CREATE.denied-create", "denied-emit"]}}
      }}}}
      {{user: noinfo, password: "{LIMITED_PASSWORD}", permissions: {{
        publish: {{allow: [">"], deny: ["$JS.API.INFO"]}}
      }}}}
      {{user: noledger, password: "{LIMITED_PASSWORD}", permissions: {{
        publish: {{allow: [">"], deny: ["$KV.protonats-registry.>", "denied-dead.dead"]}}
      }}}}
    ]
  }}
  NOJS {{ users: [ {{user: nojs, password: "{PASSWORD}"}} ] }}
}}
"""
    return config, seed_text


def assert_no_secret(*texts: str) -> None:
    for secret in (PASSWORD, WRONG, TOKEN, LIMITED_PASSWORD):
        for text in texts:
            assert secret not in text, text


def chain(exc: BaseException) -> str:
    """Every message and repr along the exception's chain."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None:
        parts += [str(seen), repr(seen)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)
