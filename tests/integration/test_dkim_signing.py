"""DKIM signing by the gateway (issue 3): an accepted message whose header From domain the
identity owns is signed with the key configured for that domain, and the signature verifies
with an independent implementation (Debian's python3-dkim); other mail is not signed."""

import base64
import subprocess

import dkim
import pytest

from swtest import gateway_bin, make_message, new_msgid, wait_until


def make_key(d, alg):
    """A private key file and its DNS TXT record (v=DKIM1; k=...; p=...)."""
    key = d / f"{alg}.pem"
    if alg == "rsa":
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", str(key)], check=True, capture_output=True)
    else:
        subprocess.run(["openssl", "genpkey", "-algorithm", "ED25519", "-out", str(key)],
                       check=True, capture_output=True)
    der = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    p = base64.b64encode(der if alg == "rsa" else der[-32:]).decode()
    return key, ("v=DKIM1; k=%s; p=%s" % ("rsa" if alg == "rsa" else "ed25519", p)).encode()


def signing_config(key, canon="relaxed/relaxed"):
    return {
        "gateway": {"relay_networks": None},
        "identities": [
            {"name": "app-a", "network": ["127.0.0.10/32"], "domains": ["a.example"]},
            {"name": "app-b", "network": ["127.0.0.11/32"], "domains": ["b.example"]},
        ],
        "dkim": [{"domain": "a.example", "selector": "s1", "key": str(key),
                  "canonicalization": canon}],
    }


def send(gw, source, sender, body):
    import smtplib
    msgid = new_msgid("dkim")
    msg = make_message(msgid, sender=sender, body=body)
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15, source_address=(source, 0)) as s:
        s.sendmail(sender, ["someone@example.net"], msg)
    return msgid


@pytest.mark.parametrize("canon", ["relaxed/relaxed", "relaxed/simple", "simple/relaxed",
                                   "simple/simple"])
@pytest.mark.parametrize("alg", ["rsa", "ed25519"])
def test_signed_for_owned_domain_verifies_with_dkimpy(gateway, sink, tmp_path, alg, canon):
    key, txt = make_key(tmp_path, alg)
    gw = gateway(signing_config(key, canon))
    body = b"Hello,\r\n\r\n.leading dot line\r\ntrailing spaces   \r\n\ttab line\r\n\r\n\r\n"
    msgid = send(gw, "127.0.0.10", "billing@a.example", body)
    [m] = sink.wait_msgid(msgid)
    wire = m.content.replace(b"\n", b"\r\n")
    assert wire.startswith(b"DKIM-Signature:"), wire[:200]
    sig = wire.split(b"\r\n\r\n", 1)[0]
    assert b"d=a.example" in sig and b"s=s1" in sig
    assert b"c=" + canon.encode() in sig.replace(b"\r\n", b"").replace(b" ", b"").replace(
        b"\t", b"") or (canon == "simple/simple" and b"c=" not in sig), sig
    assert (b"a=ed25519-sha256" if alg == "ed25519" else b"a=rsa-sha256") in sig

    def dnsfunc(name, timeout=5):
        assert name == b"s1._domainkey.a.example.", name
        return txt

    assert dkim.verify(wire, dnsfunc=dnsfunc), "dkimpy does not verify the gateway's signature"
    # tampering breaks it: the signature covers the body and From
    assert not dkim.verify(wire.replace(b"tab line", b"tab lime"), dnsfunc=dnsfunc)
    ev = wait_until(lambda: [e for e in gw.events() if e.get("event") == "transaction"], 10,
                    what="the transaction event")[-1]
    assert ev["dkim"] == {"domain": "a.example", "selector": "s1"}


def test_no_key_no_signature(gateway, sink, tmp_path):
    key, _ = make_key(tmp_path, "ed25519")
    gw = gateway(signing_config(key))
    msgid = send(gw, "127.0.0.11", "ops@b.example", b"no key for b.example\r\n")
    [m] = sink.wait_msgid(msgid)
    assert b"DKIM-Signature" not in m.content
    ev = wait_until(lambda: [e for e in gw.events() if e.get("event") == "transaction"], 10,
                    what="the transaction event")[-1]
    assert ev["verdict"] == "accept" and ev["dkim"] is None


def test_configured_header_list(gateway, sink, tmp_path):
    key, txt = make_key(tmp_path, "ed25519")
    cfg = signing_config(key)
    cfg["dkim"][0]["headers"] = ["subject", "message-id"]
    gw = gateway(cfg)
    msgid = send(gw, "127.0.0.10", "billing@a.example", b"body\r\n")
    [m] = sink.wait_msgid(msgid)
    wire = m.content.replace(b"\n", b"\r\n")
    sig = wire.split(b"\r\n\r\n", 1)[0].split(b"\r\n\r\n")[0]
    h = sig.split(b"h=", 1)[1].split(b";", 1)[0].replace(b"\r\n", b"").replace(b" ", b"")
    names = h.replace(b"\t", b"").lower().split(b":")
    assert b"subject" in names and b"message-id" in names and b"date" not in names, names
    assert names.count(b"from") >= 2, names  # From is always signed, and over-signed
    assert dkim.verify(wire, dnsfunc=lambda name, timeout=5: txt)


def test_unusable_key_stops_the_gateway_with_the_reason(gateway, tmp_path):
    """A key the workers cannot sign with (RSA under 2048 bits) is not restarted forever: the
    gateway says why and exits 1."""
    weak = tmp_path / "weak.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024",
                    "-out", str(weak)], check=True, capture_output=True)
    gw = gateway(signing_config(weak), start=False)
    gw.write_config()
    r = subprocess.run([str(gateway_bin()), "gateway", "-c", str(gw.config_path)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "under 2048 bits" in r.stderr and "no worker is running" in r.stderr, r.stderr[-2000:]
