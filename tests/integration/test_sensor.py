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
