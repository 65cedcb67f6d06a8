#!/usr/bin/python3
"""Helpers for bench/relay/run.sh (Debian's /usr/bin/python3, stdlib only).

Subcommands (each prints one JSON object on stdout unless noted):
  freeport N                      N free TCP ports on 127.0.0.1, one per line
  wait-smtp HOST:PORT SECONDS     wait until a 220 greeting is read; exit 1 on timeout
  sink-count FILE                 the last mesg=N that smtp-sink -c wrote to FILE
  load ...                        run smtp-source against a server, count at the sink
  latency ...                     sequential per-message latency, direct vs through a relay
  idle ...                        RSS cost of idle connections to a server
  pids ROOTPID                    ROOTPID and all its descendants, one per line
  best OUT RUN...                 keep the run with the best end-to-end rate
  table RESULTS_DIR               print the summary table with PASS/MISS per target

Every loop here is bounded in count and in time.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

MESG_RE = re.compile(rb"mesg=(\d+)")


def hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


# --------------------------------------------------------------------------- sink count

def sink_count(path):
    """Last mesg=N in smtp-sink's -c output (records end with CR, no LF)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 256))
            tail = f.read()
    except OSError:
        return 0
    found = MESG_RE.findall(tail)
    return int(found[-1]) if found else 0


# --------------------------------------------------------------------------- ports

def freeports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def read_reply(sock, buf=b""):
    """Read one complete (possibly multi-line) SMTP reply. Returns (code, text, rest)."""
    while True:
        while b"\n" in buf:
            line, _, rest = buf.partition(b"\n")
            if len(line) >= 4 and line[3:4] == b"-":
                buf = rest
                continue
            # final line; gather everything consumed so far
            return int(line[:3] or b"0"), line.decode("latin-1").rstrip("\r"), rest
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed while waiting for a reply")
        buf += chunk


def wait_smtp(target, seconds):
    host, port = hostport(target)
    deadline = time.monotonic() + seconds
    last = "no attempt"
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.settimeout(2)
                code, text, _ = read_reply(s)
                if code == 220:
                    try:
                        s.sendall(b"QUIT\r\n")
                    except OSError:
                        pass
                    return True
                last = text
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    print(f"wait-smtp {target}: no 220 greeting within {seconds}s ({last})", file=sys.stderr)
    return False


# --------------------------------------------------------------------------- load

