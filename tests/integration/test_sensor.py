"""`smtpwarden sensor`: passive SMTP over capture files.

Golden tests: Zeek's SMTP traces (../shared/corpus/zeek) must give smtp records that agree
with Zeek's smtp.log baselines field by field for every column both have, and the Suricata
verify captures (../shared/corpus/suricata-verify) must give the smtp/email values their EVE
expectations name. Differences are listed below with the reason (ZEEK_DIFFERENCES,
SURICATA_DIFFERENCES); anything else that differs fails.

Captures made here: a real SMTP exchange on loopback (smtplib against aiosmtpd) recorded by
tcpdump, then rewritten with scapy (out of order, retransmitted, one byte per segment): each
variant must give the same record. STARTTLS, PIPELINING and a Snake-Keylogger-style session
(AUTH LOGIN in the clear, an attachment of fake credentials) are recorded the same way.
"""

import base64
import contextlib
import json
import os
import shutil
import signal
import smtplib
import ssl
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

import swtest

SHARED = Path(os.environ.get("SW_SHARED_DIR", swtest.REPO.parent / "shared"))
ZEEK = SHARED / "corpus" / "zeek"
SURICATA = SHARED / "corpus" / "suricata-verify" / "tests"

BASE_CONFIG = """gateway:
  listen:
    - address: 127.0.0.1:2525
      tls: none
  next_hop: 127.0.0.1:2526
"""


def run_sensor(binary, pcap, *args, config=None, tmp_path=None, check_rc=None,
               allow_error=False):
    """Run the sensor on pcap; returns (rc, smtp records, alerts, raw stdout, stderr)."""
    cmd = [str(binary), "sensor", "--no-progress", "-r", str(pcap), *map(str, args)]
    if config is not None:
        cfg = tmp_path / "sensor.yaml"
        cfg.write_text(BASE_CONFIG + config)
        cmd += ["-c", str(cfg)]
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    err = p.stderr.decode(errors="replace")
    for m in swtest.SANITIZER_MARKERS:
        assert m not in err, err
    if check_rc is not None:
        assert p.returncode == check_rc, err
    assert p.returncode in ((0, 1, 2) if allow_error else (0, 1)), err
    lines = [json.loads(x) for x in p.stdout.decode().splitlines() if x.strip()]
    recs = [x for x in lines if x["type"] == "smtp"]
    alerts = [x for x in lines if x["type"] == "alert"]
    assert len(recs) + len(alerts) == len(lines)
    return p.returncode, recs, alerts, p.stdout, err


# ---- Zeek -----------------------------------------------------------------------------------

def zeek_unescape(v):
    """A Zeek ASCII log value with its \\xHH escapes undone (bytes -> UTF-8 text)."""
    if "\\x" not in v:
        return v
    out = bytearray()
    i = 0
    b = v.encode()
    while i < len(b):
        if b[i:i + 2] == b"\\x" and i + 4 <= len(b):
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", errors="replace")


def read_zeek_log(path):
    """(fields, rows as dicts of raw values) of a Zeek ASCII log."""
    fields, rows = None, []
    for line in Path(path).read_text(errors="replace").splitlines():
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif line.startswith("#") or not line:
            continue
        else:
            rows.append(dict(zip(fields, line.split("\t"))))
    return fields, rows


SET_COLUMNS = {"rcptto", "to", "cc"}
VECTOR_COLUMNS = {"path"}
# Columns not compared: ts and uid are canonicalised in the baselines (and uids are per run);
# fuids are Zeek's file ids (our records carry the attachments themselves).
NOT_COMPARED = {"ts", "uid", "fuids"}


def zeek_norm(col, raw):
    """A baseline value as a comparable Python value."""
    if raw in ("-", "(empty)"):
        return None if col not in SET_COLUMNS | VECTOR_COLUMNS else []
    if col in SET_COLUMNS:
        return sorted(zeek_unescape(x) for x in raw.split(","))
    if col in VECTOR_COLUMNS:
        return [zeek_unescape(x) for x in raw.split(",")]
    if col == "tls":
        return raw == "T"
    if col in ("id.orig_p", "id.resp_p", "trans_depth"):
        return int(raw)
    return zeek_unescape(raw)


def our_norm(col, rec):
    """Our record's value for a Zeek column."""
    v = rec.get(col)
    if col in SET_COLUMNS:
        return sorted(v or [])
    if col in VECTOR_COLUMNS:
        return list(v or [])
    if v == "":
        return None
    return v


