"""A Microsoft 365 message without X-MS-Exchange-CrossTenant-Id (Exchange Online does not
always stamp it): the tenant is proven only by a DKIM signature of its onmicrosoft domain (or of
a domain it owns) that verifies against the key in DNS. The gateway looks the key up
asynchronously (c-ares) from a dnsmasq the test starts on a loopback port."""

import base64
import smtplib
import subprocess

import dkim
import pytest

from swtest import (client_context, dnsmasq, free_udp_tcp_port, make_message, new_msgid,
                    wait_until)
from test_echo_spoofing import EXO, tenant_config

SEL = "selector1-contoso-onmicrosoft-com"


def ed25519_key(path):
    """(seed for dkimpy, DNS TXT record) of a new Ed25519 key."""
    subprocess.run(["openssl", "genpkey", "-algorithm", "ED25519", "-out", str(path)],
                   check=True, capture_output=True)
    der_priv = subprocess.run(["openssl", "pkey", "-in", str(path), "-outform", "DER"],
                              check=True, capture_output=True).stdout
    der_pub = subprocess.run(["openssl", "pkey", "-in", str(path), "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
    return (base64.b64encode(der_priv[-32:]),
            "v=DKIM1; k=ed25519; p=" + base64.b64encode(der_pub[-32:]).decode())


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    d = tmp_path_factory.mktemp("tenant-dkim")
    return {"contoso": ed25519_key(d / "contoso.pem"), "fabrikam": ed25519_key(d / "fab.pem")}


@pytest.fixture(scope="module")
def dns(keys):
    """dnsmasq serving the two tenants' DKIM keys."""
    with dnsmasq("onmicrosoft.com",
                 [f"--txt-record={SEL}._domainkey.contoso.onmicrosoft.com,{keys['contoso'][1]}",
                  "--txt-record=selector1._domainkey.fabrikam.onmicrosoft.com,"
                  f"{keys['fabrikam'][1]}"],
                 SEL + "._domainkey.contoso.onmicrosoft.com") as server:
        yield server


def signed(msg, domain, selector, seed):
    sig = dkim.sign(msg, selector.encode(), domain.encode(), seed,
                    signature_algorithm=b"ed25519-sha256",
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + msg


def send(gw, pki, msg, sender="u@contoso.example"):
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=20, source_address=(EXO, 0)) as s:
        s.starttls(context=client_context(pki, pki.exo_cert, pki.exo_key))
        s.ehlo("mail.protection.outlook.com")
        s.mail(sender)
        s.rcpt("someone@example.net")
        return s.data(msg)


def last_txn(gw):
    return wait_until(lambda: [e for e in gw.events() if e.get("event") == "transaction"], 10,
                      what="the transaction event")[-1]


def config(pki, dns_server):
    cfg = tenant_config(pki)
    cfg["dns"] = {"servers": dns_server, "timeout": "1s"}
    return cfg


def test_header_less_message_proven_by_tenant_signature(gateway, sink, pki, dns, keys):
    gw = gateway(config(pki, dns))
    msgid = new_msgid("tdkim")
    msg = signed(make_message(msgid, sender="u@contoso.example"), "contoso.onmicrosoft.com",
                 SEL, keys["contoso"][0])
    code, text = send(gw, pki, msg)
    assert code == 250, (code, text)
    [m] = sink.wait_msgid(msgid)
    ev = last_txn(gw)
    assert ev["identity"] == "contoso" and ev["reason"] == "relayed", ev
    assert ev["m365"] is None  # no tenant header at all


@pytest.mark.parametrize("case", ["other tenant", "tampered", "unsigned"])
def test_header_less_message_without_proof_is_refused(gateway, sink, pki, dns, keys, case):
    gw = gateway(config(pki, dns))
    msgid = new_msgid("tdkim-" + case.replace(" ", "-"))
    msg = make_message(msgid, sender="u@contoso.example", body=b"original body\r\n")
    if case == "other tenant":
        msg = signed(msg, "fabrikam.onmicrosoft.com", "selector1", keys["fabrikam"][0])
    elif case == "tampered":
        msg = signed(msg, "contoso.onmicrosoft.com", SEL, keys["contoso"][0])
        msg = msg.replace(b"original body", b"injected body")
    code, text = send(gw, pki, msg)
    assert code == 554 and b"5.7.1" in text, (code, text)
    assert not sink.find(msgid)
    ev = last_txn(gw)
    assert ev["reason"] == "no_identity" and ev["identity"] is None, ev


def test_key_lookup_failure_defers(gateway, sink, pki, keys):
    port = free_udp_tcp_port()  # nothing listens there
    gw = gateway(config(pki, f"127.0.0.1:{port}"))
    msgid = new_msgid("tdkim-dns-down")
    msg = signed(make_message(msgid, sender="u@contoso.example"), "contoso.onmicrosoft.com",
                 SEL, keys["contoso"][0])
    code, text = send(gw, pki, msg)
    assert code == 451 and b"4.7.5" in text, (code, text)
    assert not sink.find(msgid)
    assert last_txn(gw)["reason"] == "dkim_temperror"
