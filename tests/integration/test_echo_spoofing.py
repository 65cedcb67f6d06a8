"""The echo-spoofing scenario over loopback (issue 3): 127.0.0.64/26 plays Exchange Online's
shared ranges and a test CA issues the connector certificate (CN mail.protection.outlook.com).
A Microsoft 365 tenant is an identity only when the connection comes from the ranges with the
verified connector certificate AND the message carries exactly one listed tenant id; then the
tenant may send only as the domains it owns."""

import smtplib
import subprocess

import pytest

from swtest import client_context, make_message, new_msgid, wait_until

TENANT_A = "6f1c2f1e-2d0b-4b71-9a8e-0d6f0c7f9a11"
TENANT_B = "0b7e9d3c-5a41-4f0e-8f6a-2c1d9e8b7a60"
EXO = "127.0.0.70"          # inside the stand-in Exchange Online range
OUTSIDE = "127.0.0.5"       # outside it


def tenant_config(pki, dkim_key=None):
    cfg = {
        "gateway": {"tls": {"client_ca": str(pki.ca)}, "relay_networks": None},
        "m365": {"networks": ["127.0.0.64/26"],
                 "certificate_name": "mail.protection.outlook.com"},
        "identities": [
            {"name": "contoso", "m365_tenant": TENANT_A,
             "m365_domain": "contoso.onmicrosoft.com", "domains": ["contoso.example"]},
            {"name": "bank", "network": ["192.0.2.20/32"], "domains": ["bank.example"]},
        ],
    }
    if dkim_key is not None:
        cfg["dkim"] = [{"domain": "contoso.example", "selector": "s1", "key": str(dkim_key)}]
    return cfg


def tenant_headers(*tenants):
    return b"".join(b"X-MS-Exchange-CrossTenant-Id: " + t.encode() + b"\r\n" for t in tenants) + (
        b"X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp: TenantId=" +
        tenants[0].encode() + b";Ip=[203.0.113.9];Helo=[vps.example]\r\n"
        b"X-MS-Exchange-CrossTenant-FromEntityHeader: HybridOnPrem\r\n" if tenants else b"")


def send(gw, pki, source, sender, header_from, tenants, cert="exo"):
    """One message over STARTTLS from `source`; returns (code, text, msgid)."""
    msgid = new_msgid("echo")
    cert_key = {"exo": (pki.exo_cert, pki.exo_key),
                "rogue": (pki.rogue_exo_cert, pki.rogue_exo_key),
                None: (None, None)}[cert]
    msg = make_message(msgid, sender=header_from, extra_headers=tenant_headers(*tenants))
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15, source_address=(source, 0)) as s:
        s.starttls(context=client_context(pki, *cert_key))
        s.ehlo("mail.protection.outlook.com")
        code, text = s.mail(sender)
        if code != 250:
            return code, text, msgid
        code, text = s.rcpt("someone@example.net")
        if code != 250:
            return code, text, msgid
        code, text = s.data(msg)
        return code, text, msgid


CASES = [
    # (id, source, envelope, header From, tenant headers, cert, accepted, reason)
    ("tenant A as its own domain", EXO, "u@contoso.example", "u@contoso.example",
     [TENANT_A], "exo", True, "relayed"),
    ("tenant B, not listed", EXO, "u@fabrikam.example", "u@fabrikam.example",
     [TENANT_B], "exo", False, "no_identity"),
    ("tenant A as another customer's domain", EXO, "u@contoso.example", "ceo@bank.example",
     [TENANT_A], "exo", False, "from_not_owned"),
    ("tenant A as any other domain (envelope)", EXO, "ceo@disney.example",
     "u@contoso.example", [TENANT_A], "exo", False, "envelope_not_owned"),
    ("forged tenant header from outside the ranges", OUTSIDE, "u@contoso.example",
     "u@contoso.example", [TENANT_A], "exo", False, "no_identity"),
    ("connector name on a certificate the CA never issued", EXO, "u@contoso.example",
     "u@contoso.example", [TENANT_A], "rogue", False, "no_identity"),
    ("no connector certificate at all", EXO, "u@contoso.example", "u@contoso.example",
     [TENANT_A], None, False, "no_identity"),
    ("two different tenant headers", EXO, "u@contoso.example", "u@contoso.example",
     [TENANT_A, TENANT_B], "exo", False, "no_identity"),
    ("no tenant header and no DKIM proof", EXO, "u@contoso.example", "u@contoso.example",
     [], "exo", False, "no_identity"),
]


@pytest.fixture(scope="module")
def contoso_key(tmp_path_factory):
    key = tmp_path_factory.mktemp("contoso-dkim") / "contoso.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "ED25519", "-out", str(key)], check=True,
                   capture_output=True)
    return key


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_echo_spoofing(gateway, sink, pki, contoso_key, case):
    _, source, envelope, header_from, tenants, cert, accepted, reason = case
    gw = gateway(tenant_config(pki, contoso_key))
    code, text, msgid = send(gw, pki, source, envelope, header_from, tenants, cert)
    ev = wait_until(lambda: [e for e in gw.events() if e.get("event") == "transaction"], 10,
                    what="the transaction event")[-1]
    assert ev["reason"] == reason, ev
    if source != EXO or cert != "exo":
        # not Exchange Online: refused at MAIL, before any header could claim a tenant
        assert ev["m365"] is None and ev["size"] == 0, ev
    elif tenants:  # the tenant evidence is kept for forensics, accepted or not
        assert ev["m365"]["connecting_ip"].startswith("TenantId=" + tenants[0]), ev["m365"]
        assert ev["m365"]["from_entity"] == "HybridOnPrem"
        assert ev["m365"]["tenant_ids"].split(",") == [t.lower() for t in tenants]
    if accepted:
        assert code == 250, (code, text)
        [m] = sink.wait_msgid(msgid)
        assert m.mail_from == envelope
        assert ev["identity"] == "contoso" and ev["verdict"] == "accept"
        assert m.content.startswith(b"DKIM-Signature:") and b"d=contoso.example" in m.content
        assert ev["dkim"] == {"domain": "contoso.example", "selector": "s1"}
        assert ev["m365"]["tenant_ids"] == TENANT_A
    else:
        assert code in (550, 554) and b"5.7.1" in text, (code, text)
        assert ev["verdict"] == "reject"
        assert not sink.find(msgid)
