"""SIGHUP reloads the configuration; a bad file keeps the running one."""

import signal
import time

from swtest import RawSMTP, deep_merge, make_message, new_msgid, send_transaction, wait_until


def relay_allowed(gw):
    """One fresh connection: does RCPT to an outside domain get 250?"""
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO reload.example.test")
        r = c.cmd("MAIL FROM:<alice@example.com>")
        if r.code == 250:
            r = c.cmd("RCPT TO:<bob@example.net>")
        c.cmd("QUIT")
    assert r.code in (250, 554), r
    return r.code == 250


def test_sighup_applies_new_relay_networks(gateway, sink):
    gw = gateway({"gateway": {"relay_networks": ["192.0.2.0/24"]}})
    assert not relay_allowed(gw)
    gw.write_config(deep_merge(gw.config, {"gateway": {"relay_networks": ["127.0.0.0/8"]}}))
    gw.signal(signal.SIGHUP)
    wait_until(lambda: relay_allowed(gw), 10, interval=0.2, what="reloaded relay_networks")
    msgid = new_msgid("reloaded")
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO reload.example.test")
        r = send_transaction(c, "alice@example.com", ["bob@example.net"], make_message(msgid))
        assert r["final"].code == 250, r
        c.cmd("QUIT")
    sink.wait_msgid(msgid)
    # and back again
    gw.write_config(deep_merge(gw.config, {"gateway": {"relay_networks": ["192.0.2.0/24"]}}))
    gw.signal(signal.SIGHUP)
    wait_until(lambda: not relay_allowed(gw), 10, interval=0.2, what="relay denied again")
    assert gw.alive()


def test_sighup_keeps_session_in_progress(gateway, sink):
    """A session that started before the reload finishes under the old rules."""
    gw = gateway()
    msgid = new_msgid("across-reload")
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO reload.example.test")
        assert c.cmd("MAIL FROM:<alice@example.com>").code == 250
        assert c.cmd("RCPT TO:<bob@example.net>").code == 250
        gw.write_config(deep_merge(gw.config, {"gateway": {"relay_networks": ["192.0.2.0/24"]}}))
        gw.signal(signal.SIGHUP)
        time.sleep(0.5)
        assert c.cmd("DATA").code == 354
        c.send(make_message(msgid) + b".\r\n")
        assert c.reply().code == 250
    sink.wait_msgid(msgid)
    wait_until(lambda: not relay_allowed(gw), 10, interval=0.2, what="new config in force")


def test_sighup_with_invalid_config_keeps_running(gateway, sink):
    gw = gateway()
    assert relay_allowed(gw)
    good = gw.config_path.read_text()
    err_before = len(gw.stderr())
    gw.write_config(text=good + "gateway_typo:\n  nonsense: [\n")
    gw.signal(signal.SIGHUP)
    time.sleep(1.0)
    assert gw.alive(), "gateway died on SIGHUP with a bad config:\n" + gw.stderr()[-3000:]
    assert len(gw.stderr()) > err_before, "bad config on SIGHUP not reported on stderr"
    # the old configuration is still in force
    assert relay_allowed(gw)
    msgid = new_msgid("after-bad-reload")
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO reload.example.test")
        r = send_transaction(c, "alice@example.com", ["bob@example.net"], make_message(msgid))
        assert r["final"].code == 250, r
        c.cmd("QUIT")
    sink.wait_msgid(msgid)
    # an unknown key (valid YAML) is refused the same way
    gw.write_config(text=good + "gateway_typo: 1\n")
    gw.signal(signal.SIGHUP)
    time.sleep(1.0)
    assert gw.alive()
    assert relay_allowed(gw)