# (trace, baseline test, columns not compared, why) — every baseline with an smtp.log
ZEEK_CASES = [
    ("smtp.pcap", "scripts.base.protocols.smtp.basic", (), ""),
    ("smtp.pcap", "scripts.base.protocols.smtp.attachment", (), ""),
    ("smtp-attachment-msg.pcap", "scripts.base.protocols.smtp.attachment-msg", (), ""),
    ("tls/smtp-starttls.pcap", "scripts.base.protocols.smtp.starttls", (), ""),
    ("smtp/rfc3030-bdat-example1.pcap", "scripts.base.protocols.smtp.bdat", (), ""),
    ("smtp/rfc3030-bdat-0-last.pcap", "scripts.base.protocols.smtp.bdat-0-last", (), ""),
    ("smtp/rfc3030-bdat-multipart.pcap", "scripts.base.protocols.smtp.bdat-multipart", (), ""),
    ("smtp/rfc3030-bdat-multipart-chunked.pcap",
     "scripts.base.protocols.smtp.bdat-multipart-chunked", (), ""),
    ("smtp/smtp-bdat-pipeline-8bitmime.pcap",
     "scripts.base.protocols.smtp.bdat-pipeline-8bitmime", (), ""),
    ("smtp/smtp-bdat-gap.pcap", "scripts.base.protocols.smtp.bdat-gap", ("from", "to", "subject"),
     "after the hole the client sends DATA with a whole message: we read its header section "
     "as a new message of the transaction; Zeek's MIME state is still the lost chunk's"),
    ("smtp/smtp-bdat-cmd-chunk-size-overflow.pcap",
     "scripts.base.protocols.smtp.bdat-chunk-size-overflow", (), ""),
    ("smtp/smtp-bdat-cmd-chunk-size-overflow2.pcap",
     "scripts.base.protocols.smtp.bdat-chunk-size-overflow2", (), ""),
    ("smtp/smtp-bdat-cmd-negative-chunk-size.pcap",
     "scripts.base.protocols.smtp.bdat-negative-chunk-size", (), ""),
    ("smtp/smtp-bdat-cmd-invalid.pcapng", "scripts.base.protocols.smtp.bdat-cmd-invalid", (), ""),
    ("smtp-mail-transactions-invalid.pcap",
     "scripts.base.protocols.smtp.mail-transactions-invalid", (), ""),
    ("smtp-one-side-only.pcap", "scripts.base.protocols.smtp.one-side", (), ""),
]

# Baselines whose rows we do not reproduce, and why.
ZEEK_DIFFERENCES = {
    "scripts.base.protocols.smtp.mail-transactions-invalid-disable-analyzer":
        "the test sets SMTP::max_invalid_mail_transactions = 2 and Zeek stops analysing the "
        "session there; the sensor has no such switch and logs every transaction (the "
        "default-settings baseline of the same capture, mail-transactions-invalid, agrees)",
    "scripts.base.protocols.http.http-connect":
        "the SMTP session runs inside an HTTP CONNECT tunnel on port 8240: the client's first "
        "line is CONNECT, not EHLO/HELO, so detection by content does not take the flow as "
        "SMTP (Zeek follows the tunnel with its HTTP analyzer)",
}


def test_every_zeek_baseline_is_covered():
    have = {d.name for d in (ZEEK / "baselines").iterdir() if (d / "smtp.log").exists()}
    covered = {c[1] for c in ZEEK_CASES} | set(ZEEK_DIFFERENCES)
    assert have == covered


@pytest.mark.parametrize("trace,test,skip,why", ZEEK_CASES, ids=[c[1].split(".")[-1] for c in ZEEK_CASES])
def test_zeek_baseline(binary, tmp_path, trace, test, skip, why):
    if not (ZEEK / "traces" / trace).exists():
        pytest.skip("corpus not present")
    zdir = tmp_path / "zeek"
    _, recs, _, _, _ = run_sensor(binary, ZEEK / "traces" / trace, "--zeek-log", zdir)
    fields, rows = read_zeek_log(ZEEK / "baselines" / test / "smtp.log")
    assert len(recs) == len(rows)
    # Zeek writes rows when a transaction ends, as we do; same order
    for i, (rec, row) in enumerate(zip(recs, rows)):
        for col in fields:
            if col in NOT_COMPARED or col in skip:
                continue
            assert our_norm(col, rec) == zeek_norm(col, row[col]), f"row {i + 1} {col}"
    # our own smtp.log: Zeek's header, and every row equal to the JSON record
    check_zeek_log_matches_json(zdir / "smtp.log", recs, fields)


