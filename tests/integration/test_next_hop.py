"""The gateway is a proxy: the client hears the next hop's verdicts, and a 250 only ever
means the next hop accepted the message."""

import smtplib
import ssl

import pytest

from swtest import AioNextHop, RawSMTP, free_port, make_message, new_msgid, send_transaction

RCPT_REFUSAL = "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown"
DATA_REFUSAL = "554 5.7.1 Message content rejected by policy"


@pytest.fixture
def hop():
    h = AioNextHop(reject_rcpt={"nobody@example.net": RCPT_REFUSAL},
                   reject_marker={b"REJECT-ME": DATA_REFUSAL})
    yield h
    h.stop()


def test_next_hop_refusals_passed_through(gateway, hop):
    gw = gateway(next_hop_port=hop.port)
    bad, good = new_msgid("refused"), new_msgid("accepted")
    with RawSMTP(gw.port) as c:
        assert c.cmd("EHLO client.example.test").code == 250
        r = send_transaction(c, "alice@example.com", ["bob@example.net", "nobody@example.net"],
                             make_message(bad, body=b"this one says REJECT-ME\r\n"))
        assert r["mail"].code == 250
        assert r["rcpt"][0].code == 250
        assert r["rcpt"][1].startswith(550, "5.1.1"), r
        assert r["data"].code == 354
        assert r["final"].startswith(554, "5.7.1"), r
        r = send_transaction(c, "alice@example.com", ["bob@example.net", "nobody@example.net"],
                             make_message(good))
        assert r["rcpt"][1].startswith(550, "5.1.1"), r
        assert r["final"].code == 250, r
        c.cmd("QUIT")
        port = c.local_port
    # only what got 250 is at the next hop, with only the accepted recipient
    assert len(hop.messages) == 1, hop.messages
    mail_from, rcpts, content = hop.messages[0]
    assert (mail_from, rcpts) == ("alice@example.com", ["bob@example.net"])
    assert good.encode() in content

    ev1 = gw.txn_event(port, txn=1)
    assert ev1["verdict"] == "reject" and ev1["reason"] == "next_hop_rejected", ev1
    assert ev1["next_hop_reply"].startswith("554"), ev1
    assert ev1["rcpt_to"] == ["bob@example.net"]
    assert [x["addr"] for x in ev1["rcpt_refused"]] == ["nobody@example.net"]
    assert ev1["rcpt_refused"][0]["reply"].startswith("550"), ev1
    ev2 = gw.txn_event(port, txn=2)
    assert ev2["verdict"] == "accept", ev2


def test_next_hop_refusals_smtplib(gateway, hop):
    gw = gateway(next_hop_port=hop.port)
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        refused = s.sendmail("alice@example.com", ["bob@example.net", "nobody@example.net"],
                             make_message(new_msgid("partial")))
        assert set(refused) == {"nobody@example.net"}
        assert refused["nobody@example.net"][0] == 550
        with pytest.raises(smtplib.SMTPDataError) as ei:
            s.sendmail("alice@example.com", ["bob@example.net"],
                       make_message(new_msgid("bad"), body=b"REJECT-ME\r\n"))
        assert ei.value.smtp_code == 554
    assert len(hop.messages) == 1


def test_next_hop_down(gateway, sink):
    gw = gateway(next_hop_port=free_port())
    with RawSMTP(gw.port) as c:
        assert c.cmd("EHLO client.example.test").code == 250
        r = send_transaction(c, "alice@example.com", ["bob@example.net"],
                             make_message(new_msgid("down")))
        seen = [r["mail"]] + r["rcpt"] + ([r["data"]] if r["data"] else []) + \
            ([r["final"]] if r["final"] else [])
        refusal = next((x for x in seen if x.code >= 400), None)
        assert refusal is not None, "every step accepted with no next hop: %r" % seen
        assert refusal.startswith(451, "4.4.1"), seen
        assert r["final"] is None or r["final"].code != 250, seen
        c.cmd("QUIT")
        port = c.local_port
    ev = gw.txn_event(port)
    assert ev["verdict"] == "defer", ev
    assert ev["reason"] == "next_hop_unavailable", ev
    assert sink.files() == []


def server_tls_context(pki):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    return ctx


def relay_one(gw, msgid):
    with RawSMTP(gw.port) as c:
        assert c.cmd("EHLO client.example.test").code == 250
        r = send_transaction(c, "alice@example.com", ["bob@example.net"], make_message(msgid))
        c.cmd("QUIT")
    return r, c.local_port


def test_next_hop_opportunistic_tls(gateway, pki):
    """A next hop that offers STARTTLS gets the message over TLS."""
    hop = AioNextHop(tls_context=server_tls_context(pki))
    try:
        gw = gateway({"gateway": {"next_hop": {"tls": "opportunistic"}}}, next_hop_port=hop.port)
        r, _ = relay_one(gw, new_msgid("hop-tls"))
        assert r["final"].code == 250, r
        assert hop.tls == [True], "next hop offered STARTTLS but got plaintext"
    finally:
        hop.stop()


@pytest.mark.parametrize("ca", ["good", "wrong"])
def test_next_hop_tls_verify(gateway, pki, tmp_path, ca):
    """tls: require + tls_verify: relays only to a next hop whose certificate verifies."""
    import swtest
    ca_file = pki.ca if ca == "good" else swtest.make_pki(tmp_path / "other").ca
    hop = AioNextHop(tls_context=server_tls_context(pki))
    try:
        gw = gateway({"gateway": {"next_hop": {"tls": "require", "tls_verify": True,
                                               "ca": str(ca_file)}}},
                     next_hop_port=hop.port)
        msgid = new_msgid("verify-" + ca)
        r, port = relay_one(gw, msgid)
        if ca == "good":
            assert r["final"].code == 250, r
            assert hop.tls == [True]
        else:
            steps = [r["mail"]] + r["rcpt"] + [x for x in (r["data"], r["final"]) if x]
            assert not (r["final"] and r["final"].code == 250), steps
            assert any(400 <= x.code < 500 for x in steps), steps
            assert hop.messages == []
            ev = gw.txn_event(port)
            assert ev["verdict"] == "defer", ev
    finally:
        hop.stop()


def test_next_hop_tls_required_but_not_offered(gateway, sink):
    """tls: require and a next hop without STARTTLS (smtp-sink): temporary failure, no
    plaintext delivery."""
    gw = gateway({"gateway": {"next_hop": {"tls": "require"}}})
    r, port = relay_one(gw, new_msgid("needs-tls"))
    steps = [r["mail"]] + r["rcpt"] + [x for x in (r["data"], r["final"]) if x]
    assert not (r["final"] and r["final"].code == 250), steps
    assert any(400 <= x.code < 500 for x in steps), steps
    assert sink.files() == []
    assert gw.txn_event(port)["verdict"] == "defer"
