"""Sender identities at MAIL (issue 3, first part): with identities configured, a client must
be exactly one identity and that identity must own the envelope sender; relay_networks no
longer grants anything. Clients bind to distinct 127.0.0.x addresses to be different hosts."""

import smtplib

from conftest import PASSWORD, USER
from swtest import client_context, make_message, new_msgid, wait_until


def identity_config(users):
    return {
        "gateway": {
            # would admit everyone on loopback if identities did not take precedence
            "relay_networks": ["127.0.0.0/8"],
            "auth": {"users_file": str(users), "require_tls": True},
        },
        "identities": [
            {"name": "app-a", "network": ["127.0.0.10/32"], "domains": ["a.example"],
             "send_bounces": True},
            {"name": "alice", "sasl": USER, "senders": ["alice@b.example"]},
        ],
    }


def send_from(gw, source, sender, msgid, login=None, pki=None):
    """One transaction from 127.0.0.x; returns (code, text) of the first refusal or (250, ...)"""
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15, source_address=(source, 0)) as s:
        s.ehlo("host.example.test")
        if login:
            s.starttls(context=client_context(pki))
            s.ehlo("host.example.test")
            s.login(*login)
        code, text = s.mail(sender)
        if code != 250:
            return code, text
        code, text = s.rcpt("someone@example.net")
        if code != 250:
            return code, text
        return s.data(make_message(msgid, sender=sender or "postmaster@a.example"))


def txn_events(gw, n):
    return wait_until(lambda: [e for e in gw.events() if e.get("event") == "transaction"]
                      if len([e for e in gw.events() if e.get("event") == "transaction"]) >= n
                      else None, 10, what="%d transaction events" % n)


def test_network_identity_owns_its_domain_only(gateway, sink, users):
    gw = gateway(identity_config(users))
    ok, bounce = new_msgid("id-ok"), new_msgid("id-bounce")
    code, _ = send_from(gw, "127.0.0.10", "billing@a.example", ok)
    assert code == 250
    code, text = send_from(gw, "127.0.0.10", "ceo@bank.example", new_msgid("id-spoof"))
    assert code == 550 and b"5.7.1" in text and b"not owned" in text, (code, text)
    code, _ = send_from(gw, "127.0.0.10", "", bounce)  # send_bounces: true
    assert code == 250
    # another loopback host: in relay_networks, but no identity
    code, text = send_from(gw, "127.0.0.11", "billing@a.example", new_msgid("id-none"))
    assert code == 554 and b"5.7.1" in text, (code, text)
    msgs = sink.wait_count(2, timeout=10)
    assert len(msgs) == 2
    assert any(m.has_msgid(ok) for m in msgs) and any(m.has_msgid(bounce) for m in msgs)
    assert not any(m.mail_from == "ceo@bank.example" for m in msgs)
    evs = txn_events(gw, 4)
    by_reason = {e["reason"]: e for e in evs}
    assert by_reason["relayed"]["identity"] == "app-a"
    assert by_reason["envelope_not_owned"]["identity"] == "app-a"
    assert by_reason["envelope_not_owned"]["verdict"] == "reject"
    assert by_reason["no_identity"]["identity"] is None


def test_sasl_identity_owns_addresses(gateway, sink, users, pki):
    gw = gateway(identity_config(users))
    msgid = new_msgid("id-sasl")
    code, _ = send_from(gw, "127.0.0.12", "alice@b.example", msgid, (USER, PASSWORD), pki)
    assert code == 250
    # the same user may not send as another address of the same domain
    code, text = send_from(gw, "127.0.0.12", "bob@b.example", new_msgid("id-sasl-bob"),
                           (USER, PASSWORD), pki)
    assert code == 550 and b"not owned" in text, (code, text)
    # logged in from app-a's address: who logged in is who sends, not the network identity
    code, text = send_from(gw, "127.0.0.10", "billing@a.example", new_msgid("id-sasl-net"),
                           (USER, PASSWORD), pki)
    assert code == 550 and b"alice" in text, (code, text)
    [m] = sink.wait_msgid(msgid)
    assert m.mail_from == "alice@b.example"


def test_header_from_must_be_owned_too(gateway, sink, users, pki):
    """The envelope is owned, the header From is not: refused for a network identity and for a
    SASL identity, with the claimed From in the event."""
    gw = gateway(identity_config(users))
    for source, envelope, login in (("127.0.0.10", "billing@a.example", None),
                                    ("127.0.0.12", "alice@b.example", (USER, PASSWORD))):
        msgid = new_msgid("id-hdr")
        with smtplib.SMTP("127.0.0.1", gw.port, timeout=15, source_address=(source, 0)) as s:
            s.ehlo("host.example.test")
            if login:
                s.starttls(context=client_context(pki))
                s.ehlo("host.example.test")
                s.login(*login)
            assert s.mail(envelope)[0] == 250
            assert s.rcpt("someone@example.net")[0] == 250
            code, text = s.data(make_message(msgid, sender="ceo@bank.example"))
        assert code == 550 and b"not owned" in text, (code, text)
        assert not sink.find(msgid)
    evs = txn_events(gw, 2)
    assert [e["reason"] for e in evs] == ["from_not_owned", "from_not_owned"]
    assert [e["identity"] for e in evs] == ["app-a", "alice"]
    assert all("ceo@bank.example" in e["header_from"] for e in evs)
