"""Limits: message size (SIZE, RFC 1870), recipients, command and text line lengths."""

from swtest import RawSMTP, ehlo_keywords, make_message, new_msgid, send_transaction

MAX_SIZE = 20000
LIMITS = {"gateway": {"limits": {"max_message_size": MAX_SIZE, "max_recipients": 3,
                                 "max_command_line": 512, "max_text_line": 1000,
                                 "max_errors": 20}}}


def message_of_size(msgid, size):
    """A message of exactly `size` content octets (CRLF line ends, lines of 78 + CRLF)."""
    head = make_message(msgid, body=b"")
    left = size - len(head)
    assert left > 100
    lines = []
    while left > 0:
        n = min(78, left - 2) if left >= 3 else None
        if n is None:  # 1 or 2 octets left: lengthen the previous line
            prev = lines.pop()
            lines.append(prev[:-2] + b"y" * left + b"\r\n")
            break
        lines.append(b"z" * n + b"\r\n")
        left -= n + 2
    msg = head + b"".join(lines)
    assert len(msg) == size, (len(msg), size)
    return msg


def session(gw):
    c = RawSMTP(gw.port)
    r = c.cmd("EHLO limits.example.test")
    assert r.code == 250
    return c, r


def test_size_advertised_and_mail_size_param(gateway, sink):
    gw = gateway(LIMITS)
    c, r = session(gw)
    with c:
        kw = ehlo_keywords(r)
        assert kw.get("SIZE") == [str(MAX_SIZE)], r
        r = c.cmd(f"MAIL FROM:<alice@example.com> SIZE={MAX_SIZE + 1}")
        assert r.startswith(552, "5.3.4"), r
        r = c.cmd(f"MAIL FROM:<alice@example.com> SIZE={MAX_SIZE}")
        assert r.code == 250, r
        c.cmd("QUIT")
    assert sink.files() == []


def test_message_at_limit_accepted(gateway, sink):
    gw = gateway(LIMITS)
    msgid = new_msgid("atlimit")
    c, _ = session(gw)
    with c:
        r = send_transaction(c, "alice@example.com", ["bob@example.net"],
                             message_of_size(msgid, MAX_SIZE))
        assert r["final"].code == 250, r
        c.cmd("QUIT")
    sink.wait_msgid(msgid)


def test_message_over_limit_refused(gateway, sink):
    gw = gateway(LIMITS)
    msgid = new_msgid("overlimit")
    c, _ = session(gw)
    with c:
        r = send_transaction(c, "alice@example.com", ["bob@example.net"],
                             message_of_size(msgid, MAX_SIZE + 1))
        assert r["final"] is not None, r
        assert r["final"].startswith(552, "5.3.4"), r
        # the session is still usable: a small message goes through
        ok = new_msgid("aftertoobig")
        r2 = send_transaction(c, "alice@example.com", ["bob@example.net"],
                              make_message(ok))
        assert r2["final"].code == 250, r2
        c.cmd("QUIT")
        port = c.local_port
    sink.wait_msgid(ok)
    assert sink.find(msgid) == []
    assert len(sink.files()) == 1
    ev = gw.txn_event(port, txn=1)
    assert ev["verdict"] == "reject" and ev["reason"] == "message_too_big", ev


def test_big_message_refused(gateway, sink):
    """Well over the limit (much larger than any buffer): refused, nothing delivered."""
    gw = gateway(LIMITS)
    msgid = new_msgid("huge")
    c, _ = session(gw)
    with c:
        r = send_transaction(c, "alice@example.com", ["bob@example.net"],
                             message_of_size(msgid, 3 * 1024 * 1024))
        assert r["final"].startswith(552, "5.3.4"), r
    assert sink.files() == []


def test_too_many_recipients(gateway, sink):
    gw = gateway(LIMITS)
    msgid = new_msgid("rcpts")
    c, _ = session(gw)
    with c:
        r = send_transaction(c, "alice@example.com",
                             ["r1@example.net", "r2@example.net", "r3@example.net",
                              "r4@example.net"], make_message(msgid))
        assert [x.code for x in r["rcpt"][:3]] == [250, 250, 250], r
        assert r["rcpt"][3].startswith(452, "4.5.3"), r
        assert r["final"].code == 250, r
        c.cmd("QUIT")
    [m] = sink.wait_msgid(msgid)
    assert m.rcpts == ["r1@example.net", "r2@example.net", "r3@example.net"]


def test_command_line_too_long(gateway, sink):
    gw = gateway(LIMITS)
    c, _ = session(gw)
    with c:
        r = c.cmd("MAIL FROM:<" + "a" * 600 + "@example.com>")
        assert r.startswith(500, "5.5.2"), r
        # the tail of an over-long line is never read as a command of its own
        c.send(b"NOOP " + b"b" * 507 + b"QUIT\r\n")
        r = c.reply()
        assert r.startswith(500, "5.5.2"), r
        r = c.cmd("NOOP")
        assert r.code == 250, r
        # a line of exactly max_command_line octets (CRLF included) is fine
        r = c.cmd("NOOP " + "c" * (512 - 5 - 2))
        assert r.code == 250, r
        assert c.cmd("QUIT").code == 221


def test_text_line_too_long(gateway, sink):
    gw = gateway(LIMITS)
    long_id, ok_id = new_msgid("longline"), new_msgid("okline")
    c, _ = session(gw)
    with c:
        r = send_transaction(c, "alice@example.com", ["bob@example.net"],
                             make_message(long_id, body=b"x" * 1200 + b"\r\nend\r\n"))
        assert r["final"] is not None and r["final"].code == 552, r
        # 998 characters + CRLF = 1000 octets: the RFC 5322 limit, accepted
        r = send_transaction(c, "alice@example.com", ["bob@example.net"],
                             make_message(ok_id, body=b"y" * 998 + b"\r\nend\r\n"))
        assert r["final"].code == 250, r
        c.cmd("QUIT")
        port = c.local_port
    sink.wait_msgid(ok_id)
    assert sink.find(long_id) == []
    ev = gw.txn_event(port, txn=1)
    assert ev["verdict"] == "reject" and ev["reason"] == "line_too_long", ev
