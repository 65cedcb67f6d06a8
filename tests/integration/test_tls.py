"""TLS: the implicit-TLS listener, protocol floor (TLS 1.2), client certificates."""

import smtplib
import socket
import ssl
import threading
import warnings

import pytest

from swtest import RawSMTP, cert_sha256, client_context, free_ports, make_message, new_msgid


def tls_config(pki, client_ca=False):
    p1, p2 = free_ports(2)
    cfg = {"gateway": {"listen": [{"address": f"127.0.0.1:{p1}", "tls": "starttls"},
                                  {"address": f"127.0.0.1:{p2}", "tls": "implicit"}]}}
    if client_ca:
        cfg["gateway"]["tls"] = {"client_ca": str(pki.ca)}
    return cfg


def send_over_implicit(gw, pki, msgid, cert=None, key=None):
    ctx = client_context(pki, cert, key)
    with smtplib.SMTP_SSL("127.0.0.1", gw.listener_port(1), timeout=15, context=ctx) as s:
        s.ehlo("tls-client.example.test")
        assert not s.has_extn("starttls"), "STARTTLS offered inside TLS"
        s.sendmail("alice@example.com", ["bob@example.net"], make_message(msgid))
        version = s.sock.version()
        client_port = s.sock.getsockname()[1]
    return version, client_port


def test_implicit_tls_listener(gateway, sink, pki):
    gw = gateway(tls_config(pki))
    msgid = new_msgid("implicit")
    version, client_port = send_over_implicit(gw, pki, msgid)
    assert version in ("TLSv1.2", "TLSv1.3")
    sink.wait_msgid(msgid)
    ev = gw.txn_event(client_port)
    assert ev["verdict"] == "accept"
    assert ev["local_port"] == gw.listener_port(1)
    assert ev["tls"]["version"] == version
    assert isinstance(ev["tls"]["cipher"], str) and ev["tls"]["cipher"]
    assert ev["tls"]["client_cert"] is None
    assert gw.conn_event(client_port)["listener_tls"] == "implicit"


def tls11_context():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer TLS 1.1 at all
        ctx.minimum_version = ssl.TLSVersion.TLSv1_1
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    return ctx


def client_can_speak_tls11(pki):
    """Control: this Python/OpenSSL can complete a TLS 1.1 handshake with a server that
    allows it, so a failure against the gateway is the gateway's refusal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        sctx.minimum_version = ssl.TLSVersion.TLSv1_1
        sctx.maximum_version = ssl.TLSVersion.TLSv1_1
    sctx.load_cert_chain(str(pki.server_cert), str(pki.server_key))
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(10)

    def serve():
        try:
            c, _ = ls.accept()
            c.settimeout(10)
            sctx.wrap_socket(c, server_side=True).close()
        except (OSError, ssl.SSLError):
            pass
    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        with socket.create_connection(ls.getsockname(), timeout=10) as s:
            with tls11_context().wrap_socket(s) as ts:
                return ts.version() == "TLSv1.1"
    finally:
        t.join(10)
        ls.close()


def test_tls_1_1_refused(gateway, sink, pki):
    assert client_can_speak_tls11(pki), "control failed: this client cannot do TLS 1.1"
    gw = gateway(tls_config(pki))
    # implicit TLS listener
    with socket.create_connection(("127.0.0.1", gw.listener_port(1)), timeout=10) as s:
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            with tls11_context().wrap_socket(s) as ts:
                ts.recv(100)
    # STARTTLS listener
    with RawSMTP(gw.port) as c:
        c.cmd("EHLO client.example.test")
        assert c.cmd("STARTTLS").code == 220
        with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            tls11_context().wrap_socket(c.sock).recv(100)
    # and a modern client still gets in
    msgid = new_msgid("after11")
    version, _ = send_over_implicit(gw, pki, msgid)
    assert version in ("TLSv1.2", "TLSv1.3")
    sink.wait_msgid(msgid)


def test_client_certificate_verified(gateway, sink, pki):
    gw = gateway(tls_config(pki, client_ca=True))
    msgid = new_msgid("clientcert")
    _, client_port = send_over_implicit(gw, pki, msgid, pki.client_cert, pki.client_key)
    sink.wait_msgid(msgid)
    cc = gw.txn_event(client_port)["tls"]["client_cert"]
    assert cc is not None, "client certificate not reported"
    assert cc["verified"] is True
    assert "client.example.test" in cc["subject"]
    assert "smtpwarden test CA" in cc["issuer"]
    got = cc["sha256"].replace(":", "").lower()
    assert got == cert_sha256(pki.client_cert)


def test_client_certificate_over_starttls(gateway, sink, pki):
    gw = gateway(tls_config(pki, client_ca=True))
    msgid = new_msgid("clientcert-starttls")
    ctx = client_context(pki, pki.client_cert, pki.client_key)
    with smtplib.SMTP("127.0.0.1", gw.port, timeout=15) as s:
        s.starttls(context=ctx)
        s.sendmail("alice@example.com", ["bob@example.net"], make_message(msgid))
        client_port = s.sock.getsockname()[1]
    sink.wait_msgid(msgid)
    cc = gw.txn_event(client_port)["tls"]["client_cert"]
    assert cc and cc["verified"] is True
    assert cc["sha256"].replace(":", "").lower() == cert_sha256(pki.client_cert)


def test_unknown_client_certificate_not_verified(gateway, sink, pki):
    """A certificate the CA did not issue is never reported as verified (the handshake may
    also be refused outright)."""
    gw = gateway(tls_config(pki, client_ca=True))
    msgid = new_msgid("roguecert")
    try:
        _, client_port = send_over_implicit(gw, pki, msgid, pki.rogue_cert, pki.rogue_key)
    except (ssl.SSLError, ConnectionResetError, smtplib.SMTPServerDisconnected):
        print("rogue certificate refused at the handshake")
        return  # refused at the handshake: fine
    cc = gw.txn_event(client_port)["tls"]["client_cert"]
    assert cc is not None, "a presented certificate should be reported"
    assert cc["verified"] is False
    assert cc["sha256"].replace(":", "").lower() == cert_sha256(pki.rogue_cert)


def test_no_client_certificate(gateway, sink, pki):
    gw = gateway(tls_config(pki, client_ca=True))
    msgid = new_msgid("nocert")
    _, client_port = send_over_implicit(gw, pki, msgid)
    sink.wait_msgid(msgid)
    assert gw.txn_event(client_port)["tls"]["client_cert"] is None