def check_zeek_log_matches_json(path, recs, want_fields=None):
    text = Path(path).read_text()
    lines = text.splitlines()
    assert lines[0] == "#separator \\x09"
    assert lines[1] == "#set_separator\t,"
    assert lines[2] == "#empty_field\t(empty)"
    assert lines[3] == "#unset_field\t-"
    assert lines[4] == "#path\tsmtp"
    assert lines[5].startswith("#open\t")
    assert lines[-1].startswith("#close\t")
    fields, rows = read_zeek_log(path)
    if want_fields is not None:
        assert fields == want_fields
    assert len(rows) == len(recs)
    for rec, row in zip(recs, rows):
        for col in fields:
            if col == "fuids":
                continue
            if col == "ts":
                assert abs(float(row[col]) - rec["ts"]) < 1e-5
                continue
            assert our_norm(col, rec) == zeek_norm(col, row[col]), col


# ---- Suricata -------------------------------------------------------------------------------

def strip_angle(v):
    return v[1:-1] if isinstance(v, str) and v.startswith("<") and v.endswith(">") else v


def index_key(key):
    """'email.to[0]' -> ('email.to', 0); 'smtp.helo' -> ('smtp.helo', None)"""
    if key.endswith("]") and "[" in key:
        base, idx = key[:-1].split("[")
        return base, int(idx)
    return key, None


def suricata_value(rec, key):
    """Our value for an EVE key, or KeyError when we have no such field."""
    base, idx = index_key(key)
    simple = {"smtp.helo": "helo", "email.from": "from", "email.subject": "subject",
              "email.message_id": "msg_id", "email.date": "date", "email.x_mailer": "user_agent",
              "src_ip": "id.orig_h", "dest_ip": "id.resp_h", "src_port": "id.orig_p",
              "dest_port": "id.resp_p"}
    lists = {"email.to": "to", "email.cc": "cc", "smtp.rcpt_to": "rcptto"}
    if base == "smtp.mail_from":
        return rec.get("mailfrom")
    if base in simple and idx is None:
        return rec.get(simple[base])
    if base in lists and idx is not None:
        v = rec.get(lists[base]) or []
        return v[idx] if idx < len(v) else None
    if base == "email.attachment" and idx is not None:
        v = [a["name"] for a in rec.get("attachments", []) if a["depth"] == 0 and a["name"]]
        return v[idx] if idx < len(v) else None
    raise KeyError(key)


def suricata_want(key, want):
    base, _ = index_key(key)
    if base in ("smtp.mail_from", "smtp.rcpt_to"):
        return strip_angle(want)
    return want


def suricata_match(rec, match):
    """True/False over the keys we have; the keys we lack are ignored."""
    if "tx_id" in match and rec["_tx"] != match["tx_id"]:
        return False
    for key, want in match.items():
        if key in ("event_type", "proto", "app_proto", "tx_id", "not-has-key"):
            continue
        try:
            got = suricata_value(rec, key)
        except KeyError:
            continue
        if got != suricata_want(key, want):
            return False
    for key in match.get("not-has-key", []):
        try:
            if suricata_value(rec, key) is not None:
                return False
        except KeyError:
            pass
    return True


def suricata_tests():
    out = []
    if not SURICATA.exists():
        return out
    for t in sorted(SURICATA.glob("**/test.yaml")):
        spec = yaml.safe_load(t.read_text())
        checks = [c["filter"] for c in spec.get("checks", []) if "filter" in c and
                  c["filter"].get("match", {}).get("event_type") == "smtp"]
        if checks:
            out.append(pytest.param(t.parent, spec, checks,
                                    id=str(t.parent.relative_to(SURICATA))))
    return out


# Suricata expectations we do not meet, by test, with the reason.
SURICATA_DIFFERENCES = {
    "smtp-long-command":
        "the HELO line is longer than Suricata's command line limit: Suricata logs the cut "
        "line with its CR; the sensor reads lines up to 4096 bytes and reports the longer "
        "one as an anomaly (line_too_long), so the two helo values differ",
    "mime/mime-dec-parse-long-filename01":
        "Suricata cuts attachment file names at 255 bytes; the sensor reports the whole "
        "280-byte name",
    "smtp-rejected-ehlo-preserves-envelope":
        "the client's second EHLO has no argument and is refused (501): Suricata keeps the "
        "first HELO's name, the sensor does as Zeek's smtp.log does (helo is the argument of "
        "the last HELO/EHLO, refused or not: empty here); the envelope and the message agree",
}
# Whole groups of Suricata tests that describe something else than passive logging.
SURICATA_GROUP_DIFFERENCES = {
    "firewall/":
        "Suricata's firewall mode: the rules drop the blocked transactions inline and the "
        "expectations count what got through; the capture still holds every transaction, "
        "which the sensor logs",
}
# Captures that end in a damaged record: libpcap stops there with an error, the records
# read before it are written and the sensor exits 2.
SURICATA_DAMAGED = {"smtp-to-comma"}
# Keys that make a filter about a mail transaction (not Suricata's transaction of the
# commands after the last message, such as QUIT, which Zeek and the sensor do not log).
MAIL_KEYS = ("smtp.mail_from", "smtp.rcpt_to", "email.")


