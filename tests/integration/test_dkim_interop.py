"""DKIM interop: smtpwarden's signer and verifier against dkimpy (Debian python3-dkim).

Our side runs through tests/tools/dkim_tool.c (env SW_DKIM_TOOL; else next to $SMTPWARDEN_BIN;
else build/dev/dkim_tool; missing is a failure, not a skip);
the key records are handed to both sides directly, so no DNS server is involved. Keys come from
the shared corpus (dkimpy's test keys, $SW_SHARED_DIR/corpus/dkimpy/data).

- we sign, dkimpy verifies: rsa-sha256 and ed25519-sha256 x the four c= pairs x messages
  with awkward whitespace, with and without l=, t=, x=;
- dkimpy signs, we verify: the same matrix;
- tampering (a body byte, a header value, an added From) fails on both sides.
"""

import os
import pathlib
import random
import subprocess

import pytest

try:
    import dkim  # Debian python3-dkim
except ImportError:  # a missing peer is a failure (see keys()), never a silent skip
    dkim = None

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("SW_SHARED_DIR", ROOT.parent / "shared"))
DATA = SHARED / "corpus" / "dkimpy" / "data"
DOMAIN = "example.com"
SELECTOR = "sel1"
CANONS = ["simple/simple", "simple/relaxed", "relaxed/simple", "relaxed/relaxed"]

KEYS = {
    # algorithm: (private key file, our a= value, dkimpy's signature_algorithm)
    "rsa": ("2048_testkey.key", b"rsa-sha256"),
    "ed25519": ("ed25519test.key", b"ed25519-sha256"),
}

MESSAGES = {
    "plain": (b"From: Joe SixPack <joe@example.com>\r\n"
              b"To: Suzie Q <suzie@shopping.example.net>\r\n"
              b"Subject: Is dinner ready?\r\n"
              b"Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n"
              b"Message-ID: <20030712040037.46341.5F8J@example.com>\r\n"
              b"\r\n"
              b"Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n"),
    "whitespace": (b"From:   \"Ann  Other\"\t<ann@example.com>  \r\n"
                   b"To: a@example.net,\r\n\t  b@example.net , \r\n   c@example.net\r\n"
                   b"SUBJECT:\tfolded\r\n  subject   line \t\r\n"
                   b"Cc: \r\n"
                   b"Reply-To: <r@example.com>\r\n"
                   b"MIME-Version: 1.0\r\n"
                   b"Content-Type: text/plain; charset=us-ascii\r\n"
                   b"\r\n"
                   b"  leading spaces\r\ntrailing spaces   \r\n\ttab\t inside \t\r\n"
                   b"\r\n \r\n\t\r\nafter blank lines\r\n\r\n\r\n\r\n"),
    "empty-body": (b"From: joe@example.com\r\nTo: x@example.net\r\nSubject: nothing\r\n\r\n"),
    "no-final-crlf": (b"From: joe@example.com\r\nSubject: cut\r\n\r\nline one\r\nline two"),
}


def tool():
    """$SW_DKIM_TOOL; else dkim_tool next to $SMTPWARDEN_BIN (the build under test, as
    scripts/test.sh sets it); else build/dev/dkim_tool."""
    path = os.environ.get("SW_DKIM_TOOL")
    if not path and os.environ.get("SMTPWARDEN_BIN"):
        path = pathlib.Path(os.environ["SMTPWARDEN_BIN"]).parent / "dkim_tool"
    path = pathlib.Path(path or ROOT / "build" / "dev" / "dkim_tool")
    if not path.is_absolute():
        path = ROOT / path
    if not path.exists():
        pytest.fail("dkim tool %s does not exist: build it (target dkim_tool) or set "
                    "SW_DKIM_TOOL" % path, pytrace=False)
    return path


