"""Everything `a2a card` needs from the network, in one async call (card work, issue 3).

`load_card(request)` resolves the card, then, as asked: fetches the authenticated extended card, probes the agent
(`--live`), and verifies signatures with keys from `--jwks` (file or URL) or each signature's `jku`. The command
calls it once with `asyncio.run` and renders the result.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from a2acli.errors import A2ACliError, ProtocolError, UsageError

if TYPE_CHECKING:
    from a2acli.cards.findings import Finding
    from a2acli.cards.signing import KeySet, SignatureCheck
    from a2acli.client.card_resolver import ResolvedCard
    from a2acli.settings import ConnectionSettings


@dataclass(frozen=True)
class CardRequest:
    settings: ConnectionSettings
    max_bytes: int | None = None
    send_credentials: bool = False
    extended: bool = False
    live: bool = False
    live_stream: bool = False
    verify: bool = False
    jwks: str | None = None
    allow_jku: bool = False


@dataclass
class CardResult:
    card: ResolvedCard
    live: list[Finding] | None = None
    signatures: list[SignatureCheck] | None = None
    warnings: list[str] = field(default_factory=list)


async def load_card(request: CardRequest) -> CardResult:
    from a2acli.client.card_resolver import resolve_card

    settings = request.settings
    card = await resolve_card(
        settings.agent_card, settings, max_bytes=request.max_bytes, send_credentials=request.send_credentials
    )
    if request.extended:
        card = await _extended(card, settings)
    result = CardResult(card)
    if request.live or request.live_stream:
        from a2acli.client.card_live import probe_live

        result.live = (await probe_live(card, settings, stream=request.live_stream)).finish()
    if request.verify:
        from a2acli.cards.signing import verify_card

        keys = await _key_set(card, settings, request.jwks, request.allow_jku, result.warnings)
        result.signatures = verify_card(card.document, keys, origin=card.base_url)
    result.card = _scrubbed(card)
    return result


def _scrubbed(card: ResolvedCard) -> ResolvedCard:
    """The card as shown: a card endpoint that was given a credential may echo it (verified as served, above)."""
    from a2acli.redact import mentions_secret, scrub_json

    if not mentions_secret(card.raw.decode("utf-8", "replace")):
        return card
    doc = scrub_json(card.document)
    return dataclasses.replace(card, document=doc, raw=json.dumps(doc, ensure_ascii=False).encode())


async def _extended(card: ResolvedCard, settings: ConnectionSettings) -> ResolvedCard:
    from a2acli.client.card_resolver import ResolvedCard as Card
    from a2acli.client.connection import AgentConnection
    from a2acli.client.wire import make_http_client

    caps = card.document.get("capabilities")
    advertised = (isinstance(caps, dict) and caps.get("extendedAgentCard") is True) or card.document.get(
        "supportsAuthenticatedExtendedCard"
    ) is True
    if not advertised:
        raise ProtocolError(
            "ExtendedAgentCardNotConfiguredError",
            "the card does not advertise an authenticated extended card",
            hint="capabilities.extendedAgentCard is not true on this card",
        )
    client = make_http_client(settings)
    try:
        # SPEC §12.4 (A2ACLI_CARD_GET_003): the extended card only through a scheme the public card declares.
        doc = await AgentConnection(card, settings, client, declared_schemes_only=True).get_extended_card()
    finally:
        await client.aclose()
    raw = json.dumps(doc, ensure_ascii=False).encode()
    return Card(doc, raw, card.source + " (extended)", card.base_url, card.content_type, card.notes)


async def _key_set(
    card: ResolvedCard, settings: ConnectionSettings, jwks: str | None, allow_jku: bool, warnings: list[str]
) -> KeySet:
    """Keys from --jwks (a file, or an https URL), else from each signature's jku, fetched only when it is on the
    card's own origin (https, or loopback http): any other jku names a key nobody vouches for, and fetching it would
    let a card send the tool to any URL."""
    from a2acli.cards.signing import KeySet, jku_distrust, load_key_material, signature_headers
    from a2acli.client.card_resolver import fetch_key_document

    keys = KeySet()
    if jwks:
        if jwks.startswith(("http://", "https://")):
            load_key_material(await fetch_key_document(jwks, settings), jwks, keys)
        else:
            path = Path(jwks).expanduser()
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise UsageError(f"cannot read --jwks {jwks}: {exc.strerror or exc}") from None
            load_key_material(data, str(path), keys)
        return keys
    if not allow_jku:
        return keys
    for url in dict.fromkeys(h.get("jku") for h in signature_headers(card.document) if h):
        if not isinstance(url, str) or jku_distrust(url, card.base_url) is not None:
            continue  # verify_card reports its signature unverifiable, with the reason
        try:
            keys.add_jku(await fetch_key_document(url, settings), url)
        except A2ACliError as exc:  # a broken jku leaves its signature unverifiable; it is not a failure
            warnings.append(f"cannot use the key set at {url}: {exc.message}")
    return keys


def load_card_sync(request: CardRequest) -> CardResult:
    """The command's one async boundary."""
    import asyncio

    result: CardResult = asyncio.run(load_card(request))
    return result


__all__ = ["CardRequest", "CardResult", "load_card", "load_card_sync"]