def suricata_pcap(d, spec):
    if "pcap" in spec:
        return (d / spec["pcap"]).resolve()
    pcaps = sorted(d.glob("*.pcap")) + sorted(d.glob("*.pcapng"))
    return pcaps[0] if pcaps else None


@pytest.mark.parametrize("d,spec,checks", suricata_tests())
def test_suricata_expectations(binary, tmp_path, d, spec, checks):
    name = str(d.relative_to(SURICATA))
    if name in SURICATA_DIFFERENCES:
        pytest.skip(SURICATA_DIFFERENCES[name])
    for prefix, why in SURICATA_GROUP_DIFFERENCES.items():
        if name.startswith(prefix):
            pytest.skip(why)
    pcap = suricata_pcap(d, spec)
    if pcap is None or not pcap.exists():
        pytest.skip("no capture")
    _, recs, _, _, _ = run_sensor(binary, pcap,
                                  allow_error=name in SURICATA_DAMAGED)
    per_flow = {}
    for r in recs:  # Suricata's tx_id: the transaction's number within its flow, from 0
        r["_tx"] = per_flow.get(r["uid"], 0)
        per_flow[r["uid"]] = r["_tx"] + 1
    for f in checks:
        match = f["match"]
        # a filter that names only fields we do not have says nothing about us
        if not any(k not in ("event_type", "proto", "app_proto", "tx_id", "not-has-key")
                   and known_key(k) for k in match):
            continue
        # Suricata's transaction of the commands after the last message (or of a session
        # without MAIL): Zeek and the sensor log mail transactions only
        if "tx_id" in match and not any(k.startswith(MAIL_KEYS) for k in match):
            continue
        n = sum(1 for r in recs if suricata_match(r, match))
        assert n == f["count"], f"{name}: {match}: {n} records match, Suricata {f['count']}"


def known_key(k):
    try:
        suricata_value({}, k)
        return True
    except KeyError:
        return False


# ---- captures made here ---------------------------------------------------------------------

SNAKE_USER = "drop@example.net"
SNAKE_PASSWORD = "Kq7-unique-Passw0rd-zz"
SNAKE_DUMP = ("PC Name: DESKTOP-7Q2LM0X\r\nDate and Time: 11/21/2026 10:02:11\r\n"
              "IP Address: 203.0.113.45\r\n\r\nS--N--A--K--E\r\n\r\n"
              "URL: https://login.example.org/\r\nUsername: j.doe@example.org\r\n"
              "Password: hunter2!\r\n\r\n"
              "URL: https://bank.example.com/\r\nUsername: jdoe\r\nPassword: S3cret-99\r\n"
              "Card: 4539 1488 0343 6467 exp 04/29\r\n"
              "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n"
              "AKIAIOSFODNN7EXAMPLE\r\n")