def cmd_load(a):
    base = sink_count(a.sink_out)
    target_count = base + a.messages
    argv = [a.smtp_source, "-s", str(a.sessions), "-m", str(a.messages), "-l", str(a.size),
            "-f", "from@bench.test", "-t", "to@bench.test", a.target]
    errpath = a.stderr_file or os.devnull
    with open(errpath, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=err, stderr=subprocess.STDOUT)
        try:
            deadline = t0 + a.timeout
            t_exit = None
            t_done = None
            rc = None
            timed_out = False
            # Poll the source's exit and the sink's count every poll_ms.
            while True:
                now = time.monotonic()
                if t_exit is None:
                    r = proc.poll()
                    if r is not None:
                        t_exit, rc = now, r
                if t_done is None and sink_count(a.sink_out) >= target_count:
                    t_done = now
                if t_exit is not None and t_done is not None:
                    break
                if t_exit is not None and now - t_exit > a.drain_timeout and t_done is None:
                    timed_out = True  # the source finished but the sink never got everything
                    break
                if now > deadline:
                    timed_out = True
                    break
                time.sleep(a.poll_ms / 1000.0)
            if t_exit is None:
                proc.kill()
                proc.wait()
                rc = "killed"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    counted = sink_count(a.sink_out) - base
    res = {
        "label": a.label, "target": a.target, "messages": a.messages, "sessions": a.sessions,
        "size": a.size, "counted": counted, "source_rc": rc, "timed_out": timed_out,
        "source_exit_s": None if t_exit is None else round(t_exit - t0, 4),
        "sink_done_s": None if t_done is None else round(t_done - t0, 4),
        "accepted_msgs": None, "e2e_msgs": None,
    }
    if t_exit is not None and rc == 0:
        res["accepted_msgs"] = round(a.messages / (t_exit - t0), 1)
    if t_done is not None:
        res["e2e_msgs"] = round(a.messages / (t_done - t0), 1)
    out = json.dumps(res)
    if a.json:
        with open(a.json, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0


# --------------------------------------------------------------------------- latency

def make_body(size):
    """A ~size-byte message (headers + 72-column lines), CRLF, dot-stuffing not needed."""
    head = (b"From: <from@bench.test>\r\nTo: <to@bench.test>\r\n"
            b"Subject: latency probe\r\nMessage-ID: <probe@bench.test>\r\n\r\n")
    line = b"x" * 72 + b"\r\n"
    n = max(0, (size - len(head)) // len(line))
    return head + line * n


def one_message(target, body, timeout):
    """One message on a fresh connection. Returns seconds from connect() to the 250 after
    the final dot; QUIT is sent afterwards and not timed."""
    host, port = hostport(target)
    t0 = time.perf_counter()
    s = socket.create_connection((host, port), timeout=timeout)
    try:
        s.settimeout(timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        code, text, rest = read_reply(s)
        if code != 220:
            raise RuntimeError(f"greeting: {text}")
        for cmd, want in ((b"EHLO probe.bench.test\r\n", 250),
                          (b"MAIL FROM:<from@bench.test>\r\n", 250),
                          (b"RCPT TO:<to@bench.test>\r\n", 250),
                          (b"DATA\r\n", 354)):
            s.sendall(cmd)
            code, text, rest = read_reply(s, rest)
            if code != want:
                raise RuntimeError(f"{cmd.split()[0].decode()}: {text}")
        s.sendall(body + b".\r\n")
        code, text, rest = read_reply(s, rest)
        t1 = time.perf_counter()
        if code != 250:
            raise RuntimeError(f"end of data: {text}")
        try:
            s.sendall(b"QUIT\r\n")
            read_reply(s, rest)
        except (OSError, ConnectionError):
            pass
        return t1 - t0
    finally:
        s.close()


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def series(target, n, body, timeout, budget):
    vals, errors = [], []
    deadline = time.monotonic() + budget
    for _ in range(n):
        if time.monotonic() > deadline:
            errors.append("time budget exhausted")
            break
        try:
            vals.append(one_message(target, body, timeout))
        except Exception as e:  # noqa: BLE001 - report, keep going (bounded by n)
            errors.append(str(e))
            if len(errors) >= 10:
                break
    return sorted(vals), errors


def cmd_latency(a):
    body = make_body(a.size)
    res = {"n": a.n, "size": a.size}
    targets = (("direct", a.direct), ("via", a.via))
    # a few unmeasured messages to each first (process spawn, caches)
    for _, target in targets:
        series(target, a.warmup, body, a.timeout, a.budget)
    # then alternate one message direct, one through the relay, so that drift (CPU frequency,
    # other work on the machine) weighs on both series alike
    vals = {name: [] for name, _ in targets}
    errors = {name: [] for name, _ in targets}
    deadline = time.monotonic() + a.budget
    for _ in range(a.n):
        if time.monotonic() > deadline:
            for name, _ in targets:
                errors[name].append("time budget exhausted")
            break
        for name, target in targets:
            if len(errors[name]) >= 10:
                continue
            try:
                vals[name].append(one_message(target, body, a.timeout))
            except Exception as e:  # noqa: BLE001 - report, keep going (bounded by n)
                errors[name].append(str(e))
    for name, target in targets:
        v = sorted(vals[name])
        res[name] = {
            "target": target, "ok": len(v), "errors": errors[name][:3],
            "median_ms": None if not v else round(statistics.median(v) * 1000, 3),
            "p99_ms": None if not v else round(pct(v, 99) * 1000, 3),
        }
    d, v = res["direct"], res["via"]
    ok = d["median_ms"] is not None and v["median_ms"] is not None
    res["added_median_ms"] = round(v["median_ms"] - d["median_ms"], 3) if ok else None
    res["added_p99_ms"] = round(v["p99_ms"] - d["p99_ms"], 3) if ok else None
    out = json.dumps(res)
    if a.json:
        with open(a.json, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0


# --------------------------------------------------------------------------- idle connections

def descendants(root):
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # ppid is the 2nd field after the ")" that closes comm
        fields = stat[stat.rfind(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(d))
    out, todo = [], [root]
    while todo and len(out) < 10000:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def rss_kb(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def cmd_idle(a):
    host, port = hostport(a.target)
    pids = descendants(a.pid)
    time.sleep(0.2)
    before = rss_kb(pids)
    socks, errors = [], []
    t0 = time.monotonic()
    deadline = t0 + a.budget
    for _ in range(a.count):
        if time.monotonic() > deadline:
            errors.append("time budget exhausted")
            break
        try:
            s = socket.create_connection((host, port), timeout=a.timeout)
            s.settimeout(a.timeout)
            code, text, _ = read_reply(s)
            socks.append(s)
            if code != 220:
                errors.append(f"greeting {text}")
        except Exception as e:  # noqa: BLE001
            errors.append(str(e))
            if len(errors) >= 10:
                break
    opened = len(socks)
    time.sleep(a.settle)
    pids_after = descendants(a.pid)
    after = rss_kb(pids_after)
    # still open? (a server that closed them would make the figure meaningless)
    alive = 0
    for s in socks:
        try:
            s.setblocking(False)
            try:
                data = s.recv(1)
                alive += 1 if data else 0
            except BlockingIOError:
                alive += 1
        except OSError:
            pass
    for s in socks:
        try:
            s.close()
        except OSError:
            pass
    res = {
        "target": a.target, "requested": a.count, "opened": opened, "alive_at_measure": alive,
        "pids_before": len(pids), "pids_after": len(pids_after),
        "rss_before_kb": before, "rss_after_kb": after,
        "kb_per_conn": round((after - before) / opened, 2) if opened else None,
        "open_s": round(time.monotonic() - t0, 3), "errors": errors[:3],
    }
    out = json.dumps(res)
    if a.json:
        with open(a.json, "w") as f:
            f.write(out + "\n")
    print(out)
    return 0


def cmd_best(a):
    """Copy the run with the highest end-to-end rate (complete runs first) to OUT."""
    runs = []
    for path in a.runs:
        try:
            with open(path) as f:
                runs.append(json.loads(f.read()))
        except (OSError, ValueError):
            pass
    if not runs:
        return 1

    def key(r):
        complete = r.get("counted") == r.get("messages") and not r.get("timed_out")
        return (complete, r.get("e2e_msgs") or 0)

    best = dict(max(runs, key=key))
    best["runs"] = len(runs)
    best["all_e2e_msgs"] = [r.get("e2e_msgs") for r in runs]
    with open(a.out, "w") as f:
        f.write(json.dumps(best) + "\n")
    return 0


# --------------------------------------------------------------------------- table

def load_json(d, name):
    p = os.path.join(d, name + ".json")
    try:
        with open(p) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float) and abs(v) < 100:
        return f"{v:,.3f}{unit}" if abs(v) < 10 else f"{v:,.1f}{unit}"
    return f"{v:,.0f}{unit}"


def cmd_table(a):
    d = a.dir
    direct = load_json(d, "direct")
    gw = load_json(d, "gateway")
    pf = load_json(d, "postfix")
    hk = load_json(d, "haraka")
    lat = load_json(d, "latency")
    idle = load_json(d, "idle")

    def e2e(r):
        return None if not r else r.get("e2e_msgs")

    rows = []
    rows.append(("direct (smtp-source -> sink)", fmt(e2e(direct), " msg/s"), "", ""))
    rows.append(("smtpwarden gateway", fmt(e2e(gw), " msg/s"), "", ""))
    rows.append(("postfix relay, accepted", fmt(pf and pf.get("accepted_msgs"), " msg/s"), "", ""))
    rows.append(("postfix relay, end to end", fmt(e2e(pf), " msg/s"), "", ""))
    rows.append(("haraka (smtp_forward)", fmt(e2e(hk), " msg/s"), "", ""))

    def ratio(x, y):
        if x is None or y is None or y == 0:
            return None
        return x / y

    def verdict(v, ok):
        if v is None:
            return "n/a"
        return "PASS" if ok(v) else "MISS"

    r1 = ratio(e2e(gw), e2e(direct))
    r2 = ratio(e2e(gw), e2e(pf))
    r3 = ratio(e2e(gw), e2e(hk))
    rows.append(("gateway / direct", fmt(r1, "x"), ">= 0.40", verdict(r1, lambda v: v >= 0.40)))
    rows.append(("gateway / postfix (end to end)", fmt(r2, "x"), ">= 5",
                 verdict(r2, lambda v: v >= 5)))
    rows.append(("gateway / haraka", fmt(r3, "x"), ">= 5", verdict(r3, lambda v: v >= 5)))
    am = lat and lat.get("added_median_ms")
    ap = lat and lat.get("added_p99_ms")
    rows.append(("added latency, median", fmt(am, " ms"), "< 1 ms", verdict(am, lambda v: v < 1)))
    rows.append(("added latency, p99", fmt(ap, " ms"), "", ""))
    kb = idle and idle.get("kb_per_conn")
    rows.append(("RSS per idle connection", fmt(kb, " KB"), "< 32 KB",
                 verdict(kb, lambda v: v < 32)))

    w = [max(len(r[i]) for r in rows) for i in range(4)]
    hdr = ("figure", "measured", "target", "result")
    w = [max(w[i], len(hdr[i])) for i in range(4)]
    line = "  ".join(h.ljust(w[i]) for i, h in enumerate(hdr))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(r[i].ljust(w[i]) if i != 1 else r[i].rjust(w[i]) for i in range(4)))

    notes = []
    for name, r in (("direct", direct), ("gateway", gw), ("postfix", pf), ("haraka", hk)):
        if r is None:
            continue
        if r.get("timed_out") or r.get("counted") != r.get("messages"):
            notes.append(f"{name}: sink counted {r.get('counted')} of {r.get('messages')}"
                         f" (timed_out={r.get('timed_out')}, smtp-source rc={r.get('source_rc')})")
    if lat:
        for k in ("direct", "via"):
            if lat.get(k, {}).get("errors"):
                notes.append(f"latency {k}: errors {lat[k]['errors']}")
    if idle and idle.get("errors"):
        notes.append(f"idle: {idle['opened']} of {idle['requested']} opened; {idle['errors']}")
    for n in notes:
        print("note: " + n)
    return 0


# --------------------------------------------------------------------------- main

def on_term(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks (kills smtp-source)


def main():
    signal.signal(signal.SIGTERM, on_term)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("freeport")
    s.add_argument("n", type=int, nargs="?", default=1)

    s = sub.add_parser("wait-smtp")
    s.add_argument("target")
    s.add_argument("seconds", type=float)

    s = sub.add_parser("sink-count")
    s.add_argument("file")

    s = sub.add_parser("pids")
    s.add_argument("pid", type=int)

    s = sub.add_parser("load")
    s.add_argument("--label", required=True)
    s.add_argument("--target", required=True)
    s.add_argument("--sink-out", required=True)
    s.add_argument("--messages", type=int, default=10000)
    s.add_argument("--sessions", type=int, default=20)
    s.add_argument("--size", type=int, default=10240)
    s.add_argument("--timeout", type=float, default=300)
    s.add_argument("--drain-timeout", type=float, default=120,
                   help="seconds to wait for the sink after smtp-source exited")
    s.add_argument("--smtp-source", default="/usr/sbin/smtp-source")
    s.add_argument("--poll-ms", type=float, default=5)
    s.add_argument("--stderr-file")
    s.add_argument("--json")

    s = sub.add_parser("latency")
    s.add_argument("--direct", required=True)
    s.add_argument("--via", required=True)
    s.add_argument("-n", type=int, default=200)
    s.add_argument("--warmup", type=int, default=10)
    s.add_argument("--size", type=int, default=10240)
    s.add_argument("--timeout", type=float, default=10)
    s.add_argument("--budget", type=float, default=60, help="seconds per part at most")
    s.add_argument("--json")

    s = sub.add_parser("idle")
    s.add_argument("--target", required=True)
    s.add_argument("--pid", type=int, required=True, help="the server's master pid")
    s.add_argument("--count", type=int, default=2000)
    s.add_argument("--timeout", type=float, default=5)
    s.add_argument("--budget", type=float, default=60)
    s.add_argument("--settle", type=float, default=1.0)
    s.add_argument("--json")

    s = sub.add_parser("best")
    s.add_argument("out")
    s.add_argument("runs", nargs="+")

    s = sub.add_parser("table")
    s.add_argument("dir")

    a = p.parse_args()
    if a.cmd == "freeport":
        for port in freeports(a.n):
            print(port)
        return 0
    if a.cmd == "wait-smtp":
        return 0 if wait_smtp(a.target, a.seconds) else 1
    if a.cmd == "sink-count":
        print(sink_count(a.file))
        return 0
    if a.cmd == "pids":
        for pid in descendants(a.pid):
            print(pid)
        return 0
    return {"load": cmd_load, "best": cmd_best, "latency": cmd_latency, "idle": cmd_idle,
            "table": cmd_table}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
