"""Webhook targets: no loopback, private, link-local, multicast or reserved hosts (SSRF)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError

from routing import services
from routing.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from routing.webhook_http import (
    GENERIC_FAILURE,
    REFUSED_TARGET,
    UnsafeWebhookTarget,
    webhook_target_check,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    """The test receivers speak plain http, allowed in development only (see the https test)."""
    settings.DEBUG = True


PUBLIC_IP = "93.184.216.34"

REFUSED_URLS = [
    "http://127.0.0.1:8103/",
    "http://127.0.0.1:5432/",
    "http://127.1/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/",
    "http://localhost:6379/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://240.0.0.1/",
    "ftp://127.0.0.1/",
    "ftp://hooks.example.com/",
    "gopher://hooks.example.com/",
    "file:///etc/passwd",
]


@pytest.fixture
def fake_dns(monkeypatch):
    """Names under .example.com resolve as the test says; everything else as usual."""
    answers: dict[str, list[str]] = {}
    calls: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        calls.append(host)
        if host in answers:
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port or 80))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers["hooks.example.com"] = [PUBLIC_IP]
    return answers, calls


def _endpoint(url: str) -> WebhookEndpoint:
    return WebhookEndpoint(name="CRM", url=url, events=["lead.assigned"])


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_an_endpoint_cannot_be_saved_with_an_unsafe_url(url, fake_dns):
    with pytest.raises(ValidationError) as caught:
        _endpoint(url).full_clean()
    assert "url" in caught.value.message_dict


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "::1", "10.0.0.7", "169.254.169.254", "fe80::1", "fd00::5"]
)
def test_a_dns_name_resolving_to_a_non_public_address_is_refused(address, fake_dns):
    answers, _ = fake_dns
    answers["internal.example.com"] = [address]
    with pytest.raises(UnsafeWebhookTarget, match=r"internal\.example\.com"):
        webhook_target_check("https://internal.example.com/hook")


def test_a_name_with_one_private_address_among_public_ones_is_refused(fake_dns, monkeypatch):
    real = socket.getaddrinfo

    def two_answers(host, port, *args, **kwargs):
        if host == "mixed.example.com":
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    with pytest.raises(UnsafeWebhookTarget):
        webhook_target_check("https://mixed.example.com/")


def test_a_public_https_url_is_accepted(fake_dns):
    _endpoint("https://hooks.example.com/leadscore").full_clean()
    target = webhook_target_check("https://hooks.example.com:8443/leadscore?x=1")
    assert (target.host, target.port, target.address) == ("hooks.example.com", 8443, PUBLIC_IP)
    assert target.path == "/leadscore?x=1"


def test_plain_http_is_refused_in_production(fake_dns, settings):
    settings.DEBUG = False
    with pytest.raises(ValidationError, match="https"):
        _endpoint("http://hooks.example.com/leadscore").full_clean()
    _endpoint("https://hooks.example.com/leadscore").full_clean()


def test_the_setting_allows_private_receivers_but_never_link_local(fake_dns, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    _endpoint("http://10.1.2.3/hook").full_clean()
    _endpoint("http://127.0.0.1:9000/hook").full_clean()
    for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://224.0.0.1/"):
        with pytest.raises(ValidationError):
            _endpoint(url).full_clean()


def test_the_admin_form_shows_the_refusal_and_saves_nothing(ops_client):
    response = ops_client.post(
        "/admin/routing/webhookendpoint/add/",
        {
            "name": "Sneaky",
            "url": "http://127.0.0.1:6379/",
            "events": ["lead.assigned"],
            "is_active": "on",
            "secret": "x" * 40,
        },
    )
    assert response.status_code == 200
    assert "is a loopback or private address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def receiver():
    """A local HTTP server recording requests; answers 302 to /elsewhere when told to."""
    received: list[dict] = []
    redirect: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            received.append({"path": self.path, "host": self.headers["Host"]})
            if redirect:
                self.send_response(302)
                self.send_header("Location", redirect[0])
            else:
                self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.received, server.redirect = received, redirect
    yield server
    server.shutdown()
    server.server_close()


def _delivery(url: str) -> WebhookDelivery:
    # Saved without clean(), as an endpoint stored before this check existed would be.
    endpoint = WebhookEndpoint.objects.create(name="CRM", url=url, events=["lead.assigned"])
    return WebhookDelivery.objects.create(endpoint=endpoint, event="lead.assigned", payload={})


def test_delivery_to_a_loopback_target_is_refused_without_connecting(receiver):
    delivery = _delivery(f"http://127.0.0.1:{receiver.server_port}/hook")
    delivery = services.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert receiver.received == []
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_error == REFUSED_TARGET
    assert delivery.last_status_code is None


def test_a_name_that_turns_private_after_saving_is_refused_at_delivery(fake_dns, receiver):
    answers, _ = fake_dns
    answers["rebind.example.com"] = [PUBLIC_IP, "127.0.0.1"]
    url = f"http://rebind.example.com:{receiver.server_port}/hook"
    _endpoint(url).full_clean()  # public when saved
    delivery = services.webhook_delivery_attempt(delivery_id=_delivery(url).pk)
    assert receiver.received == []
    assert delivery.last_error == REFUSED_TARGET


def test_the_request_goes_to_the_checked_address_with_one_lookup(fake_dns, receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    answers, calls = fake_dns
    answers["inside.example.com"] = ["127.0.0.1"]
    url = f"http://inside.example.com:{receiver.server_port}/hook"
    delivery = services.webhook_delivery_attempt(delivery_id=_delivery(url).pk)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert calls.count("inside.example.com") == 1  # the connection did not resolve again
    assert receiver.received == [
        {"path": "/hook", "host": f"inside.example.com:{receiver.server_port}"}
    ]


def test_redirects_are_not_followed(receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    receiver.redirect.append(f"http://127.0.0.1:{receiver.server_port}/elsewhere")
    delivery = _delivery(f"http://127.0.0.1:{receiver.server_port}/hook")
    delivery = services.webhook_delivery_attempt(delivery_id=delivery.pk)
    assert [r["path"] for r in receiver.received] == ["/hook"]
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.last_status_code == 302
    assert "redirects are not followed" in delivery.last_error


def test_closed_and_silent_ports_read_the_same_in_the_delivery_log(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    accepted: list[socket.socket] = []

    def hang_up():
        conn, _ = silent.accept()
        accepted.append(conn)
        conn.close()  # answers no HTTP at all

    threading.Thread(target=hang_up, daemon=True).start()
    errors = []
    for port in (closed_port, silent.getsockname()[1]):
        delivery = _delivery(f"http://127.0.0.1:{port}/")
        errors.append(services.webhook_delivery_attempt(delivery_id=delivery.pk).last_error)
    silent.close()
    assert errors == [GENERIC_FAILURE, GENERIC_FAILURE]
