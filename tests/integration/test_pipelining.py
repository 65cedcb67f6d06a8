"""PIPELINING (RFC 2920): allowed after EHLO when offered, refused otherwise; no talking
before the greeting."""

import time

from swtest import RawSMTP, ehlo_keywords, make_message, new_msgid, dot_stuff


def test_pipelined_transaction_after_ehlo(gateway, sink):
    gw = gateway()
    msgid = new_msgid("pipe")
    with RawSMTP(gw.port) as c:
        r = c.cmd("EHLO pipeliner.example.test")
        assert "PIPELINING" in ehlo_keywords(r), r
        c.send(b"MAIL FROM:<alice@example.com>\r\n"
               b"RCPT TO:<bob@example.net>\r\n"
               b"RCPT TO:<carol@example.org>\r\n"
               b"DATA\r\n")
        replies = [c.reply() for _ in range(4)]
        assert [r.code for r in replies] == [250, 250, 250, 354], replies
        c.send(dot_stuff(make_message(msgid, body=b".dot\r\nbody\r\n")) + b".\r\n")
        assert c.reply().code == 250
        # RSET may open a group that QUIT closes
        c.send(b"RSET\r\nQUIT\r\n")
        assert [c.reply().code for _ in range(2)] == [250, 221]
        assert c.wait_closed(5)
    [m] = sink.wait_msgid(msgid)
    assert m.rcpts == ["bob@example.net", "carol@example.org"]
    assert b"\n.dot\nbody\n" in m.content


def test_pipelining_after_helo_refused(gateway, sink):
    gw = gateway()
    with RawSMTP(gw.port) as c:
        r = c.cmd("HELO oldclient.example.test")
        assert r.code == 250
        c.send(b"MAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.net>\r\n")
        replies, closed = c.replies_until_close(5)
    codes = [(r.code, r.enh) for r in replies]
    assert (554, "5.5.0") in codes, replies
    # at most MAIL may have been answered before the violation was seen; never the RCPT
    assert codes[-1] == (554, "5.5.0"), replies
    assert len(replies) <= 2, replies
    assert closed, "connection left open after a pipelining violation"
    assert sink.files() == []
    ev = gw.conn_event(c.local_port)
    assert ev["close_reason"] == "protocol_error", ev
    assert ev["violations"], ev


def test_pipelining_not_offered_when_disabled(gateway, sink):
    gw = gateway({"gateway": {"pipelining": False}})
    with RawSMTP(gw.port) as c:
        r = c.cmd("EHLO client.example.test")
        assert "PIPELINING" not in ehlo_keywords(r), r
        c.send(b"MAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.net>\r\n")
        replies, closed = c.replies_until_close(5)
    assert replies and replies[-1].startswith(554, "5.5.0"), replies
    assert closed
    assert sink.files() == []


def test_talking_before_greeting_refused(gateway, sink):
    gw = gateway({"gateway": {"greet_delay": "700ms"}})
    # a polite client waits, and gets the greeting after the delay
    t0 = time.monotonic()
    with RawSMTP(gw.port) as c:
        waited = time.monotonic() - t0
        assert c.greeting.code == 220
        assert waited >= 0.6, "greeting after %.3fs, before greet_delay" % waited
        assert c.cmd("QUIT").code == 221
    # an impatient one (a spambot) talks first and is refused
    with RawSMTP(gw.port, read_greeting=False) as c:
        c.send(b"EHLO spambot.example.test\r\n")
        replies, closed = c.replies_until_close(5)
    assert replies, "no reply to a client talking before the greeting"
    assert replies[-1].code == 554, replies
    assert all(r.code != 250 for r in replies), replies
    assert closed
