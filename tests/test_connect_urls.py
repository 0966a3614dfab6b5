"""Malformed server URLs are a ``ConnectError`` naming the (redacted) URL and what is wrong,
before any connection is tried; a password with an unencoded ``@`` or ``/`` is redacted whole."""

from __future__ import annotations

import pytest

from protonats import ConnectError, Events
from protonats.jetstream._servers import redact


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("nats://host:abc", "the port must be a number from 1 to 65535"),
        ("nats://host:99999", "the port must be a number from 1 to 65535"),
        ("nats://[::1", "brackets that close"),
        ("nats://", "names no host"),
        ("http://host:14222", "the scheme must be one of nats://"),
        ("nats://ann:se/cret@host:14222", "must be percent-encoded"),
        ("nats://ann:s?cret@host:14222", "must be percent-encoded"),
    ],
)
async def test_a_malformed_url_is_refused_before_connecting_to_any_server(
    nats_url: str, url: str, why: str
) -> None:
    # The first server of the list is a real, running one: nothing connects to it either.
    with pytest.raises(ConnectError, match="is malformed") as err:
        async with Events().connect([nats_url, url]):
            pytest.fail("connected despite a malformed server URL")
    message = str(err.value)
    assert why in message
    assert "cret" not in message  # no piece of a password, even a badly encoded one
    assert redact(url) in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("nats://ann:p@ss@host:14222", "nats://ann:***@host:14222"),
        ("nats://ann:pa/ss@host:14222", "nats://ann:***@host:14222"),
        ("nats://to/ken@host", "nats://***@host"),
        ("nats://a:b1@h1,nats://c:d2@h2", "nats://a:***@h1,nats://c:***@h2"),
    ],
)
def test_a_password_with_an_unencoded_at_or_slash_is_redacted_whole(url: str, shown: str) -> None:
    assert redact(f"connecting to {url} failed") == f"connecting to {shown} failed"