def snake_message():
    b64 = base64.encodebytes(SNAKE_DUMP.encode()).decode().replace("\n", "\r\n")
    return ("From: drop@example.net\r\nTo: drop@example.net\r\n"
            "Subject: Pc Name: DESKTOP-7Q2LM0X | Snake Keylogger\r\n"
            "Date: Sat, 21 Nov 2026 10:02:11 +0000\r\nMessage-ID: <snake-1@desktop>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain\r\n\r\n" + SNAKE_DUMP + "\r\n"
            "--b1\r\nContent-Type: text/plain; name=\"Passwords.txt\"\r\n"
            "Content-Disposition: attachment; filename=\"Passwords.txt\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "--b1--\r\n")


def plain_message(subject="quarterly numbers", body="see you tomorrow\r\n"):
    return (f"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: {subject}\r\n"
            "Date: Sat, 21 Nov 2026 10:00:00 +0000\r\nMessage-ID: <plain-1@example.com>\r\n"
            "X-Mailer: sensor-test 1.0\r\n\r\n" + body)


class Server:
    """aiosmtpd on loopback with AUTH LOGIN/PLAIN allowed in the clear (and STARTTLS with a
    tls_context); accepts every message."""

    def __init__(self, tls_context=None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        self.port = swtest.free_port()
        self.messages = []
        srv = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                srv.messages.append(bytes(envelope.content))
                return "250 2.0.0 Ok: queued"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.password == \
                SNAKE_PASSWORD.encode()
            return AuthResult(success=ok)

        kw = {"tls_context": tls_context} if tls_context is not None else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10, server_hostname="mx.sensor.test",
                                     authenticator=authenticator, auth_require_tls=False, **kw)
        self.controller.start()

    def stop(self):
        self.controller.stop()


@contextlib.contextmanager
def recording(path, port):
    """tcpdump on lo for tcp port `port` into path while the block runs; stopped by PID."""
    if shutil.which("tcpdump") is None:
        pytest.skip("tcpdump is not installed (scripts/install-deps.sh)")
    log = Path(str(path) + ".log")
    with open(log, "wb") as lf:
        # --immediate-mode: what the kernel holds is written before SIGTERM stops it;
        # -Z root: tcpdump drops to its own user, which cannot write pytest's folders
        user = ["-Z", "root"] if os.geteuid() == 0 else []
        p = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-n", "-s", "0",
                              *user, "-w", str(path), f"tcp port {port}"],
                             stdout=lf, stderr=lf)
    try:
        swtest.wait_until(lambda: b"listening on" in log.read_bytes() or p.poll() is not None,
                          10, what="tcpdump to start")
        if p.poll() is not None:
            pytest.skip("tcpdump cannot capture here: " + log.read_text(errors="replace"))
        yield
        time.sleep(0.3)  # the last FIN/ACK through the kernel
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)


class Conn:
    """A raw client: send exactly these bytes, read the reply lines."""

    def __init__(self, port):
        self.c = swtest.RawSMTP(port)

    def cmd(self, line):
        self.c.send(line if isinstance(line, bytes) else line.encode())
        return self.c.reply()

    def close(self):
        self.c.sock.close()


def do_session(port, message, auth=True, pipelined=False, mail="drop@example.net",
               rcpt="drop@example.net"):
    c = Conn(port)
    c.cmd("EHLO desktop-7q2lm0x\r\n")
    if auth:
        c.cmd("AUTH LOGIN\r\n")
        c.cmd(base64.b64encode(SNAKE_USER.encode()) + b"\r\n")
        code = c.cmd(base64.b64encode(SNAKE_PASSWORD.encode()) + b"\r\n")
        assert code.code == 235, code
    data = swtest.dot_stuff(message.encode())
    if pipelined:
        c.c.send(f"MAIL FROM:<{mail}>\r\nRCPT TO:<{rcpt}>\r\nDATA\r\n".encode())
        for _ in range(3):
            c.c.reply()
    else:
        c.cmd(f"MAIL FROM:<{mail}>\r\n")
        c.cmd(f"RCPT TO:<{rcpt}>\r\n")
        c.cmd("DATA\r\n")
    code = c.cmd(data + b".\r\n")
    assert code.code == 250, code
    c.cmd("QUIT\r\n")
    c.close()


@pytest.fixture(scope="module")
def snake_pcap(tmp_path_factory):
    """A Snake-Keylogger-style session on loopback: EHLO, AUTH LOGIN in the clear, MAIL/RCPT
    to itself, DATA with the stolen data attached in base64, QUIT."""
    d = tmp_path_factory.mktemp("snake")
    srv = Server()
    try:
        with recording(d / "snake.pcap", srv.port):
            do_session(srv.port, snake_message())
    finally:
        srv.stop()
    assert len(srv.messages) == 1
    return d / "snake.pcap", srv.port


