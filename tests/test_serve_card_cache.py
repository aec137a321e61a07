"""The demo agent's card is cacheable (A2A §8.6.1, TCK CARD-CACHE-001..003): max-age, ETag, Last-Modified, 304s."""

from __future__ import annotations

import email.utils

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
