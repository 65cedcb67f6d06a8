"""Several workers (SO_REUSEPORT) share the load; every message is delivered."""

import smtplib
import threading

from swtest import make_message, new_msgid, wait_until


def test_two_workers_forty_messages(gateway, sink):
    gw = gateway({"gateway": {"workers": 2}})
    ids = [new_msgid("w%d" % i) for i in range(40)]
    errors = []
    lock = threading.Lock()

    def sender(chunk):
        for msgid in chunk:
            try:
                with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
                    s.sendmail("alice@example.com", ["bob@example.net"], make_message(msgid))
            except (smtplib.SMTPException, OSError) as e:
                with lock:
                    errors.append((msgid, repr(e)))

    threads = [threading.Thread(target=sender, args=(ids[k::4],), daemon=True) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "senders still running after 120s"
    assert errors == []
    msgs = sink.wait_count(40, timeout=20)
    assert len(msgs) == 40
    for msgid in ids:
        assert len([m for m in msgs if m.has_msgid(msgid)]) == 1, msgid
    conns = wait_until(
        lambda: [e for e in gw.events() if e.get("event") == "connection"]
        if len([e for e in gw.events() if e.get("event") == "connection"]) >= 40 else None,
        10, what="40 connection events")
    workers = {e["worker"] for e in conns}
    assert len(workers) == 2, "all 40 connections went to worker(s) %r" % workers
