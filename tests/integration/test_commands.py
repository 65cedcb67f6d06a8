"""Other commands: VRFY never reveals users, EXPN is not implemented, HELP, NOOP, RSET, QUIT."""

from conftest import USER
from swtest import RawSMTP, wait_until


def test_vrfy_expn_help_quit(gateway, sink, users):
    gw = gateway({"gateway": {"auth": {"users_file": str(users)}}})
    with RawSMTP(gw.port) as c:
        assert c.greeting.code == 220
        assert "gw.smtpwarden.test" in c.greeting.text
        assert c.cmd("EHLO cmds.example.test").code == 250
        known = c.cmd(f"VRFY {USER}")
        unknown = c.cmd("VRFY no-such-user-xyz")
        assert known.code == 252, known
        assert unknown.code == 252, unknown
        # the same answer whether or not the user exists
        assert known.text.replace(USER, "X") == unknown.text.replace("no-such-user-xyz", "X")
        r = c.cmd("EXPN staff")
        assert r.code == 502, r
        r = c.cmd("HELP")
        assert r.code == 214, r
        assert c.cmd("NOOP").code == 250
        assert c.cmd("RSET").code == 250
        r = c.cmd("FOOBAR")
        assert r.code == 500, r
        r = c.cmd("QUIT")
        assert r.code == 221, r
        assert c.wait_closed(5)
    ev = gw.conn_event(c.local_port)
    assert ev["close_reason"] == "quit"


def test_commands_out_of_sequence(gateway, sink):
    gw = gateway()
    with RawSMTP(gw.port) as c:
        r = c.cmd("MAIL FROM:<alice@example.com>")
        assert r.code == 503, "MAIL before HELO/EHLO: %r" % r
        c.cmd("EHLO seq.example.test")
        assert c.cmd("RCPT TO:<bob@example.net>").code == 503
        assert c.cmd("DATA").code == 503
        assert c.cmd("MAIL FROM:<alice@example.com>").code == 250
        assert c.cmd("MAIL FROM:<alice@example.com>").code == 503
        assert c.cmd("QUIT").code == 221
    # the next hop saw MAIL and then RSET or a closed connection: smtp-sink removes its dump
    # file for the unfinished transaction a moment later, and nothing is ever delivered
    wait_until(lambda: sink.files() == [], 5, what="the sink to drop the unfinished transaction")


def test_too_many_errors_closes(gateway, sink):
    gw = gateway({"gateway": {"limits": {"max_errors": 3}}})
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO errors.example.test")
        codes, sent = [], 0
        while sent < 10 and 421 not in codes:
            try:
                c.send(b"BOGUS\r\n")
            except OSError:
                break
            sent += 1
            more, closed = c.replies_until_close(0.3)
            codes += [r.code for r in more]
            if closed:
                break
        assert 421 in codes, codes
        # max_errors errors are tolerated; the next one ends the session
        assert sent <= 4, (sent, codes)
        assert c.wait_closed(5)
    assert gw.conn_event(c.local_port)["close_reason"] == "too_many_errors"


def test_idle_timeout(gateway, sink):
    gw = gateway({"gateway": {"limits": {"idle_timeout": "1s"}}})
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO idle.example.test")
        r = c.reply(timeout=6)
        assert r.code == 421, r
        assert c.wait_closed(5)
    assert gw.conn_event(c.local_port)["close_reason"] == "idle_timeout"


def test_max_connections_per_worker(gateway, sink):
    gw = gateway({"gateway": {"limits": {"max_connections": 3}, "workers": 1}})
    held = [RawSMTP(gw.port) for _ in range(3)]
    try:
        assert all(c.greeting.code == 220 for c in held)
        with RawSMTP(gw.port) as extra:
            assert extra.greeting.startswith(421, "4.7.0"), extra.greeting
            assert extra.wait_closed(5)
    finally:
        for c in held:
            c.close()
    # capacity comes back once they are gone
    import time
    time.sleep(0.5)
    with RawSMTP(gw.port) as c:
        assert c.greeting.code == 220