def test_snake_session_alerts(binary, tmp_path, snake_pcap):
    pcap, port = snake_pcap
    rc, recs, alerts, raw, err = run_sensor(binary, pcap, "--password-hash", check_rc=1)
    assert len(recs) == 1
    r = recs[0]
    assert r["id.resp_p"] == port and r["helo"] == "desktop-7q2lm0x"
    assert r["mailfrom"] == "drop@example.net" and r["rcptto"] == ["drop@example.net"]
    assert r["subject"] == "Pc Name: DESKTOP-7Q2LM0X | Snake Keylogger"
    assert r["auth_user"] == SNAKE_USER and r["auth_mech"] == "LOGIN"
    assert r["auth_cleartext"] is True and r["auth_outcome"] == "success"
    assert len(r["auth_password_hash"]) == 64
    assert r["tls"] is False and r["message_complete"] is True
    att = [a for a in r["attachments"] if a["name"] == "Passwords.txt"]
    assert att and att[0]["size"] == len(SNAKE_DUMP)
    names = [a["alert"] for a in alerts]
    assert "auth.cleartext" in names and "exfil.infostealer" in names
    assert "exfil.self_addressed" in names
    assert any(n.startswith("dlp.") for n in names), names
    for a in alerts:
        assert a["uid"] == r["uid"] and a["id.resp_p"] == port
    info = next(a for a in alerts if a["alert"] == "exfil.infostealer")
    assert {"infostealer.subject", "infostealer.banner",
            "infostealer.attachment_name"} <= {f["detector"] for f in info["findings"]}
    # found by content: the port is not an SMTP port
    assert "1 found by content" in err and "1 SMTP sessions" in err
    # the password, in any form, never appears in the output
    for secret in (SNAKE_PASSWORD.encode(), base64.b64encode(SNAKE_PASSWORD.encode()),
                   b"hunter2", b"S3cret-99", b"wJalrXUtnFEMI"):
        assert secret not in raw, secret


def test_snake_session_zeek_log(binary, tmp_path, snake_pcap):
    pcap, _ = snake_pcap
    _, recs, _, _, _ = run_sensor(binary, pcap, "--zeek-log", tmp_path / "z")
    check_zeek_log_matches_json(tmp_path / "z" / "smtp.log", recs)
    assert SNAKE_PASSWORD not in (tmp_path / "z" / "smtp.log").read_text()


def test_password_hash_salt_from_config(binary, tmp_path, snake_pcap):
    pcap, _ = snake_pcap
    cfg = 'sensor:\n  password_salt: "fixed-salt"\n'
    h = [run_sensor(binary, pcap, "--password-hash", config=cfg, tmp_path=tmp_path)[1][0]
         ["auth_password_hash"] for _ in range(2)]
    assert h[0] == h[1]
    import hmac, hashlib
    assert h[0] == hmac.new(b"fixed-salt", SNAKE_PASSWORD.encode(), hashlib.sha256).hexdigest()
    # without --password-hash there is no hash at all
    r = run_sensor(binary, pcap, config=cfg, tmp_path=tmp_path)[1][0]
    assert "auth_password_hash" not in r


def test_external_server_with_configured_mail_servers(binary, tmp_path, snake_pcap):
    pcap, port = snake_pcap
    # 127.0.0.1 is not one of the mail servers: speaking SMTP to it is an alert
    cfg = "sensor:\n  mail_servers: [192.0.2.25/32]\n"
    _, _, alerts, _, _ = run_sensor(binary, pcap, config=cfg, tmp_path=tmp_path)
    ext = [a for a in alerts if a["alert"] == "smtp.external_server"]
    assert len(ext) == 1 and ext[0]["id.resp_h"] == "127.0.0.1" and ext[0]["id.resp_p"] == port
    # the server is ours: nothing
    cfg = "sensor:\n  mail_servers: [127.0.0.1/32]\n"
    _, _, alerts, _, _ = run_sensor(binary, pcap, config=cfg, tmp_path=tmp_path)
    assert not [a for a in alerts if a["alert"] == "smtp.external_server"]
    # the client may speak SMTP outward
    cfg = "sensor:\n  mail_servers: [192.0.2.25/32]\n  mail_clients: [127.0.0.0/8]\n"
    _, _, alerts, _, _ = run_sensor(binary, pcap, config=cfg, tmp_path=tmp_path)
    assert not [a for a in alerts if a["alert"] == "smtp.external_server"]
    # only allowed clients configured, and loopback is not one of them
    cfg = "sensor:\n  mail_clients: [10.0.0.0/8]\n"
    _, _, alerts, _, _ = run_sensor(binary, pcap, config=cfg, tmp_path=tmp_path)
    assert len([a for a in alerts if a["alert"] == "smtp.external_server"]) == 1


def test_port_list_and_bpf_filter(binary, tmp_path, snake_pcap):
    pcap, port = snake_pcap
    _, recs, _, _, err = run_sensor(binary, pcap, config=f"sensor:\n  ports: [{port}]\n",
                                    tmp_path=tmp_path)
    assert len(recs) == 1 and "0 found by content" in err
    _, recs, alerts, _, _ = run_sensor(binary, pcap, "-f", "tcp port 9", check_rc=0)
    assert recs == [] and alerts == []
    p = subprocess.run([str(binary), "sensor", "-r", str(pcap), "-f", "tcp port nonsense"],
                       capture_output=True, timeout=60)
    assert p.returncode == 2


# ---- the same session rewritten: out of order, retransmitted, one byte per segment ----------