@pytest.fixture(scope="module")
def keys():
    if dkim is None:
        pytest.fail("python3-dkim (dkimpy) is not installed: apt-get install python3-dkim",
                    pytrace=False)
    if not DATA.is_dir():
        pytest.skip("shared corpus not found at %s (set SW_SHARED_DIR)" % DATA)
    out = {}
    for name, (fname, alg) in KEYS.items():
        path = DATA / fname
        rec = subprocess.run([str(tool()), "record", "-k", str(path)], check=True,
                             capture_output=True).stdout.strip()
        out[name] = {"path": path, "pem": path.read_bytes(), "alg": alg, "record": rec}
    return out


def dnsfunc_for(record):
    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        assert name.rstrip(".").lower() == "%s._domainkey.%s" % (SELECTOR, DOMAIN)
        return record
    return dnsfunc


def our_sign(key, msg, canon, extra=()):
    r = subprocess.run([str(tool()), "sign", "-k", str(key["path"]), "-d", DOMAIN, "-s", SELECTOR,
                        "-c", canon, *extra], input=msg, capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout


def our_verify(tmp_path, key, msg, now=None):
    rec = tmp_path / "records.txt"
    rec.write_bytes(b"%s._domainkey.%s %s\n" % (SELECTOR.encode(), DOMAIN.encode(),
                                                   key["record"]))
    cmd = [str(tool()), "verify", "-r", str(rec)]
    if now is not None:
        cmd += ["-n", str(now)]
    r = subprocess.run(cmd, input=msg, capture_output=True)
    assert r.returncode in (0, 1), r.stderr.decode()
    return r.returncode == 0, r.stdout.decode()


def dkimpy_sign(key, msg, canon, length=False):
    h, b = canon.encode().split(b"/")
    sig = dkim.sign(msg, SELECTOR.encode(), DOMAIN.encode(), key["pem"], canonicalize=(h, b),
                    signature_algorithm=key["alg"], length=length)
    return sig + msg


def dkimpy_verify(key, msg):
    return dkim.verify(msg, dnsfunc=dnsfunc_for(key["record"]))


@pytest.mark.parametrize("mname", sorted(MESSAGES))
@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("alg", sorted(KEYS))
def test_we_sign_dkimpy_verifies(keys, alg, canon, mname):
    signed = our_sign(keys[alg], MESSAGES[mname], canon)
    assert signed.startswith(b"DKIM-Signature: v=1; a=" + keys[alg]["alg"])
    assert dkimpy_verify(keys[alg], signed), signed.decode(errors="replace")


@pytest.mark.parametrize("mname", sorted(MESSAGES))
@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("alg", sorted(KEYS))
def test_dkimpy_signs_we_verify(tmp_path, keys, alg, canon, mname):
    signed = dkimpy_sign(keys[alg], MESSAGES[mname], canon)
    ok, out = our_verify(tmp_path, keys[alg], signed)
    assert ok, out + signed.decode(errors="replace")


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("alg", sorted(KEYS))
def test_length_and_times_both_ways(tmp_path, keys, alg, canon):
    msg = MESSAGES["whitespace"]
    ours = our_sign(keys[alg], msg, canon, ["-l", "-t", "1700000000", "-x", "4000000000"])
    assert b" l=" in ours and b" t=1700000000;" in ours
    assert dkimpy_verify(keys[alg], ours)
    # l= lets text be appended after signing, on both sides
    assert dkimpy_verify(keys[alg], ours + b"appended by a list\r\n")
    theirs = dkimpy_sign(keys[alg], msg, canon, length=True)
    ok, out = our_verify(tmp_path, keys[alg], theirs + b"appended by a list\r\n")
    assert ok, out


@pytest.mark.parametrize("alg", sorted(KEYS))
def test_expired_signature(tmp_path, keys, alg):
    ours = our_sign(keys[alg], MESSAGES["plain"], "relaxed/relaxed",
                    ["-t", "1700000000", "-x", "1700000100"])
    ok, out = our_verify(tmp_path, keys[alg], ours, now=1700000200)
    assert not ok and "permerror signature expired" in out
    ok, out = our_verify(tmp_path, keys[alg], ours, now=1700000050)
    assert ok, out


TAMPER = {
    "body-byte": lambda m: m.replace(b"hungry", b"Hungry"),
    "header-value": lambda m: m.replace(b"Subject: Is dinner ready?", b"Subject: Is dinner ready!"),
    "added-from": lambda m: m.replace(b"To: Suzie", b"From: evil@attacker.example\r\nTo: Suzie"),
}


@pytest.mark.parametrize("how", sorted(TAMPER))
@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("alg", sorted(KEYS))
def test_tampering_fails_both_sides(tmp_path, keys, alg, canon, how):
    ours = our_sign(keys[alg], MESSAGES["plain"], canon)
    bad = TAMPER[how](ours)
    assert bad != ours
    assert not dkimpy_verify(keys[alg], bad)
    ok, out = our_verify(tmp_path, keys[alg], bad)
    assert not ok and " fail " in out, out
    theirs = TAMPER[how](dkimpy_sign(keys[alg], MESSAGES["plain"], canon))
    ok, out = our_verify(tmp_path, keys[alg], theirs)
    assert not ok and " fail " in out, out


def test_bare_lf_is_signed_as_crlf(keys):
    """A message with LF line ends is signed as the CRLF message a later hop will see."""
    lf = MESSAGES["whitespace"].replace(b"\r\n", b"\n")
    signed = our_sign(keys["rsa"], lf, "relaxed/relaxed")
    assert dkimpy_verify(keys["rsa"], signed.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def test_weak_rsa_key_refused_for_signing():
    if not DATA.is_dir():
        pytest.skip("shared corpus not found at %s" % DATA)
    r = subprocess.run([str(tool()), "sign", "-k", str(DATA / "test.private"), "-d", DOMAIN,
                        "-s", SELECTOR], input=MESSAGES["plain"], capture_output=True)
    assert r.returncode == 2 and b"2048" in r.stderr


def random_message(rnd):
    """Header fields and body lines full of WSP runs, folds, blank and whitespace-only lines.
    The body ends with CRLF, as every body that arrives over SMTP DATA does."""
    def value():
        out = []
        for _ in range(rnd.randint(0, 5)):
            out.append(rnd.choice([b" ", b"\t", b"  ", b" \t "]) if rnd.random() < 0.4 else
                       bytes(rnd.choice(b"abcXYZ019<>@.,;:\"()") for _ in range(rnd.randint(1, 6))))
            if rnd.random() < 0.15:
                out.append(b"\r\n" + rnd.choice([b" ", b"\t", b"  "]))
        return b"".join(out)
    fields = [b"From" + rnd.choice([b":", b": ", b":\t"]) + value() + b"\r\n"]
    for _ in range(rnd.randint(0, 6)):
        name = rnd.choice([b"To", b"Cc", b"Subject", b"subject", b"TO", b"Date", b"Message-ID",
                           b"Reply-To", b"Received", b"X-Other"])
        fields.insert(rnd.randint(0, len(fields)), name + rnd.choice([b":", b": "]) + value() +
                      b"\r\n")
    body = b"".join(value() + rnd.choice([b"\r\n", b"\r\n\r\n", b""])
                    for _ in range(rnd.randint(0, 8)))
    body += b"\r\n" * rnd.randint(0, 3)
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    return b"".join(fields) + b"\r\n" + body


@pytest.mark.parametrize("seed", range(4))
def test_random_messages_both_ways(tmp_path, keys, seed):
    """A differential run: 60 generated messages per seed, random algorithm and c=, signed by
    each side and verified by the other."""
    rnd = random.Random(seed)
    for i in range(60):
        msg = random_message(rnd)
        alg = rnd.choice(sorted(KEYS))
        canon = rnd.choice(CANONS)
        ours = our_sign(keys[alg], msg, canon)
        assert dkimpy_verify(keys[alg], ours), (i, alg, canon, msg)
        ok, out = our_verify(tmp_path, keys[alg], dkimpy_sign(keys[alg], msg, canon))
        assert ok, (i, alg, canon, msg, out)
