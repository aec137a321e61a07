"""The demo agent's card, and the JSON documents served for it.

Two views of one card, chosen per request by `A2A-Version` (header or query):
- 1.x  -> the pure A2A 1.0 card (proto JSON; validates against the 1.0 schema, no 0.3 fields);
- none or 0.x -> the same card plus the 0.3 fields (`url`, `preferredTransport`, `protocolVersion`,
  `additionalInterfaces`, ...) merged by the SDK's `agent_card_to_dict`, which 0.3 clients parse.
Both documents are serialized once at start-up (and signed once, with `--sign-key`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentProvider,
    AgentSkill,
    HTTPAuthSecurityScheme,
    MutualTlsSecurityScheme,
    SecurityRequirement,
    SecurityScheme,
    StringList,
)

from a2acli.protocol import GRPC, HTTP_JSON, JSONRPC, V0_3, V1_0

if TYPE_CHECKING:
    from a2acli.agent.oauth_guard import Issuer
    from a2acli.agent.options import ServeOptions

AGENT_NAME = "Streaming Demo Agent"
AGENT_DESCRIPTION = (
    "The A2A streaming tutorial's demo agent: every message starts a task whose reply is streamed word by word "
    "as chunks of one artifact."
)
BEARER_SCHEME = "bearer"
MTLS_SCHEME = "mtls"


DEMO_SKILL = AgentSkill(
    id="streaming_response",
    name="Streaming Response Generator",
    description="Streams a response word by word to demonstrate real-time communication.",
    tags=["streaming", "real-time", "communication"],
    examples=["Tell me a story", "Explain something step by step"],
)


def _exec_card_parts(options: ServeOptions) -> tuple[str, str, AgentSkill]:
    """`--exec`: the card names the command's skill (`--skill-name`, `--skill-description`)."""
    assert options.command is not None
    command = options.command
    name = command.skill_name or command.program
    description = command.skill_description or f"Runs `{command.command}` for every message and streams its output."
    skill = AgentSkill(
        id="exec",
        name=name,
        description=description,
        tags=["exec", command.program],
        input_modes=["application/json" if command.input == "json" else "text/plain"],
        output_modes=["text/plain"],
    )
    return name, description, skill


