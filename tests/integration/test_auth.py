"""AUTH over STARTTLS: an authenticated user may relay from anywhere, nobody else may; AUTH
is never offered or accepted in plaintext; guessing is rate limited; passwords never leak."""

import base64
import smtplib

import pytest

from conftest import PASSWORD, PASSWORD2, USER, USER2
from swtest import (RawSMTP, client_context, ehlo_keywords, make_message, new_msgid,
                    secret_forms, send_transaction)


def auth_config(users, **auth):
    a = {"users_file": str(users), "require_tls": True, "max_failures": 3,
         "failure_window": "60s"}
    a.update(auth)
    # no identity covers 127.0.0.1 as a network: only AUTH can grant relay
    return {"identities": [{"name": "alice", "sasl": USER, "domains": ["example.com"]},
                           {"name": "bob", "sasl": USER2, "domains": ["example.com"]}],
            "gateway": {"auth": a,
                        "limits": {"max_errors": 50}}}


def auth_plain(s, user, password):
    """One AUTH PLAIN attempt with an initial response; returns (code, text)."""
    resp = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    return s.docmd("AUTH", "PLAIN " + resp)


def assert_no_secret(gw, user=USER, password=PASSWORD):
    blobs = {"events": gw.events_path.read_bytes() if gw.events_path.exists() else b"",
             "stderr": gw.stderr_path.read_bytes(), "stdout": gw.stdout_path.read_bytes()}
    for where, data in blobs.items():
        for form in secret_forms(user, password):
            assert form not in data, "password (%r) appears in the gateway's %s" % (form, where)


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_starttls_auth_then_relay(gateway, sink, users, pki, mech):
    gw = gateway(auth_config(users))
    msgid = new_msgid("auth" + mech)
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        s.ehlo("client.example.test")
        assert s.has_extn("starttls")
        assert not s.has_extn("auth"), "AUTH advertised before TLS: %r" % s.esmtp_features
        s.starttls(context=client_context(pki))
        s.ehlo("client.example.test")
        assert s.has_extn("auth")
        mechs = s.esmtp_features["auth"].upper().split()
        assert "PLAIN" in mechs and "LOGIN" in mechs, mechs
        s.user, s.password = USER, PASSWORD
        authobj = s.auth_plain if mech == "PLAIN" else s.auth_login
        code, text = s.auth(mech, authobj, initial_response_ok=(mech == "PLAIN"))
        assert code == 235, text
        s.sendmail("alice@example.com", ["bob@example.net"], make_message(msgid))
        client_port = s.sock.getsockname()[1]
    [m] = sink.wait_msgid(msgid)
    assert m.rcpts == ["bob@example.net"]
    ev = gw.txn_event(client_port)
    assert ev["verdict"] == "accept"
    assert ev["auth_user"] == USER
    assert str(ev["auth_mech"]).upper() == mech
    assert ev["tls"] and str(ev["tls"]["version"]).startswith("TLSv1.")
    assert_no_secret(gw)


def test_wrong_password_535_and_counted(gateway, sink, users, pki):
    gw = gateway(auth_config(users))
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        s.starttls(context=client_context(pki))
        s.ehlo("client.example.test")
        code, text = auth_plain(s, USER, "not-the-password")
        assert code == 535, (code, text)
        # a failed AUTH grants nothing: relay is still refused
        code, text = s.mail("alice@example.com")
        if code == 250:
            code, text = s.rcpt("bob@example.net")
        assert code == 554 and text.startswith(b"5.7.1"), (code, text)
        client_port = s.sock.getsockname()[1]
    ev = gw.conn_event(client_port)
    assert ev["auth_failures"] >= 1
    assert ev["auth_user"] is None
    assert sink.files() == []
    assert_no_secret(gw, password="not-the-password")


def test_auth_before_starttls_refused(gateway, sink, users):
    gw = gateway(auth_config(users))
    with RawSMTP(gw.port) as c:
        r = c.cmd("EHLO client.example.test")
        kw = ehlo_keywords(r)
        assert "STARTTLS" in kw
        assert "AUTH" not in kw, "AUTH offered on a plaintext connection: %r" % r
        plain = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
        r = c.cmd("AUTH PLAIN " + plain)
        assert r.startswith(530, "5.7.0"), r
        r = c.cmd("AUTH LOGIN")
        assert r.startswith(530, "5.7.0"), r
        # and so no relay either
        r = c.cmd("MAIL FROM:<alice@example.com>")
        if r.code == 250:
            r = c.cmd("RCPT TO:<bob@example.net>")
        assert r.startswith(554, "5.7.1"), r
        c.cmd("QUIT")
        port = c.local_port
    ev = gw.conn_event(port)
    assert ev["auth_user"] is None
    assert_no_secret(gw)


def test_auth_rate_limited_after_max_failures(gateway, sink, users, pki):
    gw = gateway(auth_config(users, max_failures=3))
    ctx = client_context(pki)
    for i in range(3):
        with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
            s.starttls(context=ctx)
            s.ehlo("client.example.test")
            code, text = auth_plain(s, USER2, "guess-%d" % i)
            assert code == 535, (i, code, text)
    # From now on even the right password must not get in from this address.
    refused_how = None
    try:
        with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
            s.starttls(context=ctx)
            s.ehlo("client.example.test")
            if not s.has_extn("auth"):
                refused_how = "AUTH no longer advertised"
            else:
                code, text = auth_plain(s, USER2, PASSWORD2)
                assert code != 235, "AUTH succeeded after max_failures failures"
                assert 400 <= code < 600
                refused_how = "%d %s" % (code, text)
    except smtplib.SMTPServerDisconnected:
        refused_how = "disconnected"
    except smtplib.SMTPConnectError as e:
        refused_how = "connection refused with %s" % e.smtp_code
        assert 400 <= e.smtp_code < 600
    assert refused_how
    assert_no_secret(gw, USER2, PASSWORD2)
    for i in range(3):
        assert ("guess-%d" % i).encode() not in gw.events_path.read_bytes()
