"""The behaviour engine in the relay: rate limits carried out at end of data (451 4.7.1 or
550 5.7.1 naming the limit, with a `behavior` object in the transaction event), limits shared
by several gateways through a real redis-server, what happens when Redis goes away
(on_state_unavailable: accept with an alert event, or defer with nothing lost), and the
embedded state's snapshot surviving a restart (first-seen)."""

import os
import signal
import smtplib
import socket
import struct
import subprocess
import time

import msgfactory as mf
import pytest
from swtest import free_port, wait_until

REDIS_SERVER = "/usr/bin/redis-server"


def send(gw, rcpt="bob@example.net", sender="alice@example.com", subject="hello"):
    """One message through gw: (code, text, client_port). smtplib's data() returns the final
    reply; a refused MAIL or RCPT is returned the same way."""
    s = smtplib.SMTP("127.0.0.1", gw.port, timeout=15)
    try:
        s.ehlo("client.example.com")
        port = s.sock.getsockname()[1]
        code, text = s.mail(sender)
        if code == 250:
            code, text = s.rcpt(rcpt)
        if code == 250:
            code, text = s.data(mf.text_message(subject, sender=sender))
        s.quit()
    finally:
        s.close()
    return code, text.decode(), port


def limits(*items, **extra):
    b = {"limits": list(items)}
    b.update(extra)
    return {"behavior": b}


