"""Webhook signatures carry a timestamp: a captured delivery cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from routing.services import (
    WEBHOOK_SIGNATURE_TOLERANCE_SECONDS,
    webhook_signature,
    webhook_signature_verify,
)

BODY = json.dumps({"event": "lead.assigned", "data": {"contact": {"id": 1}}}).encode()
NOW = 1_760_000_000


def test_the_header_is_timestamp_and_hmac_of_timestamp_dot_body():
    header = webhook_signature("s3cret", BODY, timestamp=NOW)
    expected = hmac.new(b"s3cret", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert header == f"t={NOW},v1={expected}"


def test_a_fresh_signature_verifies():
    header = webhook_signature("s3cret", BODY, timestamp=NOW)
    assert webhook_signature_verify(secret="s3cret", header=header, body=BODY, now=NOW + 5)


@pytest.mark.parametrize("age", [WEBHOOK_SIGNATURE_TOLERANCE_SECONDS + 1, 86_400, -3_600])
def test_a_replayed_or_future_delivery_is_refused(age):
    header = webhook_signature("s3cret", BODY, timestamp=NOW)
    assert not webhook_signature_verify(secret="s3cret", header=header, body=BODY, now=NOW + age)


def test_a_new_timestamp_on_an_old_signature_is_refused():
    old = webhook_signature("s3cret", BODY, timestamp=NOW - 86_400)
    forged = f"t={NOW}," + old.split(",", 1)[1]
    assert not webhook_signature_verify(secret="s3cret", header=forged, body=BODY, now=NOW)


@pytest.mark.parametrize(
    "secret, body, header",
    [
        ("other", BODY, None),
        ("s3cret", BODY + b" ", None),
        ("s3cret", BODY, "v1=abc"),
        ("s3cret", BODY, "t=abc,v1=abc"),
        ("s3cret", BODY, ""),
        ("s3cret", BODY, f"t={NOW},t={NOW},v1=abc"),
    ],
)
def test_a_wrong_secret_body_or_header_is_refused(secret, body, header):
    header = header if header is not None else webhook_signature("s3cret", BODY, timestamp=NOW)
    assert not webhook_signature_verify(secret=secret, header=header, body=body, now=NOW)


def test_the_readme_receiver_example_verifies_a_real_signature():
    """The README's receiver code, run as written, accepts ours and refuses a replay."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("```python\n# Verify a Leadscore webhook")
    code = readme[start + len("```python\n") : readme.index("```", start + 10)]
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    verify = namespace["verify_leadscore_signature"]
    header = webhook_signature("s3cret", BODY, timestamp=int(time.time()))
    assert verify(BODY, header, "s3cret")
    stale = webhook_signature("s3cret", BODY, timestamp=int(time.time()) - 3_600)
    assert not verify(BODY, stale, "s3cret")
