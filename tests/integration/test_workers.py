"""Several workers (SO_REUSEPORT) share the load; every message is delivered."""

import os
import pwd
import shutil
import smtplib
import ssl
import tempfile
import threading

import pytest

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


def _uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    return None


def _children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return out


@pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop needs root")
def test_workers_drop_privileges(gateway, sink, request):
    """Started as root, the workers run as gateway.user once their files are open; mail,
    TLS and events still work, and the master keeps root to bind again on reload."""
    spool = tempfile.mkdtemp(prefix="sw-spool-", dir="/tmp")  # tmp_path is root-only
    os.chmod(spool, 0o1777)
    request.addfinalizer(lambda: shutil.rmtree(spool, ignore_errors=True))
    gw = gateway({"gateway": {"user": "nobody", "workers": 2, "spool_dir": spool,
                              "limits": {"memory_spool": 1024}}})
    nobody = pwd.getpwnam("nobody").pw_uid
    workers = wait_until(lambda: _children(gw.proc.pid) if len(_children(gw.proc.pid)) == 2
                         else None, 10, what="two workers")
    assert _uid_of(gw.proc.pid) == 0
    # a worker drops privileges once its files are open (setup takes a moment after fork)
    try:
        wait_until(lambda: all(_uid_of(w) == nobody for w in workers), 10,
                   what="workers to run as nobody")
    except TimeoutError:
        raise AssertionError([(w, _uid_of(w)) for w in workers])
    msgid = new_msgid("nobody")
    big = make_message(msgid, body=("x" * 70 + "\r\n") * 100)  # spills past memory_spool
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        s.starttls(context=ssl._create_unverified_context())
        s.sendmail("alice@example.com", ["bob@example.net"], big)
    msgs = sink.wait_count(1, timeout=10)
    assert any(m.has_msgid(msgid) for m in msgs)
