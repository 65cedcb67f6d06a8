"""policy.require_domain_proof: an identity may send only as the domains whose DNS carries its
ownership token (TXT _smtpwarden.DOMAIN); the gateway checks at start, against a dnsmasq the
test runs on a loopback port. Unproven domains are simply not owned."""

import smtplib

import pytest

from swtest import dnsmasq, make_message, new_msgid
from test_domain_verify import expected_token


@pytest.fixture
def dns():
    # a.example proves app-a; b.example carries a token for someone else
    with dnsmasq("example",
                 [f"--txt-record=_smtpwarden.a.example,{expected_token('app-a', 'a.example')}",
                  f"--txt-record=_smtpwarden.b.example,{expected_token('mallory', 'b.example')}"],
                 "_smtpwarden.a.example") as server:
        yield server


def send(gw, sender):
    msgid = new_msgid("proof")
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15, source_address=("127.0.0.10", 0)) as s:
        s.ehlo("app.example.test")
        code, text = s.mail(sender)
        if code != 250:
            return code, text
        s.rcpt("someone@example.net")
        return s.data(make_message(msgid, sender=sender))


@pytest.mark.parametrize("required", [True, False])
def test_only_proven_domains_are_owned(gateway, sink, dns, required):
    gw = gateway({
        "gateway": {"relay_networks": None},
        "identities": [{"name": "app-a", "network": ["127.0.0.10/32"],
                        "domains": ["a.example", "b.example", "c.example"]}],
        "policy": {"require_domain_proof": required},
        "dns": {"servers": dns, "timeout": "1s"},
    })
    assert send(gw, "x@a.example")[0] == 250
    for unproven in ("x@b.example", "x@c.example"):  # someone else's token / no record
        code, text = send(gw, unproven)
        if required:
            assert code == 550 and b"not owned" in text, (unproven, code, text)
        else:
            assert code == 250, (unproven, code, text)
    if required:
        log = gw.stderr()
        assert "b.example is not proven" in log and "c.example is not proven" in log, log[-2000:]