def build_agent_card(options: ServeOptions, *, oauth: Issuer | None = None) -> AgentCard:
    """The card as an SDK proto. Interfaces: 1.0 first (JSON-RPC, HTTP+JSON, gRPC with --grpc-port), then 0.3
    (the same), in the server's order of preference (JSON-RPC has the lean stream path)."""
    base = options.base_url
    grpc = None
    if options.grpc_port is not None:
        from a2acli.agent.grpc_server import grpc_target

        grpc = grpc_target(options)
    interfaces: list[AgentInterface] = []
    for version, served in ((V1_0, options.serves_v10), (V0_3, options.serves_v03)):
        if not served:
            continue
        interfaces.append(AgentInterface(url=f"{base}/", protocol_binding=JSONRPC, protocol_version=version))
        interfaces.append(AgentInterface(url=base, protocol_binding=HTTP_JSON, protocol_version=version))
        if grpc is not None:
            interfaces.append(AgentInterface(url=grpc, protocol_binding=GRPC, protocol_version=version))
    name, description, skill = AGENT_NAME, AGENT_DESCRIPTION, DEMO_SKILL
    if options.command is not None:
        name, description, skill = _exec_card_parts(options)
    card = AgentCard(
        name=name,
        description=description,
        supported_interfaces=interfaces,
        provider=AgentProvider(organization="A2A Streaming Lab", url="https://a2a-protocol.org/"),
        version="1.0.0",
        capabilities=AgentCapabilities(streaming=True, push_notifications=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[skill],
    )
    if options.bearer_token:
        card.security_schemes[BEARER_SCHEME].CopyFrom(
            SecurityScheme(
                http_auth_security_scheme=HTTPAuthSecurityScheme(
                    scheme="Bearer", description="The token given to `a2a serve --bearer-token`."
                )
            )
        )
        card.security_requirements.append(SecurityRequirement(schemes={BEARER_SCHEME: StringList(list=[])}))
    if options.client_ca:
        card.security_schemes[MTLS_SCHEME].CopyFrom(
            SecurityScheme(
                mtls_security_scheme=MutualTlsSecurityScheme(
                    description="A client certificate issued by the CA given to `a2a serve --client-ca`."
                )
            )
        )
        card.security_requirements.append(SecurityRequirement(schemes={MTLS_SCHEME: StringList(list=[])}))
    if oauth is not None:
        from google.protobuf.json_format import ParseDict

        from a2acli.agent.oauth_guard import card_schemes

        for name, scheme in card_schemes(oauth).items():  # alternatives: any one of them will do
            card.security_schemes[name].CopyFrom(ParseDict(scheme, SecurityScheme()))
            card.security_requirements.append(SecurityRequirement(schemes={name: StringList(list=list(oauth.scopes))}))
    return card


def card_v10_dict(card: AgentCard) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    return dict(MessageToDict(card))


def card_v03_dict(card: AgentCard) -> dict[str, Any]:
    """The SDK's merged view (1.0 fields + 0.3 `url`, `preferredTransport`, `protocolVersion`, ...).

    0.3 says `additionalInterfaces` SHOULD also list the main `url`/`preferredTransport` pair; the SDK leaves
    it out, so it is put first here.
    """
    from a2a.server.request_handlers.response_helpers import agent_card_to_dict

    document = dict(agent_card_to_dict(card))
    url, transport = document.get("url"), document.get("preferredTransport")
    if url and transport:
        extra = [i for i in document.get("additionalInterfaces") or [] if isinstance(i, dict)]
        if not any(i.get("url") == url and i.get("transport") == transport for i in extra):
            document["additionalInterfaces"] = [{"url": url, "transport": transport}, *extra]
    return document


@dataclass(frozen=True)
class ServedCard:
    """One serialized card document with its validator."""

    document: dict[str, Any]
    body: bytes
    etag: str


def _served(document: dict[str, Any]) -> ServedCard:
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
    # The validator of exactly what is served, signatures included: the same card signed is another
    # representation, and a client holding the unsigned one must not be told it is current (304).
    digest = hashlib.sha256(body).hexdigest()
    return ServedCard(document=document, body=body, etag=f'W/"{digest[:32]}"')


@dataclass(frozen=True)
class CardSet:
    """The card documents the server hands out: `for_version("1.0")` or `for_version(None)` (0.3 view)."""

    v10: ServedCard
    v03: ServedCard

    def for_version(self, version: str | None) -> ServedCard:
        if version and version.strip().startswith("1"):
            return self.v10
        return self.v03


def build_card_set(options: ServeOptions, card: AgentCard | None = None) -> CardSet:
    """Serialize (and sign, with `--sign-key`) both views once."""
    card = card or build_agent_card(options)
    v10 = card_v10_dict(card)
    v03 = card_v03_dict(card) if options.serves_v03 else v10
    if not options.serves_v10:  # 0.3 only: everyone gets the 0.3 card
        v10 = v03
    if options.sign_key:
        v10, v03 = _sign(options.sign_key, v10, v03 if v03 is not v10 else None)
    served10 = _served(v10)
    return CardSet(v10=served10, v03=_served(v03) if v03 is not None and v03 is not v10 else served10)


def _sign(key_path: str, v10: dict[str, Any], v03: dict[str, Any] | None) -> tuple[dict[str, Any], Any]:
    from pathlib import Path

    from a2acli.cards.signing import sign_card_dict

    key_pem = Path(key_path).expanduser().read_bytes()
    signed10: dict[str, Any] = sign_card_dict(v10, key_pem)
    if v03 is None:
        return signed10, signed10
    signed03: dict[str, Any] = sign_card_dict(v03, key_pem)
    return signed10, signed03
