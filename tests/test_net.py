"""The one loopback predicate (`a2acli.net`): a decision table, properties over generated hosts, and the URL helpers."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2acli.net import is_loopback_host, is_loopback_url, url_host

DECISIONS = {
    # RFC 6761 names
    "localhost": True,
    "LOCALHOST": True,
    "localhost.": True,
    "api.localhost": True,
    "a.b.localhost": True,
    "my-agent_1.localhost.": True,
    ".localhost": False,
    "a..localhost": False,
    "localhost..": False,
    "xlocalhost": False,
    "localhost.evil.example": False,
    "localhost.localdomain": False,
    "ip6-localhost": False,
    "localhost:8000": False,  # a host, not an authority
    "ｌocalhost": False,  # fullwidth look-alike
    # IPv4
    "127.0.0.1": True,
    "127.0.0.2": True,
    "127.255.255.254": True,
    "128.0.0.1": False,
    "0.0.0.0": False,
    "10.0.0.1": False,
    "127.1": False,  # resolver-dependent short form
    "2130706433": False,
    "0177.0.0.1": False,
    "127.0.0.1.": False,
    "[127.0.0.1]": False,  # brackets are for IPv6 literals only
    # IPv6
    "::1": True,
    "[::1]": True,
    "0:0:0:0:0:0:0:1": True,
    "::": False,
    "::ffff:127.0.0.1": True,
    "[::ffff:127.0.0.1]": True,
    "::FFFF:7f00:1": True,
    "::ffff:10.0.0.1": False,
    "::127.0.0.1": False,  # IPv4-compatible, deprecated
    "fe80::1": False,
    "[::1": False,
    "::1]": False,
    # zone ids: IPv6 literals only
    "::1%lo": True,
    "[::1%25lo]": True,
    "::ffff:127.0.0.1%eth0": True,
    "::1%": False,
    "fe80::1%eth0": False,
    "127.0.0.1%lo": False,
    "127.0.0.1%25.evil.example": False,
    "localhost%lo": False,
    # junk
    "": False,
    " localhost": False,
    "localhost ": False,
    "[]": False,
    "[localhost]": False,
}


@pytest.mark.parametrize(("host", "expected"), sorted(DECISIONS.items()))
def test_decision_table(host: str, expected: bool) -> None:
    assert is_loopback_host(host) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8000/", True),
        ("http://api.localhost/a2a", True),
        ("http://127.0.0.1:9/x", True),
        ("http://[::1]:8080/", True),
        ("http://[::ffff:127.0.0.1]/", True),
        ("http://[::1%25lo]:80/", True),
        ("http://127.0.0.1%25.evil.example/", False),
        ("http://127.0.0.1.evil.example/", False),
        ("http://user@evil.example/", False),
        ("http://localhost:99999/", False),  # malformed port
        ("http://[::1/", False),
        ("not a url", False),
        ("", False),
    ],
)
def test_loopback_url(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_url_host() -> None:
    assert url_host("http://[::1]:8080/x") == "::1"
    assert url_host("HTTPS://API.Example/") == "api.example"
    assert url_host("file:///etc/passwd") is None
    assert url_host("http://h:bad/") is None


@given(st.ip_addresses(v=4))
def test_ipv4_agrees_with_ipaddress(ip: ipaddress.IPv4Address) -> None:
    assert is_loopback_host(str(ip)) is ip.is_loopback
    assert is_loopback_host(f"[{ip}]") is False
    assert is_loopback_host(f"{ip}%lo") is False


@given(st.ip_addresses(v=6), st.sampled_from(["", "%lo", "%25eth0"]))
def test_ipv6_agrees_with_ipaddress(ip: ipaddress.IPv6Address, zone: str) -> None:
    expected = ip.is_loopback or (ip.ipv4_mapped is not None and ip.ipv4_mapped.is_loopback)
    assert is_loopback_host(f"{ip}{zone}") is expected
    assert is_loopback_host(f"[{ip}{zone}]") is expected
    assert is_loopback_host(ip.exploded.upper()) is expected


@given(st.ip_addresses(network="127.0.0.0/8"))
def test_mapped_loopback(ip: ipaddress.IPv4Address) -> None:
    assert is_loopback_host(str(ip))
    assert is_loopback_host(f"::ffff:{ip}")
    assert is_loopback_host(f"[::ffff:{ip}%25lo]")


_LABEL = st.from_regex(r"\A[a-z0-9_-]{1,20}\Z")


@given(st.lists(_LABEL, max_size=4), st.booleans())
def test_localhost_subdomains(labels: list[str], trailing_dot: bool) -> None:
    host = ".".join([*labels, "localhost"]) + ("." if trailing_dot else "")
    assert is_loopback_host(host)
    assert is_loopback_host(host.upper())
    assert not is_loopback_host(host.rstrip(".") + ".example")
    assert not is_loopback_host(host + "%lo")


@given(st.text(max_size=40))
def test_total_and_consistent(host: str) -> None:
    answer = is_loopback_host(host)  # never raises
    assert isinstance(answer, bool)
    if answer:
        assert host.isascii() and host.strip() == host
        bare = host.strip("[]").split("%", 1)[0].rstrip(".").lower()
        if ":" not in bare:
            assert bare == "localhost" or bare.endswith(".localhost") or ipaddress.IPv4Address(bare).is_loopback


@given(st.text(max_size=30))
def test_percent_never_rescues_a_non_ipv6_host(suffix: str) -> None:
    assert not is_loopback_host("127.0.0.1%" + suffix)
    assert not is_loopback_host("localhost%" + suffix)


@given(st.from_regex(r"\Ahttps?://[a-z0-9.\[\]:%-]{1,30}(/[a-z]*)?\Z"))
def test_url_agrees_with_urlsplit(url: str) -> None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        assert not is_loopback_url(url)
        return
    assert is_loopback_url(url) is (bool(host) and is_loopback_host(host or ""))
