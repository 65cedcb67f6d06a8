"""Fixtures for smtpwarden's integration tests (see swtest.py for the helpers).

- pki: CA + server + client certificates made with the openssl CLI (once per session)
- users: an AUTH users file (alice, bob) hashed by `smtpwarden hash-password`
- sink: Postfix's smtp-sink as the next hop, dumping messages to files
- gateway: a factory that writes a YAML config to tmp_path and starts the gateway; at teardown
  it sends SIGTERM, requires exit status 0 and no sanitizer report on stderr.
"""

import os
import signal

import pytest

import swtest
from swtest import Gateway, PostfixSink, deep_merge, free_port, wait_until

USER = "alice"
PASSWORD = "Tr0ub4dor&3-Horse!"
USER2 = "bob"
PASSWORD2 = "correct-battery-staple-42"


def pytest_report_header(config):
    b = swtest.gateway_bin()
    return "smtpwarden binary: %s (%s)" % (b, "present" if b.exists() else "MISSING")


@pytest.fixture(scope="session")
def binary():
    b = swtest.gateway_bin()
    if not b.exists():
        pytest.fail("gateway binary %s does not exist: build it (cmake --preset dev && "
                    "cmake --build build/dev) or set SMTPWARDEN_BIN" % b, pytrace=False)
    return b


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return swtest.make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="session")
def users(tmp_path_factory, binary):
    d = tmp_path_factory.mktemp("users")
    p = d / "users"
    p.write_text("%s:%s\n%s:%s\n" % (USER, swtest.hash_password(PASSWORD),
                                     USER2, swtest.hash_password(PASSWORD2)))
    return p


@pytest.fixture
def sink():
    s = PostfixSink()
    yield s
    s.stop()
    s.cleanup()


def base_config(tmp_path, pki, next_hop_port, port=None):
    """The configuration every test starts from: one STARTTLS listener on a free loopback
    port, loopback clients and the test users as identities owning example.com, next hop without
    TLS, short timeouts."""
    port = port or free_port()
    return {
        "gateway": {
            "listen": [{"address": f"127.0.0.1:{port}", "tls": "starttls"}],
            "hostname": "gw.smtpwarden.test",
            "workers": 1,
            "drain_timeout": "3s",
            "tls": {"certificate": str(pki.server_cert), "key": str(pki.server_key)},
            "next_hop": {"address": f"127.0.0.1:{next_hop_port}", "tls": "off",
                         "connect_timeout": "3s", "timeout": "15s"},
            
            "limits": {"idle_timeout": "30s"},
            "spool_dir": str(tmp_path),
        },
        # who may relay: loopback clients, and the test users once authenticated, as the
        # example.com senders the tests use (a test that needs other rules replaces the list)
        "identities": [
            {"name": "loopback", "network": ["127.0.0.0/8"],
             "domains": ["example.com", "*.example.com"], "send_bounces": True},
            {"name": "alice", "sasl": USER, "domains": ["example.com"]},
            {"name": "bob", "sasl": USER2, "domains": ["example.com"]},
        ],
        "events": {"file": str(tmp_path / "events.jsonl")},
        "log_level": "info",
    }


@pytest.fixture
def gateway(tmp_path, pki, sink, binary):
    """make(overrides=None, next_hop_port=None, start=True) -> a started Gateway.

    overrides are deep-merged into base_config (a None value removes a key)."""
    made = []

    def make(overrides=None, next_hop_port=None, start=True):
        cfg = base_config(tmp_path, pki, next_hop_port or sink.port)
        cfg["events"]["file"] = str(tmp_path / f"events{len(made)}.jsonl")
        if overrides:
            cfg = deep_merge(cfg, overrides)
        gw = Gateway(tmp_path / f"gw{len(made)}", cfg)
        made.append(gw)
        if start:
            gw.start()
        return gw

    yield make

    problems = []
    for gw in made:
        if gw.proc is None:
            continue
        rc = gw.stop()
        if rc != 0:
            problems.append("gateway %s exited with %r, not 0; stderr tail:\n%s"
                            % (gw.config_path, rc, gw.stderr()[-3000:]))
        elif gw.sanitizer_reports():
            problems.append("sanitizer report in gateway stderr:\n%s" % gw.stderr()[-6000:])
        try:
            wait_until(lambda: not gw.leftover_processes(), 5, what="workers to exit")
        except TimeoutError:
            left = gw.leftover_processes()
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            problems.append("gateway workers %r still running after the master exited" % left)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
