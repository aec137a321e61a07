"""Validation against the official A2A JSON Schemas shipped in `a2acli/cards/schemas/`.

The 1.0 bundle is generated from the proto: its definitions are keyed by title ("Agent Card") and refer to each
other as `lf.a2a.v1.AgentCard.jsonschema.json` / `google.protobuf.Struct.jsonschema.json`; those names are mapped
to the definitions here. It sets `additionalProperties: false` and accepts both the JSON (camelCase) and the proto
(snake_case) field names; it does not enforce REQUIRED fields (`a2acli.cards.required` does). The 0.3 schema is
draft-07 with `#/definitions/...` references and its own `required` lists.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from typing import Any

from a2acli.cards.findings import Findings, pointer
from a2acli.protocol import JSONValue

_MAX_SCHEMA_FINDINGS = 200
# Fields removed from the protocol, reported by rule AC074 instead of as unknown fields.
REPORTED_ELSEWHERE = frozenset({"stateTransitionHistory"})
_MAX_MESSAGE = 240


def _load(name: str) -> dict[str, Any]:
    text = resources.files("a2acli.cards").joinpath("schemas", name).read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@lru_cache(maxsize=1)
def v1_validator() -> Any:
    return definition_validator("Agent Card")


@lru_cache(maxsize=32)
def definition_validator(title: str) -> Any:
    """A validator for one definition of the A2A 1.0 schema bundle ("Agent Card", "Task", "Message",
    "Agent Interface", "List Tasks Response", ...), its references resolved inside the bundle."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    bundle = _load("a2a-v1.0.0.schema.json")
    definitions: dict[str, Any] = bundle["definitions"]
    resources_by_uri = []
    for name, schema in definitions.items():
        compact = name.replace(" ", "")
        package = "google.protobuf" if compact in ("Struct", "Timestamp", "Value") else "lf.a2a.v1"
        uri = f"{package}.{compact}.jsonschema.json"
        resources_by_uri.append((uri, Resource.from_contents(schema, default_specification=DRAFT202012)))
    registry: Any = Registry().with_resources(resources_by_uri)
    return Draft202012Validator(definitions[title], registry=registry)


@lru_cache(maxsize=1)
def v03_validator() -> Any:
    from jsonschema import Draft7Validator

    bundle = _load("a2a-v0.3.0.schema.json")
    return Draft7Validator({"$ref": "#/definitions/AgentCard", "definitions": bundle["definitions"]})


@lru_cache(maxsize=1)
def v03_definitions() -> dict[str, Any]:
    defs: dict[str, Any] = _load("a2a-v0.3.0.schema.json")["definitions"]
    return defs


@lru_cache(maxsize=1)
def v1_property_names() -> frozenset[str]:
    """Every camelCase field name the 1.0 schema defines (to recognise snake_case spellings of them)."""
    names: set[str] = set()
    for schema in _load("a2a-v1.0.0.schema.json")["definitions"].values():
        names.update((schema.get("properties") or {}).keys())
    return frozenset(names)


def _short(value: JSONValue) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Any) -> str:
    validator = error.validator
    inst = error.instance
    if validator == "type":
        expected = error.validator_value
        want = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return f"expected {want}, got {_json_type(inst)} {_short(inst)}"
    if validator == "required":
        return str(error.message).split(" is a required property")[0] + " is required"
    if validator in ("anyOf", "oneOf"):
        return f"{_short(inst)} matches none of the allowed shapes"
    if validator == "enum":
        return f"{_short(inst)} is not one of {', '.join(map(str, error.validator_value))}"
    if validator == "const":
        return f"{_short(inst)} must be {error.validator_value!r}"
    text = str(error.message)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _json_type(value: JSONValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _unknown_keys(error: Any) -> list[str]:
    instance = error.instance
    if not isinstance(instance, dict):
        return []
    import re

    props = set((error.schema.get("properties") or {}).keys())
    patterns = [re.compile(p) for p in (error.schema.get("patternProperties") or {})]
    return [k for k in instance if k not in props and not any(p.search(k) for p in patterns)]


def check_schema(doc: JSONValue, version: str, findings: Findings, *, base: str = "") -> None:
    """Add one finding per schema violation: AC001 (1.0) / AC002 (0.3); unknown 1.0 fields as AC003 warnings."""
    validator = v1_validator() if version == "1.0" else v03_validator()
    code = "AC001" if version == "1.0" else "AC002"
    count = 0
    for error in validator.iter_errors(doc):
        count += 1
        if count > _MAX_SCHEMA_FINDINGS:
            findings.add(code, base or "", f"more than {_MAX_SCHEMA_FINDINGS} schema violations; the rest not shown")
            break
        at = base + pointer(*error.absolute_path)
        if error.validator == "additionalProperties" and version == "1.0":
            in_requirement = "securityRequirements" in list(error.absolute_path)
            known = list((error.schema.get("properties") or {}).keys())
            for key in _unknown_keys(error):
                if key in REPORTED_ELSEWHERE:
                    continue
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.7)
                findings.add(
                    "AC003",
                    at + pointer(key),
                    f"unknown field {key!r}: the A2A 1.0 schema does not define it, clients ignore it",
                    'a 1.0 security requirement is {"schemes": {"NAME": {"list": [scopes]}}}'
                    if in_requirement
                    else f"did you mean {close[0]!r}?"
                    if close
                    else "remove it, or check its spelling against the A2A 1.0 AgentCard",
                )
            continue
        if error.validator in ("anyOf", "oneOf") and error.context:
            inner_errors = _matching_branch(error)
            if inner_errors:
                for inner in inner_errors:
                    _add(findings, code, base, inner, version)
                continue
            if list(error.absolute_path)[:1] == ["securitySchemes"]:
                continue  # a scheme of no known type: rule AC061 says so with a better hint
        _add(findings, code, base, error, version)


def _add(findings: Findings, code: str, base: str, error: Any, version: str) -> None:
    at = base + pointer(*error.absolute_path)
    if error.validator == "required":
        missing = error.message.split(" is a required property")[0].strip("'\"")
        findings.add("AC010", at + pointer(missing), f"required field {missing!r} is missing", _hint(error, version))
        return
    findings.add(code, at, _message(error), _hint(error, version))


def _matching_branch(error: Any) -> list[Any]:
    """For a union (0.3 security schemes): the errors of the branch whose `type` discriminator matched."""
    branches: dict[int, list[Any]] = {}
    for inner in error.context:
        index = inner.relative_schema_path[0] if inner.relative_schema_path else None
        if isinstance(index, int):
            branches.setdefault(index, []).append(inner)
    if not isinstance(error.instance, dict) or "type" not in error.instance:
        return []
    for errors in branches.values():
        if not any(list(e.relative_path) == ["type"] for e in errors):
            return errors
    return []


def _hint(error: Any, version: str) -> str | None:
    where = "A2A 1.0 AgentCard" if version == "1.0" else "A2A 0.3 AgentCard schema"
    if error.validator == "type":
        return f"use the JSON type the {where} defines for this field"
    if error.validator == "required":
        return f"add the field (see the {where})"
    return None