def rewrite(src, dst, how):
    """src's packets rewritten by scapy into dst."""
    from scapy.all import IP, TCP, Raw, rdpcap, wrpcap

    pkts = rdpcap(str(src))
    out = []
    for p in pkts:
        if how == "onebyte" and p.haslayer(Raw) and len(p[Raw].load) > 1:
            load = bytes(p[Raw].load)
            for i in range(len(load)):
                q = p.copy()
                q[TCP].seq = (p[TCP].seq + i) & 0xffffffff
                q[Raw].load = load[i:i + 1]
                del q[IP].len, q[IP].chksum, q[TCP].chksum
                q.time = p.time
                out.append(q)
            continue
        out.append(p)
    if how == "retransmit":
        # every data segment twice, the copy right after the original
        out = [q for p in out for q in ((p, p.copy()) if p.haslayer(Raw) else (p,))]
    if how == "reorder":
        # swap each pair of consecutive data segments of the same direction
        data = [i for i, p in enumerate(out) if p.haslayer(Raw)]
        for a, b in zip(data[0::2], data[1::2]):
            if out[a][TCP].sport == out[b][TCP].sport and b == a + 1:
                out[a], out[b] = out[b], out[a]
    wrpcap(str(dst), out)


def comparable(rec):
    return {k: v for k, v in rec.items() if k not in ("uid", "ts")}


@pytest.mark.parametrize("how", ["reorder", "retransmit", "onebyte"])
def test_rewritten_captures_give_the_same_record(binary, tmp_path, snake_pcap, how):
    pytest.importorskip("scapy.all")
    pcap, _ = snake_pcap
    _, want, want_alerts, _, _ = run_sensor(binary, pcap)
    dst = tmp_path / f"{how}.pcap"
    rewrite(pcap, dst, how)
    _, got, got_alerts, _, err = run_sensor(binary, dst)
    assert [comparable(r) for r in got] == [comparable(r) for r in want]
    assert sorted(a["alert"] for a in got_alerts) == sorted(a["alert"] for a in want_alerts)
    assert "0 anomalies" in err


def test_pcapng_reads_like_pcap(binary, tmp_path, snake_pcap):
    pcap, _ = snake_pcap
    if shutil.which("editcap") is None:
        pytest.skip("editcap (tshark) not installed")
    ng = tmp_path / "snake.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(pcap), str(ng)], check=True, timeout=60)
    a = [comparable(r) for r in run_sensor(binary, pcap)[1]]
    b = [comparable(r) for r in run_sensor(binary, ng)[1]]
    assert a == b


def test_starttls_session(binary, tmp_path, pki):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    srv = Server(tls_context=ctx)
    try:
        with recording(tmp_path / "tls.pcap", srv.port):
            import smtplib
            with smtplib.SMTP("127.0.0.1", srv.port, timeout=10) as s:
                s.ehlo("laptop.example.com")
                s.starttls(context=ssl._create_unverified_context())
                s.ehlo("laptop.example.com")
                s.login(SNAKE_USER, SNAKE_PASSWORD)
                s.sendmail("alice@example.com", ["bob@example.org"], plain_message())
    finally:
        srv.stop()
    assert len(srv.messages) == 1
    rc, recs, alerts, raw, _ = run_sensor(binary, tmp_path / "tls.pcap", check_rc=0)
    assert len(recs) == 1
    r = recs[0]
    assert r["tls"] is True and r["helo"] == "laptop.example.com"
    assert "mailfrom" not in r and "subject" not in r  # nothing readable after STARTTLS
    assert alerts == []
    assert SNAKE_PASSWORD.encode() not in raw


def test_pipelined_session(binary, tmp_path):
    srv = Server()
    try:
        with recording(tmp_path / "pipe.pcap", srv.port):
            do_session(srv.port, plain_message(), auth=False, pipelined=True,
                       mail="alice@example.com", rcpt="bob@example.org")
    finally:
        srv.stop()
    _, recs, alerts, _, _ = run_sensor(binary, tmp_path / "pipe.pcap", check_rc=0)
    assert len(recs) == 1
    r = recs[0]
    assert r["mailfrom"] == "alice@example.com" and r["rcptto"] == ["bob@example.org"]
    assert r["rcpt_replies"] == [250] and r["last_reply"].startswith("250 2.0.0")
    assert r["subject"] == "quarterly numbers" and r["user_agent"] == "sensor-test 1.0"
    assert r["verdict"] == "accept" and alerts == []
    assert "auth_user" not in r


