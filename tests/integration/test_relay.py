"""Plain relay from a trusted network: what a client hands over arrives at the next hop intact."""

import re
import shutil
import smtplib
import subprocess

import pytest

from swtest import RawSMTP, make_message, new_msgid, send_transaction

# Lines that start with "." (dot-stuffing both ways), a lone "." line, 8-bit UTF-8 and
# Latin-1 octets, trailing spaces and a long-ish line: all must arrive unchanged.
BODY = ("Hello Bob,\r\n"
        ".leading dot\r\n"
        "..two leading dots\r\n"
        ".\r\n"
        "..\r\n"
        " . space before dot\r\n"
        "UTF-8: h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001F600\r\n"
        "trailing spaces   \r\n"
        "\r\n"
        + "x" * 900 + "\r\n"
        "-- \r\n"
        "end\r\n").encode("utf-8") + b"latin-1: caf\xe9\r\n"


def headers_only(prefix):
    """True when prefix (LF line ends) is zero or more header lines (added by the gateway)."""
    if not prefix:
        return True
    for ln in prefix.rstrip(b"\n").split(b"\n"):
        if not (re.match(rb"^[!-9;-~]+:", ln) or ln[:1] in (b" ", b"\t")):
            return False
    return True


def assert_intact(sink_msg, original):
    want = original.replace(b"\r\n", b"\n")
    got = sink_msg.content
    assert got.endswith(want), (
        "message changed on the way:\nsent:\n%r\nsink:\n%r" % (want, got))
    assert headers_only(got[:-len(want)]), (
        "gateway added something other than header lines: %r" % got[:-len(want)])


def test_plain_relay_smtplib_byte_intact(gateway, sink):
    gw = gateway()
    msgid = new_msgid("plain")
    msg = make_message(msgid, subject="plain relay", body=BODY)
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        s.ehlo("client.example.test")
        opts = ["BODY=8BITMIME"] if s.has_extn("8bitmime") else []
        code, _ = s.mail("alice@example.com", opts)
        assert code == 250
        assert s.rcpt("bob@example.net")[0] == 250
        assert s.rcpt("carol@example.org")[0] == 250
        code, text = s.data(msg)
        assert code == 250, text
        client_port = s.sock.getsockname()[1]
    [m] = sink.wait_msgid(msgid)
    assert m.mail_from == "alice@example.com"
    assert m.rcpts == ["bob@example.net", "carol@example.org"]
    assert_intact(m, msg)
    assert len(sink.messages()) == 1

    ev = gw.txn_event(client_port)
    assert ev["verdict"] == "accept"
    assert ev["reason"] == "relayed"
    assert ev["mail_from"] == "alice@example.com"
    assert ev["rcpt_to"] == ["bob@example.net", "carol@example.org"]
    assert isinstance(ev["next_hop_reply"], str) and ev["next_hop_reply"].startswith("250")
    assert ev["reply"].startswith("250")


def test_relay_raw_client_dot_stuffing(gateway, sink):
    """The same through a raw socket, with the client doing the dot-stuffing itself."""
    gw = gateway()
    msgid = new_msgid("raw")
    msg = make_message(msgid, body=BODY)
    with RawSMTP(gw.port) as c:
        assert c.greeting.code == 220
        assert c.cmd("EHLO client.example.test").code == 250
        r = send_transaction(c, "alice@example.com", ["bob@example.net"], msg)
        assert r["final"] is not None and r["final"].code == 250, r
        assert c.cmd("QUIT").code == 221
    [m] = sink.wait_msgid(msgid)
    assert_intact(m, msg)


def test_two_transactions_one_connection(gateway, sink):
    gw = gateway()
    ids = [new_msgid("two"), new_msgid("two")]
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        for i in ids:
            s.sendmail("alice@example.com", ["bob@example.net"], make_message(i))
        client_port = s.sock.getsockname()[1]
    for i in ids:
        sink.wait_msgid(i)
    assert gw.txn_event(client_port, txn=1)["verdict"] == "accept"
    assert gw.txn_event(client_port, txn=2)["verdict"] == "accept"


def test_relay_with_swaks(gateway, sink):
    swaks = shutil.which("swaks")
    assert swaks, "swaks is a test dependency (scripts/install-deps.sh installs it)"
    gw = gateway()
    msgid = new_msgid("swaks")
    r = subprocess.run([swaks, "--server", f"127.0.0.1:{gw.port}", "--timeout", "15",
                        "--helo", "swaks.example.test",
                        "--from", "a@example.com", "--to", "b@example.net",
                        "--header", f"Message-Id: <{msgid}>",
                        "--header", "Subject: via swaks",
                        "--body", "swaks body line\n.dot line\n"],
                       capture_output=True, timeout=60)
    out = r.stdout.decode(errors="replace")
    assert r.returncode == 0, out + r.stderr.decode(errors="replace")
    assert re.search(r"-> \.\r?\n<[-~] +250 ", out), out
    [m] = sink.wait_msgid(msgid)
    assert m.mail_from == "a@example.com"
    assert m.rcpts == ["b@example.net"]
    assert b"\n.dot line\n" in m.content
