"""The content engine in the relay: every relayed message is inspected and the dlp rules'
verdict is carried out — tag (a header, relayed), quarantine (kept on disk, 250, not relayed),
reject (550 5.7.1) — with the report in the transaction event."""

import os
import smtplib
import time

import msgfactory as mf
from swtest import new_msgid, wait_until

SNAKE = ("PC Name: DESKTOP-7Q2LM0X\nDate and Time: 11/21/2026 10:02:11\n"
         "IP Address: 203.0.113.45\n\nURL: https://login.example.org/\n"
         "Username: j.doe@example.org\nPassword: hunter2!\n")


def send(gw, msg, rcpt="bob@example.net", sender="alice@example.com"):
    """Send one message; (code, text, client_port)."""
    s = smtplib.SMTP("127.0.0.1", gw.port, timeout=15)
    try:
        s.ehlo("client.example.com")
        port = s.sock.getsockname()[1]
        s.mail(sender)
        s.rcpt(rcpt)
        code, text = s.data(msg)
        s.quit()
    finally:
        s.close()
    return code, text.decode(), port


def only_message(sink, timeout=10):
    return sink.wait_count(1, timeout=timeout)[0]


def test_clean_message_is_relayed_untouched(gateway, sink):
    gw = gateway()
    code, _, port = send(gw, mf.text_message("lunch at noon?", sender="alice@example.com"))
    assert code == 250
    m = only_message(sink)
    assert b"X-Smtpwarden-Content" not in m.content
    e = gw.txn_event(port)
    assert e["content"]["verdict"] == "accept" and e["content"]["findings"] == []
    assert e["quarantine"] is None


def test_card_numbers_are_tagged_and_relayed(gateway, sink):
    gw = gateway()
    body = "charge " + " and ".join(mf.CARDS[:2])
    code, _, port = send(gw, mf.text_message(body, sender="alice@example.com"))
    assert code == 250
    m = only_message(sink)
    assert b"X-Smtpwarden-Content: tag; card=2\n" in m.content
    e = gw.txn_event(port)
    assert e["verdict"] == "accept"
    assert e["content"]["verdict"] == "tag"
    card = [f for f in e["content"]["findings"] if f["detector"] == "card"][0]
    assert card["count"] == 2 and "4111 1111 1111 1111" not in card["sample"]


def test_infostealer_message_is_quarantined_on_disk(gateway, sink, tmp_path):
    gw = gateway()
    msg = mf.with_attachments(SNAKE, [("Passwords.txt", SNAKE.encode(), "text/plain")],
                              subject="Pc Name: DESKTOP-7Q2LM0X", sender="alice@example.com",
                              to="alice@example.com")
    code, text, port = send(gw, msg, rcpt="alice@example.com")
    assert code == 250 and "held for review" in text
    e = gw.txn_event(port)
    assert e["reason"] == "quarantined" and e["content"]["verdict"] == "quarantine"
    path = e["quarantine"]
    assert path and os.path.exists(path)
    held = open(path, "rb").read()
    # the message as the client sent it, line ends and all
    assert held.replace(b"\r\n", b"\n") == msg.replace(b"\r\n", b"\n")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    time.sleep(0.5)
    assert sink.messages() == []  # not relayed


def test_reject_rule_refuses_with_the_detector_named(gateway, sink):
    gw = gateway({"dlp": {"rules": [{"detector": "card", "min_count": 2, "action": "reject"}]}})
    code, text, port = send(gw, mf.text_message("\n".join(mf.CARDS), sender="alice@example.com"))
    assert code == 550 and text.startswith("5.7.1") and "card" in text
    e = gw.txn_event(port)
    assert e["verdict"] == "reject" and e["reason"] == "content_rejected"
    # one card is under the rule's count: relayed
    code, _, _ = send(gw, mf.text_message(mf.CARDS[0], sender="alice@example.com"))
    assert code == 250
    assert len(only_message(sink).content) > 0


def test_quarantine_that_cannot_be_written_defers(gateway, sink, tmp_path):
    gw = gateway({"content": {"quarantine_dir": str(tmp_path / "q")}})
    os.rmdir(tmp_path / "q")  # the folder goes away under the running gateway
    msg = mf.text_message(SNAKE + "\nS--N--A--K--E\n", subject="Pc Name: X",
                          sender="alice@example.com")
    code, _, port = send(gw, msg)
    assert code == 451
    assert gw.txn_event(port)["reason"] == "quarantine_failed"
    assert sink.messages() == []


def test_inspection_can_be_turned_off(gateway, sink):
    gw = gateway({"content": {"enabled": False}})
    code, _, port = send(gw, mf.text_message("card " + mf.CARDS[0], sender="alice@example.com"))
    assert code == 250
    assert b"X-Smtpwarden-Content" not in only_message(sink).content
    assert gw.txn_event(port)["content"] is None
