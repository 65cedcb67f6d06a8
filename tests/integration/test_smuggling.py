"""SMTP smuggling (CVE-2023-51764/5/6): only CRLF.CRLF ends DATA. A second, spoofed message
hidden behind an ambiguous end-of-data sequence must never reach the next hop as a message of
its own, whether the gateway refuses bare line ends (bare_eol: reject) or normalises them.

The sequences are those of public scanners (shared/REFERENCE.md)."""

import re
import time

import pytest

from swtest import AioNextHop, RawSMTP

SEQUENCES = [
    b"\n.\n", b"\n.\r\n", b"\r.\r", b"\r.\n", b"\n.\r", b"\r.\r\n",
    b"\r\n.\n", b"\r\n.\r",
    b"\r\n\x00.\r\n", b"\r\n.\x00\r\n",
    b"\r\n.\r\r\n", b"\r\r\n.\r\r\n",
]
IDS = [s.decode("latin-1").encode("unicode_escape").decode() for s in SEQUENCES]
NUL = [s for s in SEQUENCES if b"\x00" in s]


def smuggle(gw, seq, tag):
    """Send message 1 + seq + a pipelined spoofed transaction + CRLF.CRLF in one write.
    Returns (replies after DATA's 354, closed)."""
    first = (b"From: <alice@example.com>\r\nTo: <bob@example.net>\r\n"
             b"Subject: smuggling carrier " + tag + b"\r\n\r\n"
             b"first message " + tag)
    spoofed = (b"From: <ceo@victim.example>\r\nTo: <victim@y>\r\n"
               b"Subject: spoofed " + tag + b"\r\n\r\nsmuggled body " + tag)
    payload = (first + seq +
               b"MAIL FROM:<evil@x>\r\nRCPT TO:<victim@y>\r\nDATA\r\n" +
               spoofed + b"\r\n.\r\n")
    with RawSMTP(gw.port) as c:
        assert c.cmd("EHLO smuggler.example.test").code == 250
        assert c.cmd("MAIL FROM:<alice@example.com>").code == 250
        assert c.cmd("RCPT TO:<bob@example.net>").code == 250
        assert c.cmd("DATA").code == 354
        try:
            c.send(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass
        # a gateway that (wrongly) parsed the tail as commands answers within milliseconds
        replies, closed = c.replies_until_close(1.5)
        if not closed:
            try:
                c.send(b"QUIT\r\n")
            except OSError:
                pass
            more, closed = c.replies_until_close(3)
            replies += more
        port = c.local_port
    return replies, closed, port


def settle_sink(sink, timeout=1.5):
    """Wait until the sink's file count has been stable for a while."""
    deadline = time.monotonic() + timeout
    n = len(sink.files())
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        m = len(sink.files())
        if m != n:
            n, stable_since = m, time.monotonic()
        elif time.monotonic() - stable_since > 0.3:
            break
    return sink.messages()


def assert_no_smuggled_message(msgs):
    for m in msgs:
        assert m.mail_from != "evil@x", "smuggled message delivered: %r" % m
        assert "victim@y" not in m.rcpts, "smuggled recipient reached the next hop: %r" % m
    assert len(msgs) <= 1, "one DATA became %d messages at the next hop: %r" % (len(msgs), msgs)


@pytest.mark.parametrize("seq", SEQUENCES, ids=IDS)
def test_smuggling_bare_eol_reject(gateway, sink, seq):
    gw = gateway({"gateway": {"bare_eol": "reject"}})
    replies, closed, port = smuggle(gw, seq, b"R")
    msgs = settle_sink(sink)
    assert_no_smuggled_message(msgs)
    assert msgs == [], "message with an ambiguous line end was relayed: %r" % msgs
    assert all(r.code != 250 for r in replies), replies
    if seq in NUL:
        # NUL is not a line end, but a next hop that drops NULs would see CRLF.CRLF:
        # the message must be refused all the same
        assert any(500 <= r.code < 600 for r in replies), replies
    else:
        assert any(r.startswith(550, "5.5.2") for r in replies), replies
        assert closed, "connection left open after a bare line end"
    ev = gw.txn_event(port)
    assert ev["verdict"] == "reject", ev
    if seq not in NUL:
        assert ev["reason"] == "bare_eol", ev


@pytest.mark.parametrize("seq", SEQUENCES, ids=IDS)
def test_smuggling_bare_eol_normalise(gateway, sink, seq):
    gw = gateway({"gateway": {"bare_eol": "normalise"}})
    replies, closed, port = smuggle(gw, seq, b"N")
    msgs = settle_sink(sink)
    print("replies:", replies, "delivered:", msgs)
    assert_no_smuggled_message(msgs)
    finals = [r for r in replies if r.code != 221]
    # exactly one answer to the one DATA the gateway saw: never a second 250 (that would be
    # the smuggled transaction's), never a 354
    assert all(r.code not in (354,) for r in finals), replies
    assert sum(1 for r in finals if r.code == 250) <= 1, replies
    if msgs:
        [m] = msgs
        assert any(r.code == 250 for r in finals), "delivered without a 250: %r" % replies
        # the whole tail is content of the one message: the fake end-of-data line was kept
        # as text (dot-stuffed on the way) and the "commands" are just lines of the body
        assert b"first message N" in m.content
        assert b"MAIL FROM:<evil@x>" in m.content
        assert b"smuggled body N" in m.content
    else:
        assert all(r.code != 250 for r in replies), replies


@pytest.mark.parametrize("seq", SEQUENCES, ids=IDS)
def test_smuggling_normalise_forwards_only_crlf(gateway, seq):
    """With normalise, what the next hop receives has CRLF line ends only: a bare CR or LF is
    never passed on for a weaker next hop to misread. (aiosmtpd keeps content bytes as sent,
    and itself ends DATA at LF.CRLF, so a passed-through "\\n.\\r\\n" would show up as a
    second message.)"""
    hop = AioNextHop()
    try:
        gw = gateway({"gateway": {"bare_eol": "normalise"}}, next_hop_port=hop.port)
        replies, closed, port = smuggle(gw, seq, b"A")
        time.sleep(0.3)
        msgs = list(hop.messages)
    finally:
        hop.stop()
    for mail_from, rcpts, content in msgs:
        assert mail_from != "evil@x" and "victim@y" not in rcpts, msgs
    assert len(msgs) <= 1, msgs
    if msgs:
        content = msgs[0][2]
        assert not re.search(rb"\r(?!\n)|(?<!\r)\n", content), (
            "bare CR/LF forwarded to the next hop: %r" % content)
        assert b"smuggled body A" in content


@pytest.mark.parametrize("mode", ["reject", "normalise"])
@pytest.mark.parametrize("cmds", [b"EHLO x\nMAIL FROM:<evil@x>\r\n",
                                  b"EHLO x\r\nMAIL FROM:<evil@x>\nRCPT TO:<victim@y>\r\n",
                                  b"EHLO x\rMAIL FROM:<evil@x>\r\n"],
                         ids=["ehlo-lf", "mail-lf", "ehlo-cr"])
def test_bare_eol_in_commands_refused(gateway, sink, mode, cmds):
    """A bare CR or LF in a command line: with reject, a protocol error that closes the
    connection; with normalise, a line end like CRLF. Either way the MAIL pipelined behind it
    (without PIPELINING... or right after EHLO) is never accepted."""
    gw = gateway({"gateway": {"bare_eol": mode}})
    with RawSMTP(gw.port) as c:
        c.send(cmds)
        replies, closed = c.replies_until_close(3)
    assert replies and 500 <= replies[-1].code < 600, replies
    assert closed, replies
    # the MAIL after the bare line end was never accepted
    assert sum(1 for r in replies if r.code == 250) <= 1, replies
    if mode == "reject" and not cmds.startswith(b"EHLO x\r\n"):
        # the bare line end is in the EHLO line itself: not even EHLO is accepted
        assert all(r.code != 250 for r in replies), replies


def test_starttls_command_injection(gateway, sink, pki):
    """CVE-2011-0411: commands pipelined after STARTTLS, before the handshake, are refused and
    never carried into the TLS session."""
    gw = gateway()
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO client.example.test")
        c.send(b"STARTTLS\r\nMAIL FROM:<evil@x>\r\n")
        replies, closed = c.replies_until_close(3)
    assert any(r.startswith(554, "5.5.0") for r in replies), replies
    assert closed
    assert all(r.code != 250 for r in replies), replies
