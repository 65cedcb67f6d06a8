"""The command line: check-config, hash-password, --help/--version."""

import subprocess
import warnings

import pytest

from swtest import free_port, gateway_bin

SUBCOMMANDS = ["gateway", "check-config", "hash-password"]


def run(args, input=None, timeout=30, cwd=None):
    return subprocess.run([str(gateway_bin()), *args], input=input, capture_output=True,
                          timeout=timeout, cwd=cwd)


VALID = """\
# a small but complete configuration
gateway:
  listen:
    - address: 127.0.0.1:{port}
      tls: none
  hostname: relay.example.test
  workers: 1
  greet_delay: 300ms
  drain_timeout: 10s
  bare_eol: reject
  pipelining: true
  next_hop:
    address: 127.0.0.1:2526
    tls: opportunistic
    connect_timeout: 5s
    timeout: 60s
  limits:
    max_message_size: 10485760
    max_recipients: 50
  spool_dir: /tmp
identities:
  - name: local
    network:
      - 127.0.0.0/8
      - ::1/128
    domains: [example.com]
events:
  file: "-"
log_level: info
"""


def test_check_config_valid(binary, tmp_path):
    p = tmp_path / "ok.yaml"
    p.write_text(VALID.format(port=free_port()))
    r = run(["check-config", str(p)])
    assert r.returncode == 0, r.stderr.decode()
    assert b"error" not in r.stderr.lower(), r.stderr.decode()


def test_check_config_unknown_key_has_line(binary, tmp_path):
    text = VALID.format(port=free_port()).splitlines()
    # an unknown key inside gateway.limits, on line N (1-based)
    i = text.index("    max_recipients: 50")
    text.insert(i + 1, "    max_recipents_typo: 7")
    n = i + 2
    p = tmp_path / "bad.yaml"
    p.write_text("\n".join(text) + "\n")
    r = run(["check-config", str(p)])
    err = r.stderr.decode()
    assert r.returncode == 1, (r.returncode, err)
    assert f":{n}:" in err, err
    assert "max_recipents_typo" in err, err
    assert str(p) in err or p.name in err, err


def test_check_config_bad_values(binary, tmp_path):
    cases = {
        "tls: none": "tls: sometimes",                      # bad enum
        "max_recipients: 50": "max_recipients: lots",       # not a number
        "    - 127.0.0.0/8": "    - 127.0.0.0/33",          # bad CIDR
        "greet_delay: 300ms": "greet_delay: soon",          # not a duration
    }
    base = VALID.format(port=free_port())
    for old, new in cases.items():
        assert old in base
        p = tmp_path / "bad.yaml"
        p.write_text(base.replace(old, new, 1))
        line = base.splitlines().index(next(ln for ln in base.splitlines() if old in ln)) + 1
        r = run(["check-config", str(p)])
        err = r.stderr.decode()
        assert r.returncode == 1, (new, err)
        assert f":{line}:" in err, (new, err)


def test_check_config_open_relay_warning(binary, tmp_path):
    p = tmp_path / "open.yaml"
    p.write_text(VALID.format(port=free_port()).replace("      - 127.0.0.0/8", "      - 0.0.0.0/0"))
    r = run(["check-config", str(p)])
    err = r.stderr.decode()
    assert r.returncode == 0, err
    assert "warning" in err.lower() and "0.0.0.0/0" in err and "whole internet" in err, err


def test_check_config_missing_file(binary, tmp_path):
    r = run(["check-config", str(tmp_path / "nope.yaml")])
    assert r.returncode != 0
    assert r.stderr


def test_gateway_refuses_bad_config(binary, tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(VALID.format(port=free_port()) + "unknown_top_level: 1\n")
    r = run(["gateway", "-c", str(p)], timeout=30)
    assert r.returncode != 0
    assert b"unknown_top_level" in r.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"]] +
                         [[s, "--help"] for s in SUBCOMMANDS] +
                         [[s, "--version"] for s in SUBCOMMANDS],
                         ids=lambda a: " ".join(a))
def test_help_and_version(binary, args):
    r = run(args)
    assert r.returncode == 0, (r.returncode, r.stderr.decode())
    out = r.stdout.decode()
    assert out.strip(), "nothing printed on stdout"
    if "--version" in args:
        assert "0." in out or "1." in out, out


def test_unknown_subcommand(binary):
    r = run(["no-such-subcommand"])
    assert r.returncode != 0
    assert r.stderr


def test_hash_password_verifies(binary):
    r = run(["hash-password"], input=b"s3cret pass\n")
    assert r.returncode == 0, r.stderr.decode()
    h = r.stdout.decode().strip()
    assert h.startswith("$y$") or h.startswith("$6$") or h.startswith("$2"), h
    assert "s3cret" not in h
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    assert crypt.crypt("s3cret pass", h) == h
    assert crypt.crypt("s3cret pasS", h) != h
    r2 = run(["hash-password"], input=b"s3cret pass\n")
    assert r2.stdout.decode().strip() != h, "same salt twice"
