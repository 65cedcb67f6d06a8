"""`smtpwarden domain token|verify` (issue 3, proof of domain ownership) against a real DNS
server: dnsmasq on a free loopback port, serving the _smtpwarden TXT records of each case.

Exit status: 0 verified; 1 not verified (NXDOMAIN, no TXT record, other tokens, or the -c file
lacks the identity/domain); 2 usage errors and temporary DNS failures."""

import base64
import hashlib
import socket
import subprocess
import time

import pytest

from swtest import SANITIZER_MARKERS, dnsmasq, free_udp_tcp_port, gateway_bin, to_yaml


def expected_token(identity, domain):
    """The token from its definition, independently of the C code."""
    msg = b"smtpwarden domain ownership\0" + identity.encode() + b"\0" + \
        domain.lower().rstrip(".").encode()
    digest = hashlib.sha256(msg).digest()[:20]
    return "smtpwarden-verify=" + base64.b32encode(digest).decode().lower().rstrip("=")


ALICE_A = expected_token("alice", "a.example")
BOB_A = expected_token("bob", "a.example")


def run(args, timeout=30):
    r = subprocess.run([str(gateway_bin()), "domain", *args], capture_output=True, text=True,
                       timeout=timeout)
    assert not any(m in r.stderr for m in SANITIZER_MARKERS), r.stderr[-6000:]
    return r


@pytest.fixture(scope="module")
def dns():
    """dnsmasq authoritative (--local) for example., with these records:
    a.example: alice's token; b.example: bob's token for a.example and a foreign text;
    c.example: alice's token split over two character-strings;
    e.example: an A record only (NODATA for TXT); anything else: NXDOMAIN."""
    c_token = expected_token("alice", "c.example")
    with dnsmasq("example", [f"--txt-record=_smtpwarden.a.example,{ALICE_A}",
                             f"--txt-record=_smtpwarden.b.example,{BOB_A}",
                             "--txt-record=_smtpwarden.b.example,v=spf1 -all",
                             f"--txt-record=_smtpwarden.c.example,{c_token[:20]},{c_token[20:]}",
                             "--host-record=_smtpwarden.e.example,192.0.2.1"],
                 "_smtpwarden.a.example") as server:
        yield server


def test_token_prints_record_to_publish(binary):
    r = run(["token", "A.Example.", "--identity", "alice"])
    assert r.returncode == 0, r.stderr
    assert r.stdout == f'_smtpwarden.A.Example. IN TXT "{ALICE_A}"\n'


def test_correct_token_verifies(binary, dns):
    r = run(["verify", "a.example", "--identity", "alice", "--dns", dns])
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "a.example: verified for identity alice\n"


def test_token_split_over_strings_verifies(binary, dns):
    r = run(["verify", "c.example", "--identity", "alice", "--dns", dns])
    assert r.returncode == 0, r.stdout + r.stderr


def test_other_identity_is_not_verified(binary, dns):
    r = run(["verify", "a.example", "--identity", "bob2", "--dns", dns])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not verified for identity bob2" in r.stdout
    assert f'found "{ALICE_A}" (a token for another identity or domain)' in r.stdout
    assert f'expected "{expected_token("bob2", "a.example")}"' in r.stdout


def test_wrong_token_names_what_was_found(binary, dns):
    r = run(["verify", "b.example", "--identity", "bob", "--dns", dns])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "has 2 TXT records, none the token for it" in r.stdout
    # bob's token for a.example is not a token for b.example
    assert f'found "{BOB_A}" (a token for another identity or domain)' in r.stdout
    assert 'found "v=spf1 -all" (not a smtpwarden token)' in r.stdout
    assert f'expected "{expected_token("bob", "b.example")}"' in r.stdout


def test_no_such_name(binary, dns):
    r = run(["verify", "d.example", "--identity", "alice", "--dns", dns])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "_smtpwarden.d.example does not exist (NXDOMAIN)" in r.stdout
    assert f'publish: _smtpwarden.d.example. IN TXT "{expected_token("alice", "d.example")}"' \
        in r.stdout


def test_no_txt_record(binary, dns):
    r = run(["verify", "e.example", "--identity", "alice", "--dns", dns])
    assert r.returncode == 1, r.stdout + r.stderr
    assert "_smtpwarden.e.example exists but has no TXT record" in r.stdout


def test_dns_server_down_is_temporary(binary):
    port = free_udp_tcp_port()  # nothing listens there: refused at once
    t0 = time.monotonic()
    r = run(["verify", "a.example", "--identity", "alice", "--dns", f"127.0.0.1:{port}",
             "--timeout", "500"], timeout=10)
    assert time.monotonic() - t0 < 5
    assert r.returncode == 2, r.stdout + r.stderr
    assert "cannot verify now: temporary failure" in r.stdout


def test_dns_server_silent_times_out(binary):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # receives the queries, never answers
        t0 = time.monotonic()
        r = run(["verify", "a.example", "--identity", "alice", "--dns",
                 "127.0.0.1:%d" % silent.getsockname()[1], "--timeout", "600"], timeout=10)
        elapsed = time.monotonic() - t0
    assert r.returncode == 2, r.stdout + r.stderr
    assert "temporary failure" in r.stdout
    assert 0.3 < elapsed < 3, elapsed


def config_file(tmp_path):
    p = tmp_path / "smtpwarden.yaml"
    p.write_text(to_yaml({
        "gateway": {"listen": [{"address": "127.0.0.1:2525"}],
                    "next_hop": {"address": "127.0.0.1:2526"}},
        "identities": [{"name": "alice", "network": ["127.0.0.10/32"],
                        "domains": ["a.example", "*.sub.example"]}],
    }))
    return p


def test_config_checks_identity_and_domain(binary, dns, tmp_path):
    cfg = str(config_file(tmp_path))
    r = run(["verify", "a.example", "--identity", "alice", "-c", cfg, "--dns", dns])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(["verify", "a.example", "--identity", "carol", "-c", cfg, "--dns", dns])
    assert r.returncode == 1
    assert f"identity carol is not defined in {cfg}" in r.stdout
    r = run(["token", "b.example", "--identity", "alice", "-c", cfg])
    assert r.returncode == 1
    assert "does not list b.example in its domains (it lists: a.example *.sub.example)" \
        in r.stdout
    r = run(["token", "x.sub.example", "--identity", "alice", "-c", cfg])
    assert r.returncode == 0, r.stdout + r.stderr
    r = run(["token", "a.example", "--identity", "alice", "-c", str(tmp_path / "none.yaml")])
    assert r.returncode == 2
    assert "does not load" in r.stderr


@pytest.mark.parametrize("args", [
    [],
    ["frobnicate", "a.example", "--identity", "alice"],
    ["verify", "a.example"],
    ["verify", "--identity", "alice"],
    ["verify", "a..example", "--identity", "alice"],
    ["verify", "a.example", "--identity", "alice", "--timeout", "soon"],
    ["verify", "a.example", "--identity", "alice", "--dns", "not-an-address"],
    ["verify", "a.example", "--identity", "alice", "extra"],
])
def test_usage_errors(binary, args):
    r = run(args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("smtpwarden domain: ")


def test_help_and_version(binary):
    r = run(["--help"])
    assert r.returncode == 0 and r.stdout.startswith("usage: smtpwarden domain token")
    assert "exit status" in r.stdout
    r = run(["verify", "--version"])
    assert r.returncode == 0 and r.stdout.startswith("smtpwarden ")
