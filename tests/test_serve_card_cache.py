"""The demo agent's card is cacheable (A2A §8.6.1, TCK CARD-CACHE-001..003): max-age, ETag, Last-Modified, 304s."""

from __future__ import annotations

import email.utils
from pathlib import Path

import httpx

from tests.support.agent import demo_agent

CARD = "/.well-known/agent-card.json"
V1 = {"A2A-Version": "1.0"}


def test_card_carries_cache_validators_and_answers_conditional_requests() -> None:
    with demo_agent() as url, httpx.Client(timeout=10) as client:
        first = client.get(url + CARD, headers=V1)
        assert first.status_code == 200
        assert first.headers["cache-control"] == "max-age=0, must-revalidate"
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert email.utils.parsedate_to_datetime(modified).tzinfo is not None
        assert first.headers["vary"] == "A2A-Version"

        def get(**headers: str) -> httpx.Response:
            return client.get(url + CARD, headers={**V1, **headers})

        same = get(**{"If-None-Match": etag})
        assert same.status_code == 304 and same.content == b""
        assert same.headers["etag"] == etag and same.headers["cache-control"] == "max-age=0, must-revalidate"
        assert get(**{"If-None-Match": f'"nope", {etag}'}).status_code == 304
        assert get(**{"If-None-Match": "*"}).status_code == 304
        assert get(**{"If-Modified-Since": modified}).status_code == 304
        older = email.utils.formatdate(email.utils.parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True)
        assert get(**{"If-Modified-Since": older}).status_code == 200
        assert get(**{"If-Modified-Since": "not a date"}).status_code == 200
        # If-None-Match decides when both are sent (RFC 9110 §13.2.2).
        assert get(**{"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
        # The 0.3 view of the card is another representation: its own ETag.
        legacy = client.get(url + CARD)
        assert legacy.headers["etag"] != etag
        assert client.get(url + CARD, headers={"If-None-Match": etag}).status_code == 200


def test_a_signed_card_has_another_etag_than_the_same_card_unsigned(tmp_path: Path) -> None:
    """After a restart with --sign-key, a client revalidating its cached unsigned card gets the signed one."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = tmp_path / "agent.pem"
    key.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = "http://127.0.0.1:9/"  # the same card document on both runs but for the signatures
    for version in ({"A2A-Version": "1.0"}, {}):
        with demo_agent(public_url=public) as url:
            unsigned = httpx.get(url + CARD, headers=version)
        with demo_agent(public_url=public, sign_key=str(key)) as url:
            again = httpx.get(url + CARD, headers={**version, "If-None-Match": unsigned.headers["etag"]})
        assert "signatures" not in unsigned.json()
        assert again.status_code == 200, "a 304 here hides the signature from every cached client"
        assert again.json()["signatures"] and again.headers["etag"] != unsigned.headers["etag"]
