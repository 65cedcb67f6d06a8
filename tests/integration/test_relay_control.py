"""Relay is denied by default: a client that is no identity (not in an identity's network,
not authenticated) gets 554 5.7.1, and nothing reaches the next hop."""

import shutil
import smtplib
import subprocess

import pytest

from swtest import RawSMTP, make_message, new_msgid

DENY = {"identities": [{"name": "elsewhere", "network": ["192.0.2.0/24", "2001:db8::/32"],
                 "domains": ["example.com"]}]}


def test_unauthorised_relay_refused(gateway, sink):
    gw = gateway(DENY)
    with RawSMTP(gw.port) as c:
        assert c.cmd("EHLO outsider.example.test").code == 250
        r = c.cmd("MAIL FROM:<alice@example.com>")
        if r.code == 250:
            r = c.cmd("RCPT TO:<bob@example.net>")
        assert r.startswith(554, "5.7.1"), r
        assert len(r.text.split(None, 1)) > 1, "554 without a reason: %r" % r
        # DATA cannot start without an accepted recipient
        r = c.cmd("DATA")
        assert r.code in (503, 554), r
        c.cmd("QUIT")
        port = c.local_port
    ev = gw.txn_event(port)
    assert ev["verdict"] == "reject"
    assert ev["reason"] == "no_identity"
    assert ev["rcpt_to"] == []
    assert sink.files() == []


def test_unauthorised_relay_smtplib(gateway, sink):
    gw = gateway(DENY)
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        with pytest.raises((smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)) as ei:
            s.sendmail("alice@example.com", ["bob@example.net", "carol@example.org"],
                       make_message(new_msgid("deny")))
        e = ei.value
        codes = ([c for c, _ in e.recipients.values()]
                 if isinstance(e, smtplib.SMTPRecipientsRefused) else [e.smtp_code])
        assert codes and all(c == 554 for c in codes), codes
    assert sink.files() == []


@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap not installed")
def test_nmap_smtp_open_relay(gateway, sink):
    # nmap makes 16 attempts on one connection; let it finish them all
    gw = gateway({"identities": DENY["identities"], "gateway": {"limits": {"max_errors": 100}}})
    # nmap runs smtp-open-relay on ports it believes are SMTP: tell it so with an
    # nmap-services file of our own (nmap reads data files from --datadir first; service
    # detection, -sV, is slow and guesses)
    datadir = gw.dir / "nmap-data"
    datadir.mkdir()
    (datadir / "nmap-services").write_text("smtp\t%d/tcp\t0.5\n" % gw.port)
    r = subprocess.run(
        ["nmap", "-Pn", "-n", "--datadir", str(datadir), "-p", str(gw.port),
         "--script", "smtp-open-relay", "--script-timeout", "60s",
         "--script-args", "smtp-open-relay.domain=example.com,smtp-open-relay.ip=127.0.0.1",
         "127.0.0.1"], capture_output=True, timeout=150)
    out = r.stdout.decode(errors="replace")
    assert r.returncode == 0, out + r.stderr.decode(errors="replace")
    assert "smtp-open-relay" in out, "nmap did not run the script (service not seen as SMTP?):\n" + out
    assert "is an open relay" not in out, out
    assert "doesn't seem to be an open relay" in out, out
    assert sink.files() == []
