"""
Where a webhook may be sent, and the one HTTP POST that sends it.

A webhook URL is typed by marketing ops and fetched by the worker, so it must not reach the
machine's own services or the private network behind it (SSRF). The rule lives here and is
applied twice: when an endpoint is saved (a clear form error) and at every delivery, because DNS
can change between the two. At delivery the host is resolved once, every address it resolves
to is checked, and the connection is made to that checked address (TLS still verifies the
certificate against the host name), so a second lookup cannot swap in a private address. No
redirect is followed. Failures are recorded with generic text: the delivery log must not tell
an open port from a closed one.

`WEBHOOK_ALLOW_PRIVATE_TARGETS = True` (env `WEBHOOK_ALLOW_PRIVATE_TARGETS=1`) lets receivers
inside your own network (private ranges and loopback) be targets. Link-local (including cloud
metadata at 169.254.169.254), multicast, reserved and unspecified addresses are never allowed.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10

# What the delivery log says when no HTTP answer came back, whatever the socket said.
GENERIC_FAILURE = "Could not deliver: no HTTP response from the endpoint."
REFUSED_TARGET = "Refused: webhooks go only to http(s) URLs of public internet addresses."

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeWebhookTarget(ValueError):
    """The URL may not be used as a webhook target; the message says why, for the form."""


@dataclass(frozen=True)
class WebhookTarget:
    """A checked URL: its parts and the address the request must connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def _unwrap(ip: IpAddress) -> IpAddress:
    """IPv4 addresses hidden in IPv6 (::ffff:127.0.0.1, 6to4, NAT64-style) are judged as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return ip


def address_refusal(ip: IpAddress, *, allow_private: bool | None = None) -> str | None:
    """Why this address may not be a webhook target, or None if it may."""
    ip = _unwrap(ip)
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local or ip.is_reserved:
        return f"{ip} is a link-local, multicast, reserved or unspecified address."
    if ip.is_loopback or ip.is_private or not ip.is_global:
        if _allow_private() if allow_private is None else allow_private:
            return None
        return (
            f"{ip} is a loopback or private address; receivers inside your network need "
            "WEBHOOK_ALLOW_PRIVATE_TARGETS=1."
        )
    return None


def _split(url: str, *, allow_http: bool | None = None) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeWebhookTarget("This is not a valid URL.") from exc
    scheme = parts.scheme.lower()
    http_ok = settings.DEBUG if allow_http is None else allow_http
    allowed = {"http", "https"} if http_ok else {"https"}
    if scheme not in allowed:
        raise UnsafeWebhookTarget(
            "Webhook URLs must use http or https." if http_ok else "Webhook URLs must use https."
        )
    if parts.username or parts.password:
        raise UnsafeWebhookTarget("Put no user name or password in the URL; use the secret.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeWebhookTarget("The URL has no host.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeWebhookTarget(f"The host {host} could not be resolved.") from exc
    # Zone ids ("fe80::1%eth0") are stripped: the address itself is what is judged.
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeWebhookTarget(f"The host {host} could not be resolved.")
    return addresses


def webhook_target_check(url: str, *, allow_local: bool | None = None) -> WebhookTarget:
    """
    Check a webhook URL and resolve its host: raises UnsafeWebhookTarget unless the scheme is
    allowed and every address the host resolves to is allowed. Returns the address to use.
    `allow_local` (Slack's OUTBOUND_ALLOW_LOCAL) allows http and private receivers; by default
    DEBUG allows http and WEBHOOK_ALLOW_PRIVATE_TARGETS private receivers.
    """
    scheme, host, port, path = _split(url, allow_http=allow_local or None)
    addresses = _resolve(host, port)
    for ip in addresses:
        problem = address_refusal(ip, allow_private=allow_local or None)
        if problem:
            raise UnsafeWebhookTarget(f"Refused: {host} resolves to {problem}")
    return WebhookTarget(scheme, host, port, path, str(addresses[0]))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: WebhookTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: WebhookTarget, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # SNI and certificate checks use the host name, the TCP connection the checked address.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass(frozen=True)
class PostResult:
    """An HTTP status (None when no answer came back) and the text for the delivery log."""

    status: int | None
    error: str


def webhook_post(
    url: str, body: bytes, headers: dict[str, str], *, allow_local: bool | None = None
) -> PostResult:
    """POST body to url once, connected to the checked address; no redirects followed."""
    try:
        target = webhook_target_check(url, allow_local=allow_local)
    except UnsafeWebhookTarget as exc:
        logger.warning("Webhook to %s refused: %s", url, exc)
        return PostResult(None, REFUSED_TARGET)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        status = response.status
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        # The detail stays in the server log; the delivery log gets one generic sentence.
        logger.warning("Webhook to %s failed: %s: %s", url, type(exc).__name__, exc)
        return PostResult(None, GENERIC_FAILURE)
    finally:
        connection.close()
    if 200 <= status < 300:
        return PostResult(status, "")
    if 300 <= status < 400:
        return PostResult(status, f"HTTP {status}: redirects are not followed.")
    return PostResult(status, f"HTTP {status}")
