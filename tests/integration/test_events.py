"""The events file: JSON lines with the fields docs/contract-gateway.md documents."""

import re
import smtplib

from swtest import RawSMTP, client_context, make_message, new_msgid, send_transaction

# documented close_reason tokens; the contract allows more, all of the same shape
TOKEN = re.compile(r"[a-z][a-z0-9_]*\Z")
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def check_common(e, client_port, gw, helo, tls):
    assert isinstance(e["ts"], str) and TS.match(e["ts"]), e["ts"]
    assert isinstance(e["event"], str)
    assert isinstance(e["conn_id"], str) and e["conn_id"]
    assert isinstance(e["worker"], int) and e["worker"] > 0
    assert e["client_addr"] == "127.0.0.1"
    assert e["client_port"] == client_port
    assert e["local_addr"] == "127.0.0.1"
    assert e["local_port"] == gw.port
    assert e["helo"] == helo
    assert e["auth_user"] is None
    assert e["auth_mech"] is None
    if tls:
        assert isinstance(e["tls"], dict), e["tls"]
        assert e["tls"]["version"] in ("TLSv1.2", "TLSv1.3")
        assert isinstance(e["tls"]["cipher"], str) and e["tls"]["cipher"]
        assert e["tls"]["client_cert"] is None
    else:
        assert e["tls"] is None


def test_transaction_and_connection_events(gateway, sink, pki):
    gw = gateway()
    ids = [new_msgid("ev1"), new_msgid("ev2")]
    msgs = [make_message(ids[0], body=b"first\r\n"),
            make_message(ids[1], body=b"second, a little longer\r\n.dot\r\n")]
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        s.ehlo("events.example.test")
        s.starttls(context=client_context(pki))
        s.ehlo("events.example.test")
        s.sendmail("alice@example.com", ["bob@example.net"], msgs[0])
        s.sendmail("alice@example.com", ["bob@example.net", "carol@example.org"], msgs[1])
        port = s.sock.getsockname()[1]
    for i in ids:
        sink.wait_msgid(i)

    conn = gw.conn_event(port)
    t1 = gw.txn_event(port, txn=1)
    t2 = gw.txn_event(port, txn=2)
    for e in (conn, t1, t2):
        check_common(e, port, gw, "events.example.test", tls=True)
    assert t1["conn_id"] == t2["conn_id"] == conn["conn_id"]
    assert t1["event"] == "transaction" and conn["event"] == "connection"

    for t, msg, rcpts in ((t1, msgs[0], ["bob@example.net"]),
                          (t2, msgs[1], ["bob@example.net", "carol@example.org"])):
        assert t["mail_from"] == "alice@example.com"
        assert t["rcpt_to"] == rcpts
        assert t["rcpt_refused"] == []
        assert isinstance(t["size"], int)
        assert t["size"] == len(msg), (t["size"], len(msg))
        assert t["verdict"] == "accept"
        assert t["reason"] == "relayed"
        assert isinstance(t["reply"], str) and t["reply"].startswith("250")
        assert isinstance(t["next_hop_reply"], str) and t["next_hop_reply"].startswith("250")

    assert conn["listener_tls"] == "starttls"
    assert conn["transactions"] == 2
    assert conn["auth_failures"] == 0
    assert isinstance(conn["violations"], list) and conn["violations"] == []
    assert isinstance(conn["duration_ms"], (int, float)) and conn["duration_ms"] >= 0
    assert conn["close_reason"] == "quit"


def test_plaintext_and_aborted_transaction_events(gateway, sink):
    gw = gateway()
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO plain.example.test")
        assert c.cmd("MAIL FROM:<alice@example.com>").code == 250
        assert c.cmd("RCPT TO:<bob@example.net>").code == 250
        assert c.cmd("RSET").code == 250
        port = c.local_port
    # closed without QUIT
    t = gw.txn_event(port)
    check_common(t, port, gw, "plain.example.test", tls=False)
    assert t["verdict"] == "abort", t
    assert t["reason"] == "client_aborted", t
    conn = gw.conn_event(port)
    check_common(conn, port, gw, "plain.example.test", tls=False)
    assert conn["listener_tls"] == "starttls"
    assert conn["transactions"] == 1
    assert conn["close_reason"] == "client_closed", conn
    assert sink.files() == []


def test_event_per_refused_recipient_transaction(gateway, sink):
    """A transaction refused by relay policy still produces its event, and a txn counter that
    goes on counting."""
    gw = gateway({"identities": [{"name": "elsewhere", "network": ["192.0.2.0/24", "2001:db8::/32"],
                 "domains": ["example.com"]}]})
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO denied.example.test")
        r = send_transaction(c, "alice@example.com", ["bob@example.net"], b"x\r\n")
        c.cmd("RSET")
        send_transaction(c, "alice@example.com", ["carol@example.org"], b"x\r\n")
        c.cmd("QUIT")
        port = c.local_port
    assert r["final"] is None
    t1 = gw.txn_event(port, txn=1)
    t2 = gw.txn_event(port, txn=2)
    assert t1["verdict"] == t2["verdict"] == "reject"
    assert t1["reason"] == "no_identity"
    assert gw.conn_event(port)["transactions"] == 2


def test_close_reason_is_a_token(gateway, sink):
    """close_reason is one of the stable tokens, whatever the client sent (scanners such as
    nmap send empty lines, HTTP and TLS hellos to an SMTP port)."""
    gw = gateway()
    probes = [b"\r\n\r\n", b"\r\n", b"GET / HTTP/1.0\r\n\r\n",
              b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1", b"HELP\r\n", b"QUIT\r\n",
              b"EHLO x\r\nEHLO y\r\n", b"\x00\xff\xfe\r\n"]
    ports = []
    for p in probes:
        with RawSMTP(gw.port) as c:
            c.send(p)
            c.replies_until_close(0.5)
            ports.append(c.local_port)
    for port, p in zip(ports, probes):
        e = gw.conn_event(port)
        cr = e["close_reason"]
        assert isinstance(cr, str) and TOKEN.match(cr), (p, cr)
        assert all(isinstance(v, str) and v.isprintable() for v in e["violations"]), (p, e)