def test_usage_errors_exit_2(binary, tmp_path):
    for args in ([], ["-r", str(tmp_path / "missing.pcap")], ["-r", "x", "-i", "lo"],
                 ["--bogus"]):
        p = subprocess.run([str(binary), "sensor", *args], capture_output=True, timeout=60)
        assert p.returncode == 2, args
    p = subprocess.run([str(binary), "sensor", "--help"], capture_output=True, timeout=60)
    assert p.returncode == 0 and b"Exit status" in p.stdout


def test_live_capture_on_loopback(binary, tmp_path):
    """-i lo with a filter: a session is recorded while it happens; SIGTERM ends the capture,
    the record and the alert are written, exit status 1 (an alert)."""
    if os.geteuid() != 0:
        pytest.skip("live capture needs root")
    srv = Server()
    out = tmp_path / "live.json"
    errf = tmp_path / "live.err"
    try:
        with open(errf, "wb") as ef:
            p = subprocess.Popen([str(binary), "sensor", "-i", "lo", "-f",
                                  f"tcp port {srv.port}", "-o", str(out)], stderr=ef)
        try:
            time.sleep(1.0)  # no readiness signal: the capture opens within this
            do_session(srv.port, plain_message(), auth=True, mail="alice@example.com",
                       rcpt="bob@example.org")
            time.sleep(1.0)
            # SIGTERM ends a quiet capture within its poll interval, no packet needed
            p.send_signal(signal.SIGTERM)
            rc = p.wait(timeout=5)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    finally:
        srv.stop()
    err = errf.read_text(errors="replace")
    assert rc == 1, err
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    recs = [x for x in lines if x["type"] == "smtp"]
    assert len(recs) == 1 and recs[0]["mailfrom"] == "alice@example.com", err
    assert [x["alert"] for x in lines if x["type"] == "alert"] == ["auth.cleartext"]
    assert SNAKE_PASSWORD not in out.read_text()


def test_repeated_auth_alerts_once_per_account(binary):
    """Suricata's smtp-bug-5989 capture repeats the same AUTH LOGIN 120 times in one flow: one
    auth.cleartext alert for the account, not 120."""
    pcap = SURICATA / "smtp-bug-5989" / "input.pcap"
    if not pcap.exists():
        pcap = next(iter(sorted((SURICATA / "smtp-bug-5989").glob("*.pcap"))), None)
    if pcap is None:
        pytest.skip("corpus not present")
    _, _, alerts, _, _ = run_sensor(binary, pcap, check_rc=1)
    auth = [a for a in alerts if a["alert"] == "auth.cleartext"]
    assert len(auth) == 1 and auth[0]["auth_user"] == "galunt"


def test_first_seen_destination_after_learning(binary, tmp_path):
    """The behaviour engine runs in packet time: a host that learned its mail server for a
    second, then talks to another one, raises one behavior.first_seen (host_dest_server); with
    the default 14-day learning period the same capture raises none."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 2.0.0 Ok"

    p1, p2 = swtest.free_port(), swtest.free_port()
    c1 = Controller(Sink(), hostname="127.0.0.1", port=p1, ready_timeout=10)
    c2 = Controller(Sink(), hostname="127.0.0.2", port=p2, ready_timeout=10)
    c1.start()
    c2.start()
    pcap = tmp_path / "two-servers.pcap"
    try:
        with recording(pcap, f"{p1} or tcp port {p2}"):
            for port, host in ((p1, "127.0.0.1"), (p1, "127.0.0.1"), (p2, "127.0.0.2")):
                if host == "127.0.0.2":
                    time.sleep(1.3)  # past the learning period, in packet time
                with smtplib.SMTP(host, port, timeout=10) as s:
                    s.sendmail("alice@example.com", ["bob@example.net"],
                               plain_message().encode())
    finally:
        c1.stop()
        c2.stop()
    learn = "behavior:\n  first_seen: { learning: 1s }\n"
    _, recs, alerts, _, err = run_sensor(binary, pcap, config=learn, tmp_path=tmp_path)
    assert len(recs) == 3
    fs = [a for a in alerts if a["alert"] == "behavior.first_seen"]
    dest = [a for a in fs if "host_dest_server" in a["reason"]]
    assert len(dest) == 1 and "127.0.0.2" in dest[0]["reason"], fs
    assert dest[0]["id.resp_h"] == "127.0.0.2"
    assert "behavior" in err  # counted in the summary
    _, _, alerts, _, _ = run_sensor(binary, pcap, config="behavior: {}\n", tmp_path=tmp_path)
    assert [a for a in alerts if a["alert"].startswith("behavior.")] == []