class Redis:
    """A redis-server on a free loopback port, without persistence; stopped by PID."""

    def __init__(self, workdir, port=None):
        self.port = port or free_port()
        self.dir = workdir
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "redis-%d.log" % self.port), "ab")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir)],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.ping, 10, what="redis-server to answer PING")
        return self

    def ping(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as c:
                c.sendall(b"PING\r\n")
                return c.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port


@pytest.fixture
def redis(tmp_path):
    if not os.path.exists(REDIS_SERVER):
        pytest.skip("redis-server is not installed (scripts/install-deps.sh)")
    r = Redis(str(tmp_path)).start()
    yield r
    r.stop()


def alerts(gw, **match):
    return [e for e in gw.events() if e["event"] == "alert"
            and all(e.get(k) == v for k, v in match.items())]


def test_identity_limit_defers_the_next_message_naming_the_limit(gateway, sink):
    gw = gateway(limits({"key": "identity", "messages": 3, "per": "1h", "action": "defer"}))
    for i in range(3):
        code, _, port = send(gw, subject="m%d" % i)
        assert code == 250
    e = gw.txn_event(port)
    assert e["behavior"]["action"] == "accept" and e["behavior"]["limit"] is None
    code, text, port = send(gw, subject="over")
    assert code == 451
    assert text.startswith("4.7.1") and "identity_messages" in text
    e = gw.txn_event(port)
    assert e["verdict"] == "defer" and e["reason"] == "rate_limited"
    b = e["behavior"]
    assert b["action"] == "defer" and b["limit"] == "identity_messages"
    assert b["limit_key_kind"] == "identity" and b["limit_key"] == "loopback"
    assert b["limit_measure"] == "messages" and b["limit_amount"] == 3
    assert b["limit_per_ms"] == 3600000 and b["retry_ms"] > 0
    assert e["reply"].startswith("451 4.7.1 Rate limit identity_messages exceeded")
    assert len(sink.wait_count(3)) == 3
    time.sleep(0.3)
    assert len(sink.files()) == 3  # the deferred one was not relayed


def test_reject_mode_refuses_with_550_and_scoped_limit(gateway, sink):
    gw = gateway(limits(
        {"key": "sender", "messages": 2, "per": "1h", "action": "reject", "name": "bulk-sender"},
        # a limit scoped to another identity never applies to the loopback clients
        {"key": "identity", "messages": 1, "per": "1h", "identity": "bob"}))
    assert [send(gw, subject="m%d" % i)[0] for i in range(2)] == [250, 250]
    code, text, port = send(gw)
    assert code == 550 and text.startswith("5.7.1") and "bulk-sender" in text
    e = gw.txn_event(port)
    assert e["verdict"] == "reject" and e["behavior"]["limit"] == "bulk-sender"
    assert e["behavior"]["limit_key"] == "alice@example.com"
    # another sender has its own bucket
    assert send(gw, sender="carol@example.com")[0] == 250


def test_two_gateways_share_one_limit_through_redis(gateway, sink, redis):
    limit = 7
    over = limits({"key": "identity", "messages": limit, "per": "1h"}, state=redis.url)
    gw1 = gateway(over)
    gw2 = gateway(deep({"gateway": {"workers": 2}}, over))
    codes = []
    for i in range(24):
        codes.append(send(gw1 if i % 2 == 0 else gw2, subject="m%d" % i)[0])
    assert codes.count(250) == limit, codes
    assert set(codes) == {250, 451}
    assert len(sink.wait_count(limit)) == limit
    time.sleep(0.3)
    assert len(sink.files()) == limit
    assert not alerts(gw1, type="state_unavailable") and not alerts(gw2, type="state_unavailable")


def deep(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = deep(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def test_redis_down_accept_keeps_mail_flowing_with_an_alert(gateway, sink, redis):
    gw = gateway(limits({"key": "identity", "messages": 2, "per": "1h"}, state=redis.url,
                        on_state_unavailable="accept"))
    assert send(gw)[0] == 250
    redis.stop()
    codes = [send(gw, subject="down%d" % i)[0] for i in range(4)]
    assert codes == [250] * 4  # past the limit of 2, but the limit is not known: accepted
    a = gw.wait_event(lambda e: e["event"] == "alert" and e.get("type") == "state_unavailable",
                      what="a state_unavailable alert")
    assert a["state"] == redis.url and a["action"] == "accept"
    assert len(sink.wait_count(5)) == 5
    # Redis comes back on the same port: the gateway reconnects (backoff) and limits again
    redis.start()

    def limited():
        code, _, port = send(gw, subject="back")
        return code == 451 or None
    wait_until(limited, 20, interval=0.5, what="the limit to apply again after reconnecting")


def test_redis_that_hangs_times_out_and_is_reconnected(gateway, sink, redis):
    """A Redis that stops answering (SIGSTOP: its socket still accepts) costs each transaction
    at most redis_timeout, then on_state_unavailable; after SIGCONT the gateway's new
    connection limits again."""
    gw = gateway(limits({"key": "identity", "messages": 2, "per": "1h"}, state=redis.url,
                        on_state_unavailable="accept", redis_timeout="300ms"))
    assert send(gw)[0] == 250
    os.kill(redis.proc.pid, signal.SIGSTOP)
    try:
        codes = [send(gw, subject="hung%d" % i)[0] for i in range(3)]
    finally:
        os.kill(redis.proc.pid, signal.SIGCONT)
    assert codes == [250] * 3
    gw.wait_event(lambda e: e["event"] == "alert" and e.get("type") == "state_unavailable",
                  what="a state_unavailable alert")
    assert "did not answer within 300 ms" in gw.stderr()

    def limited():
        return send(gw, subject="back")[0] == 451 or None
    wait_until(limited, 20, interval=0.5, what="the limit to apply again after SIGCONT")
    assert not gw.sanitizer_reports()


def test_redis_down_defer_loses_nothing(gateway, sink, redis):
    gw = gateway(limits({"key": "identity", "messages": 100, "per": "1h"}, state=redis.url,
                        on_state_unavailable="defer"))
    results = [send(gw, subject="up%d" % i)[:2] for i in range(3)]
    redis.stop()
    for i in range(3):
        results.append(send(gw, subject="down%d" % i)[:2])
    down = results[3:]
    assert all(c == 451 and t.startswith("4.3.0") for c, t in down), down
    accepted = sum(1 for c, _ in results if c == 250)
    assert accepted == 3
    assert len(sink.wait_count(accepted)) == accepted
    time.sleep(0.3)
    assert len(sink.files()) == accepted  # every 250 is at the sink, nothing else
    e = gw.wait_event(lambda e: e["event"] == "transaction" and e["verdict"] == "defer",
                      what="a deferred transaction")
    assert e["reason"] == "behavior_state_unavailable" and e["behavior"]["state_unavailable"]


def resp(port, *args, raw=False):
    """One Redis command over a raw socket (RESP), its reply as Python values (bulk strings as
    bytes when raw); an error reply is raised."""
    def enc(a):
        b = a if isinstance(a, bytes) else str(a).encode()
        return b"$%d\r\n%s\r\n" % (len(b), b)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(b"*%d\r\n" % len(args) + b"".join(enc(a) for a in args))
        f = c.makefile("rb")

        def read():
            line = f.readline().rstrip(b"\r\n")
            t, rest = line[:1], line[1:]
            if t == b"+":
                return rest.decode()
            if t == b"-":
                raise RuntimeError(rest.decode())
            if t == b":":
                return int(rest)
            if t == b"$":
                n = int(rest)
                if n < 0:
                    return None
                data = f.read(n + 2)[:-2]
                return data if raw else data.decode(errors="replace")
            if t == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise AssertionError("not RESP: %r" % line)
        return read()


def the_script():
    """The shared-state Lua script, as src/behavior/behavior_redis.c holds it (C string
    literals joined), to ask Redis directly what several workers would ask."""
    import ast
    src = open(os.path.join(os.path.dirname(__file__), "..", "..", "src", "behavior",
                            "behavior_redis.c")).read()
    body = src[src.index("static const char script[] ="):]
    body = body[:body.index(";\n")]
    return "".join(ast.literal_eval(ln.strip()) for ln in body.splitlines()[1:] if ln.strip())


def fs_alerts(*gws, value):
    return [a for gw in gws for a in alerts(gw, type="first_seen", value=value)]


def test_first_seen_is_one_alert_across_two_gateways_through_redis(gateway, sink, redis):
    """With Redis the first-seen sets are shared: a recipient domain new after the learning
    period is reported once, whichever gateway and worker sees it first; the sets expire."""
    over = {"behavior": {"state": redis.url, "first_seen": {"learning": "1s"}}}
    gw1 = gateway(over)
    gw2 = gateway(over)
    # both gateways see the identity while it learns: no alerts (learning), sets started
    for i, gw in enumerate((gw1, gw2, gw1, gw2)):
        assert send(gw, rcpt="bob@known.example", subject="l%d" % i)[0] == 250
    assert fs_alerts(gw1, gw2, value="known.example") == []
    time.sleep(1.2)  # the learning period (1 s) ends
    codes = [send(gw, rcpt="carol@new.example", subject="n%d" % i)[0]
             for i, gw in enumerate((gw1, gw2, gw2, gw1))]
    assert codes == [250] * 4
    gw1.wait_event(lambda e: e["event"] == "alert" and e.get("value") == "new.example",
                   what="first_seen alert for new.example")
    assert send(gw2, rcpt="dave@known.example")[0] == 250  # known cluster-wide: no alert
    sink.wait_count(9)
    got = fs_alerts(gw1, gw2, value="new.example")
    assert len(got) == 1, got
    assert got[0]["relation"] == "identity_rcpt_domain" and got[0]["subject"] == "loopback"
    assert fs_alerts(gw1, gw2, value="known.example") == []
    assert not alerts(gw1, type="state_unavailable") and not alerts(gw2, type="state_unavailable")
    # the set is in Redis, with an expiry
    key = "swf:identity_rcpt_domain:loopback"
    assert resp(redis.port, "HLEN", key) == 4  # s (learning start), x (expiry renewed), 2 values
    assert resp(redis.port, "PTTL", key) > 0


def test_counts_are_shared_and_expire_in_redis(gateway, sink, redis):
    """Every transaction of either gateway (one with two workers) is counted in the same Redis
    hash: the hour's total and the window are the cluster's, and the hash expires."""
    over = {"behavior": {"state": redis.url}}
    gw1 = gateway(over)
    gw2 = gateway(deep({"gateway": {"workers": 2}}, over))
    n = 6
    for i in range(n):
        assert send(gw1 if i % 2 == 0 else gw2, subject="c%d" % i)[0] == 250
    sink.wait_count(n)
    x = [int(v) for v in struct.unpack("<15d", resp(redis.port, "GET", "swc:identity:loopback",
                                                     raw=True))]
    # first count; period, its messages, recipients, bytes; the previous period's; hour, its
    # totals; the previous hour's
    assert len(x) == 15, x
    assert x[2] + x[5] == n, x  # this period (and the last, across its edge)
    assert x[9] + x[12] == n, x  # this hour (and the last, across its edge)
    assert x[3] + x[6] == n and x[4] + x[7] > 0, x  # one recipient each; bytes
    assert x[0] > 0
    ttl = resp(redis.port, "PTTL", "swc:identity:loopback")
    assert 0 < ttl <= 3 * 3600 * 1000
    for key in resp(redis.port, "KEYS", "sw*"):
        assert resp(redis.port, "PTTL", key) > 0, key  # every key of ours expires


def test_spike_script_counts_across_clients_and_alerts_once(redis):
    """The spike decision of the shared script, asked as several workers would ask it (a
    gateway's baseline needs hours of history before it may alert, so the end-to-end spike is
    not reachable in a test): counts add up across clients, the first client past the
    threshold gets the alert, the others do not while the spike lasts, and after the rate
    falls below the re-arm level a new spike alerts again."""
    script = the_script()
    now = int(time.time() * 1000)
    minute, hour = now // 60000, now // 3600000

    def ask(threshold, rearm=0, add=1):
        # one key, no buckets, no sets: adds, thresholds, re-arm levels (messages only), then
        # the globals: ncounts nfs now minute hour window hold count_ttl learning fs_ttl
        # min_messages min_recipients min_bytes "shared"
        args = [add, 0, 0, threshold, -1, -1, rearm, 0, 0,
                1, 0, now, minute, hour, 1, 60000, 10800000, 0, 86400000, 1, 0, 0, "shared"]
        r = resp(redis.port, "EVAL", script, 1, "swc:identity:spiky", *args)
        assert len(r) == 11, r
        return {"recent": r[0], "hour": r[3], "first": r[9], "alert": r[10]}

    a = ask(-1)  # warm-up: no threshold yet
    assert a["recent"] == 1 and a["hour"] == 1 and a["alert"] == 0
    b = ask(60)  # rate 2/min = 120/h > 60: this client raises the spike
    assert b["recent"] == 2 and b["hour"] == 2 and b["alert"] == 1
    assert b["first"] == a["first"] == now
    for _ in range(3):  # the other workers see the same spike: no second alert
        assert ask(60, rearm=30)["alert"] == 0
    assert 0 < resp(redis.port, "PTTL", "swc:identity:spiky:am") <= 60000
    ask(60, rearm=10 ** 9, add=0)  # the rate falls below the re-arm level: the spike ends
    assert resp(redis.port, "EXISTS", "swc:identity:spiky:am") == 0
    assert ask(60)["alert"] == 1  # a new spike is a new alert
    assert resp(redis.port, "PTTL", "swc:identity:spiky") > 0


def test_embedded_snapshot_keeps_first_seen_across_a_restart(gateway, sink, tmp_path):
    over = {"behavior": {"state_file": str(tmp_path / "behavior.sqlite"),
                         "first_seen": {"learning": "0s"}}}
    gw = gateway(over)
    assert send(gw, rcpt="bob@dest-a.example")[0] == 250
    gw.wait_event(lambda e: e["event"] == "alert" and e.get("value") == "dest-a.example",
                  what="first_seen alert for dest-a.example")
    a = alerts(gw, value="dest-a.example")[0]
    assert a["type"] == "first_seen" and a["relation"] == "identity_rcpt_domain"
    assert a["subject"] == "loopback"
    assert gw.stop() == 0
    assert (tmp_path / "behavior.sqlite").exists()
    n_before = len(alerts(gw))
    gw.start()
    code, _, port = send(gw, rcpt="carol@dest-a.example")
    assert code == 250
    e = gw.txn_event(port)
    assert e["behavior"]["alerts"] == []  # dest-a.example and 127.0.0.1 were seen before
    assert len(alerts(gw)) == n_before
    code, _, port = send(gw, rcpt="dave@dest-b.example")
    e = gw.txn_event(port)
    assert [a["value"] for a in e["behavior"]["alerts"]] == ["dest-b.example"]
    gw.wait_event(lambda e: e["event"] == "alert" and e.get("value") == "dest-b.example",
                  what="first_seen alert for dest-b.example")


ISSUE_SHAPE = """\
gateway:
  listen: ["127.0.0.1:2525"]
  next_hop: 127.0.0.1:2526
identities:
  - {name: crm, network: [127.0.0.0/8], domains: [example.com]}
behavior:
  state: redis://127.0.0.1:6379      # or "embedded" (the default), persisted to state_file
  state_file: behavior.sqlite
  on_state_unavailable: accept        # or defer
  limits:
    - key: identity                   # identity, client_ip, sasl_user, sender, sender_domain, rcpt_domain, tenant
      messages: 500
      per: 1h
      action: defer                   # or reject
  spikes: { deviations: 4, min_messages_per_hour: 200, warmup: 7d }
  first_seen: { learning: 14d }
"""


def check_config(binary, path):
    p = subprocess.run([str(binary), "check-config", str(path)], capture_output=True, timeout=30)
    return p.returncode, (p.stdout + p.stderr).decode()


def test_issue_shape_loads_and_mistakes_name_their_line(tmp_path, binary):
    good = tmp_path / "good.yaml"
    good.write_text(ISSUE_SHAPE)
    rc, out = check_config(binary, good)
    assert rc == 0, out
    bad = tmp_path / "bad.yaml"
    bad.write_text(ISSUE_SHAPE.replace("state: redis://127.0.0.1:6379", "state: redis://h")
                   .replace("      messages: 500\n", "      messages: 500\n      bytes: 10M\n")
                   .replace("# or reject\n", "# or reject\n"
                            "    - {key: client_ip, messages: 1, per: 1h, identity: nobody}\n"
                            "    - {key: sender, recipients: 1000000000, per: 31d}\n"))
    rc, out = check_config(binary, bad)
    assert rc == 1, out
    assert "bad.yaml:7:" in out and "behavior.state 'redis://h'" in out
    assert "bad.yaml:11:" in out and "exactly one of 'messages', 'recipients' and 'bytes'" in out
    assert "no identity has that name" in out
    assert "2^53" in out  # too large for the Redis script's exact arithmetic


def test_embedded_snapshot_one_file_per_worker_slot_saved_on_a_timer(gateway, sink, tmp_path):
    state = tmp_path / "state" / "behavior.sqlite"
    state.parent.mkdir()
    gw = gateway({"gateway": {"workers": 2},
                  "behavior": {"state_file": str(state), "save_interval": "1s"}})
    assert send(gw)[0] == 250
    # saved while running, by the timer, by each worker into its own file
    wait_until(lambda: state.exists() and state.with_name("behavior.sqlite.1").exists(), 10,
               what="both workers' snapshots")
    assert gw.stop() == 0
    assert sorted(p.name for p in state.parent.iterdir()) == ["behavior.sqlite",
                                                              "behavior.sqlite.1"]
    with open(state, "rb") as f:
        assert f.read(16) == b"SQLite format 3\x00"
