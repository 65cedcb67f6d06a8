"""swtest - helpers for smtpwarden's integration tests: real peers on loopback.

What is here:
  - RawSMTP: a socket-level SMTP client that sends exactly the bytes a test gives it (for
    pipelining, smuggling and limit tests, where smtplib would be too polite);
  - PostfixSink: Postfix's smtp-sink as the next hop, dumping each message to a file;
  - AioNextHop: an aiosmtpd server as a next hop that refuses chosen recipients/messages;
  - Gateway: one smtpwarden gateway process with its YAML config, events file and stderr;
  - make_pki / make_users_file: a CA, server and client certificates, an AUTH users file.

Every wait is bounded; every process is stopped by its PID.
"""

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import struct
import ssl
import subprocess
import tempfile
import threading
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SMTP_SINK = "/usr/sbin/smtp-sink"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: UndefinedBehaviorSanitizer")


def gateway_bin():
    """The binary under test: $SMTPWARDEN_BIN, else build/dev/smtpwarden."""
    p = os.environ.get("SMTPWARDEN_BIN") or str(REPO / "build" / "dev" / "smtpwarden")
    p = Path(p)
    if not p.is_absolute():
        p = REPO / p
    return p


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n):
    """n distinct free ports (all held open while choosing)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_until(pred, timeout, interval=0.05, what="condition"):
    """Poll pred() until it returns a true value (returned) or timeout seconds pass (raise)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# YAML (the gateway's config); stdlib has no emitter, and the shapes here are simple.

_PLAIN = re.compile(r"[A-Za-z0-9_./@+-][A-Za-z0-9_./:@+-]*\Z")


def _scalar(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, list) and not v:
        return "[]"
    if isinstance(v, dict) and not v:
        return "{}"
    s = str(v)
    if _PLAIN.match(s):
        return s
    return json.dumps(s)


def _yaml_lines(obj, indent):
    sp = "  " * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f"{sp}{k}:")
                out.extend(_yaml_lines(v, indent + 1))
            else:
                out.append(f"{sp}{k}: {_scalar(v)}")
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                sub = _yaml_lines(item, indent + 1)
                out.append(f"{sp}- {sub[0].lstrip()}")
                out.extend(sub[1:])
            else:
                out.append(f"{sp}- {_scalar(item)}")
    else:
        out.append(sp + _scalar(obj))
    return out


def to_yaml(obj):
    return "\n".join(_yaml_lines(obj, 0)) + "\n"


def deep_merge(base, over):
    """A copy of base with over merged in (dicts recursively; None in over deletes a key)."""
    out = dict(base)
    for k, v in over.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------------------------------------
# Raw SMTP client

class Reply:
    """One SMTP reply: code, enhanced status code (or None), the text lines."""

    ENH = re.compile(r"^([245]\.\d{1,3}\.\d{1,3})\b")

    def __init__(self, lines):
        self.lines = lines  # decoded, without CRLF
        self.code = int(lines[-1][:3])
        texts = [ln[4:] for ln in lines]
        self.texts = texts
        m = self.ENH.match(texts[0]) if texts else None
        self.enh = m.group(1) if m else None
        self.text = "\n".join(texts)

    def __repr__(self):
        return "Reply(%r)" % ("\\n".join(self.lines),)

    def startswith(self, code, enh=None):
        return self.code == code and (enh is None or self.enh == enh)


class ConnectionClosed(Exception):
    pass


class RawSMTP:
    """An SMTP client that sends exactly the bytes it is given and parses replies."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0, tls_context=None,
                 server_hostname="localhost", read_greeting=True):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.local_port = self.sock.getsockname()[1]
        if tls_context is not None:
            self.sock = tls_context.wrap_socket(self.sock, server_hostname=server_hostname)
        self.buf = b""
        self.eof = False
        self.greeting = self.reply() if read_greeting else None

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        except ssl.SSLError:
            chunk = b""
        if not chunk:
            self.eof = True
            raise ConnectionClosed("connection closed by the server; unread: %r" % self.buf)
        self.buf += chunk

    def reply(self, timeout=None):
        """Read one (possibly multi-line) reply. Raises ConnectionClosed or socket.timeout."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        lines = []
        while True:
            while b"\n" not in self.buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout("no complete reply within %ss (have %r)" % (timeout, self.buf))
                self._fill(left)
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("utf-8", "replace")
            if not re.match(r"^\d{3}([ -]|$)", line):
                raise AssertionError("malformed reply line %r" % line)
            lines.append(line)
            if len(line) < 4 or line[3] == " ":
                return Reply(lines)

    def cmd(self, line, timeout=None):
        self.send(line + "\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.reply(timeout)

    def replies_until_close(self, timeout=5.0):
        """Read replies until the server closes or is quiet for `timeout` seconds.
        Returns (replies, closed)."""
        out = []
        while True:
            try:
                out.append(self.reply(timeout))
            except ConnectionClosed:
                return out, True
            except (socket.timeout, TimeoutError):
                return out, False
            except OSError:
                return out, True

    def wait_closed(self, timeout=5.0):
        """True when the server closed the connection (EOF) within timeout, with no more data."""
        try:
            r = self.reply(timeout)
        except ConnectionClosed:
            return True
        except (socket.timeout, TimeoutError):
            return False
        except OSError:
            return True
        raise AssertionError("expected the connection to close, got another reply %r" % r)

    def starttls(self, context, server_hostname="localhost"):
        r = self.cmd("STARTTLS")
        assert r.code == 220, r
        assert not self.buf, "server sent bytes after 220 to STARTTLS: %r" % self.buf
        self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)
        return r

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


def ehlo_keywords(reply):
    """{KEYWORD: [params]} from an EHLO reply (first line is the greeting)."""
    out = {}
    for t in reply.texts[1:]:
        parts = t.split()
        if parts:
            out[parts[0].upper()] = parts[1:]
    return out


def send_transaction(c, mail_from, rcpts, message, mail_params=""):
    """MAIL/RCPT/DATA one at a time on RawSMTP c. Returns a dict of the replies; stops at the
    first refusal that ends the transaction (MAIL refused, no recipient, DATA refused)."""
    out = {"mail": None, "rcpt": [], "data": None, "final": None}
    out["mail"] = c.cmd(f"MAIL FROM:<{mail_from}>{mail_params}")
    if out["mail"].code != 250:
        return out
    for r in rcpts:
        out["rcpt"].append(c.cmd(f"RCPT TO:<{r}>"))
    if not any(r.code == 250 for r in out["rcpt"]):
        return out
    out["data"] = c.cmd("DATA")
    if out["data"].code != 354:
        return out
    c.send(dot_stuff(message) + b".\r\n")
    out["final"] = c.reply()
    return out


def dot_stuff(message):
    """message (CRLF line ends) as DATA content: leading dots doubled, CRLF at the end."""
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    lines = message.split(b"\r\n")
    return b"\r\n".join((b"." + ln) if ln.startswith(b".") else ln for ln in lines)


def make_message(msgid, subject="test", body=b"hello\r\n", sender="alice@example.com",
                 to="bob@example.net", extra_headers=b""):
    if isinstance(body, str):
        body = body.encode()
    return (b"From: <" + sender.encode() + b">\r\n"
            b"To: <" + to.encode() + b">\r\n"
            b"Subject: " + subject.encode() + b"\r\n"
            b"Message-ID: <" + msgid.encode() + b">\r\n"
            b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n"
            + extra_headers +
            b"\r\n" + body)


_msgid_n = [0]
_msgid_lock = threading.Lock()


def new_msgid(tag="t"):
    with _msgid_lock:
        _msgid_n[0] += 1
        n = _msgid_n[0]
    return f"{tag}.{os.getpid()}.{n}.{time.monotonic_ns()}@tests.smtpwarden"


# ---------------------------------------------------------------------------------------------
# Next hops

class SinkMessage:
    def __init__(self, path, mail_from, rcpts, content, raw):
        self.path = path
        self.mail_from = mail_from
        self.rcpts = rcpts
        self.content = content  # message as the sink saw it: LF line ends
        self.raw = raw

    def has_msgid(self, msgid):
        return re.search(rb"(?im)^message-id:\s*<" + re.escape(msgid.encode()) + rb">",
                         self.content) is not None

    def __repr__(self):
        return "SinkMessage(from=%r, rcpts=%r, %d bytes)" % (self.mail_from, self.rcpts,
                                                              len(self.content))


def _addr(arg):
    m = re.match(rb"\s*<([^>]*)>", arg)
    return (m.group(1) if m else arg.strip()).decode("utf-8", "replace")


def parse_sink_dump(path):
    raw = Path(path).read_bytes()
    lines = raw.split(b"\n")
    mail_from, rcpts = None, []
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.startswith(b"X-Mail-Args: "):
            mail_from = _addr(ln[len(b"X-Mail-Args: "):])
        elif ln.startswith(b"X-Rcpt-Args: "):
            rcpts.append(_addr(ln[len(b"X-Rcpt-Args: "):]))
        elif ln.startswith(b"Received: "):
            i += 1
            while i < len(lines) and lines[i].startswith(b"\t"):
                i += 1
            break
        i += 1
    content = b"\n".join(lines[i:])
    # smtp-sink ends the dump with one empty line of its own
    if content.endswith(b"\n\n"):
        content = content[:-1]
    return SinkMessage(str(path), mail_from, rcpts, content, raw)


class PostfixSink:
    """Postfix's smtp-sink on 127.0.0.1:port, one dump file per delivered message."""

    def __init__(self, port=None, extra_args=()):
        self.port = port or free_port()
        # smtp-sink drops privileges (-u) when run as root; pytest's tmp_path is 0700, so the
        # dump folder lives in a world-writable folder of its own
        self.dir = Path(tempfile.mkdtemp(prefix="sw-sink-"))
        os.chmod(self.dir, 0o777)
        self.dump = self.dir / "dump"
        self.dump.mkdir()
        os.chmod(self.dump, 0o777)
        self.log = open(self.dir / "sink.log", "wb")
        args = [SMTP_SINK]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        args += ["-t", "30", "-d", str(self.dump) + "/%M."]
        args += list(extra_args)
        args += [f"127.0.0.1:{self.port}", "100"]
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self._wait_listening()

    def _wait_listening(self):
        def ok():
            if self.proc.poll() is not None:
                raise RuntimeError("smtp-sink exited: %s" % (self.dir / "sink.log").read_text())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.settimeout(2)
                    return s.recv(100).startswith(b"220")
            except OSError:
                return False
        wait_until(ok, 10, what="smtp-sink to listen")

    def _open_files(self):
        """Paths smtp-sink has open: transactions in progress (it creates the dump file at
        RCPT and deletes it at RSET or disconnect, so an open file is no delivery)."""
        out = set()
        fd_dir = f"/proc/{self.proc.pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            return out
        for fd in fds:
            try:
                out.add(os.path.realpath(os.readlink(os.path.join(fd_dir, fd))))
            except OSError:
                pass
        return out

    def files(self):
        """Dump files of delivered messages (complete and closed)."""
        busy = self._open_files()
        return sorted(p for p in self.dump.iterdir()
                      if p.is_file() and os.path.realpath(p) not in busy)

    def messages(self):
        return [parse_sink_dump(p) for p in self.files()]

    def wait_count(self, n, timeout=10):
        wait_until(lambda: len(self.files()) >= n, timeout, what=f"{n} messages at the sink")
        time.sleep(0.05)  # the last file may still be written
        return self.messages()

    def find(self, msgid):
        return [m for m in self.messages() if m.has_msgid(msgid)]

    def wait_msgid(self, msgid, timeout=10):
        return wait_until(lambda: self.find(msgid), timeout, what=f"message {msgid} at the sink")

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()

    def cleanup(self):
        if not os.environ.get("SW_KEEP_SINK"):  # keep dumps for debugging
            shutil.rmtree(self.dir, ignore_errors=True)


class AioNextHop:
    """An aiosmtpd next hop that refuses chosen recipients (RCPT) and messages (end of data).

    reject_rcpt: {address: reply}; reject_marker: {bytes in content: reply}.
    Accepted messages are kept in .messages as (mail_from, rcpts, content)."""

    def __init__(self, reject_rcpt=None, reject_marker=None, port=None, tls_context=None):
        from aiosmtpd.controller import Controller

        self.port = port or free_port()
        self.reject_rcpt = dict(reject_rcpt or {})
        self.reject_marker = dict(reject_marker or {})
        self.messages = []
        self.tls = []  # per accepted message: did it arrive over TLS?
        self.refused = []
        hop = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in hop.reject_rcpt:
                    hop.refused.append(("rcpt", address))
                    return hop.reject_rcpt[address]
                envelope.rcpt_tos.append(address)
                return "250 2.1.5 Ok"

            async def handle_DATA(self, server, session, envelope):
                for marker, rep in hop.reject_marker.items():
                    if marker in envelope.content:
                        hop.refused.append(("data", envelope.mail_from))
                        return rep
                hop.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                     bytes(envelope.content)))
                hop.tls.append(session.ssl is not None)
                return "250 2.0.0 Ok: queued by aiosmtpd"

        kw = {"tls_context": tls_context} if tls_context is not None else {}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     ready_timeout=10, server_hostname="nexthop.test", **kw)
        self.controller.start()

    def stop(self):
        self.controller.stop()


# ---------------------------------------------------------------------------------------------
# PKI and users

def _run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, timeout=60, **kw)


def make_pki(d):
    """A CA, a server certificate (localhost, 127.0.0.1) and a client certificate, in d."""
    d = Path(d)
    d.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(["openssl", "req", "-x509", *ec, "-keyout", d / "ca.key", "-out", d / "ca.crt",
          "-days", "30", "-subj", "/O=smtpwarden tests/CN=smtpwarden test CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    certs = {}
    for name, subj, ext in (
            ("server", "/O=smtpwarden tests/CN=localhost",
             "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
             "basicConstraints=CA:FALSE\n"),
            ("client", "/O=smtpwarden tests/CN=client.example.test",
             "subjectAltName=DNS:client.example.test\nextendedKeyUsage=clientAuth\n"
             "basicConstraints=CA:FALSE\n"),
            # stands in for Exchange Online's outbound connector certificate
            ("exo", "/O=smtpwarden tests/CN=mail.protection.outlook.com",
             "subjectAltName=DNS:mail.protection.outlook.com\nextendedKeyUsage=clientAuth\n"
             "basicConstraints=CA:FALSE\n")):
        (d / f"{name}.ext").write_text(ext)
        _run(["openssl", "req", *ec, "-keyout", d / f"{name}.key", "-out", d / f"{name}.csr",
              "-subj", subj])
        _run(["openssl", "x509", "-req", "-in", d / f"{name}.csr", "-CA", d / "ca.crt",
              "-CAkey", d / "ca.key", "-CAcreateserial", "-out", d / f"{name}.crt",
              "-days", "30", "-extfile", d / f"{name}.ext"])
        certs[name] = (d / f"{name}.crt", d / f"{name}.key")
    # a self-signed client certificate the CA never issued
    _run(["openssl", "req", "-x509", *ec, "-keyout", d / "rogue.key", "-out", d / "rogue.crt",
          "-days", "30", "-subj", "/CN=rogue.example.test"])
    # the connector's name on a certificate the CA never issued
    _run(["openssl", "req", "-x509", *ec, "-keyout", d / "rogue-exo.key", "-out",
          d / "rogue-exo.crt", "-days", "30", "-subj", "/CN=mail.protection.outlook.com"])

    class PKI:
        ca = d / "ca.crt"
        server_cert, server_key = certs["server"]
        client_cert, client_key = certs["client"]
        rogue_cert, rogue_key = d / "rogue.crt", d / "rogue.key"
        exo_cert, exo_key = certs["exo"]
        rogue_exo_cert, rogue_exo_key = d / "rogue-exo.crt", d / "rogue-exo.key"
    return PKI


def cert_sha256(path):
    """The certificate's SHA-256 fingerprint as lower-case hex without colons."""
    out = _run(["openssl", "x509", "-in", str(path), "-noout", "-fingerprint", "-sha256"])
    fp = out.stdout.decode().strip().split("=", 1)[1]
    return fp.replace(":", "").lower()


def hash_password(password):
    """A users-file hash: `smtpwarden hash-password`, or crypt SHA-512 when that fails."""
    b = gateway_bin()
    if b.exists():
        try:
            r = subprocess.run([str(b), "hash-password"], input=(password + "\n").encode(),
                               capture_output=True, timeout=30)
            h = r.stdout.decode().strip().splitlines()
            if r.returncode == 0 and h and h[-1].startswith("$"):
                return h[-1]
        except (OSError, subprocess.TimeoutExpired):
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


def client_context(pki, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    if cert:
        ctx.load_cert_chain(str(cert), str(key))
    return ctx


def secret_forms(user, password):
    """The ways a password could leak into a log: as is, and in AUTH PLAIN/LOGIN base64."""
    return [password.encode(),
            base64.b64encode(f"\0{user}\0{password}".encode()),
            base64.b64encode(password.encode())]


# ---------------------------------------------------------------------------------------------
# The gateway

class Gateway:
    """One `smtpwarden gateway -c FILE` process."""

    def __init__(self, workdir, config):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.config_path = self.dir / "smtpwarden.yaml"
        self.stderr_path = self.dir / "gateway.stderr"
        self.stdout_path = self.dir / "gateway.stdout"
        self.events_path = Path(config["events"]["file"])
        self.proc = None
        self.rc = None
        self.write_config(config)

    @property
    def port(self):
        """The first listener's port."""
        return int(self.config["gateway"]["listen"][0]["address"].rsplit(":", 1)[1])

    def listener_port(self, i):
        return int(self.config["gateway"]["listen"][i]["address"].rsplit(":", 1)[1])

    def write_config(self, config=None, text=None):
        if config is not None:
            self.config = config
        tmp = self.config_path.with_suffix(".tmp")
        tmp.write_text(text if text is not None else to_yaml(self.config))
        os.replace(tmp, self.config_path)

    def start(self, ready_timeout=20):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self._err = open(self.stderr_path, "wb")
        self._out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen([str(gateway_bin()), "gateway", "-c", str(self.config_path)],
                                     stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
                                     cwd=self.dir, env=env)
        self.wait_listening(ready_timeout)
        return self

    def listening_lines(self):
        return [ln for ln in self.stderr().splitlines() if "listening on" in ln]

    def wait_listening(self, timeout=20, n=None):
        n = len(self.config["gateway"]["listen"]) if n is None else n

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("gateway exited with %s before listening; stderr:\n%s"
                                   % (self.proc.returncode, self.stderr()[-4000:]))
            return len(self.listening_lines()) >= n
        wait_until(ready, timeout, what="the gateway to log 'listening on' (stderr: %s)"
                   % self.stderr_path)

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, timeout=None):
        """SIGTERM, wait (bounded), return the exit status. Kills it if it does not exit."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            if timeout is None:
                timeout = parse_seconds(self.config["gateway"].get("drain_timeout", "10s")) + 10
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
                self.rc = "killed after %ss" % timeout
                self._close()
                return self.rc
        self.rc = self.proc.returncode
        self._close()
        return self.rc

    def wait_exit(self, timeout):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self.rc = self.proc.returncode
        return self.rc

    def _close(self):
        for f in (getattr(self, "_err", None), getattr(self, "_out", None)):
            if f and not f.closed:
                f.close()

    def leftover_processes(self):
        """PIDs still running with this gateway's config file on their command line (workers
        that outlived the master)."""
        needle = str(self.config_path).encode()
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/cmdline", "rb") as f:
                    if needle in f.read():
                        out.append(int(d))
            except OSError:
                pass
        return out

    def sanitizer_reports(self):
        err = self.stderr()
        return [m for m in SANITIZER_MARKERS if m in err]

    def events(self):
        try:
            data = self.events_path.read_bytes()
        except FileNotFoundError:
            return []
        out = []
        lines = data.split(b"\n")
        for i, ln in enumerate(lines):
            ln = ln.strip()
            if not ln:
                continue
            if i == len(lines) - 1:
                continue  # no newline yet: a line being written right now
            try:
                out.append(json.loads(ln))
            except ValueError:
                raise AssertionError("events file has a line that is not JSON: %r" % ln[:300])
        return out

    def wait_event(self, pred, timeout=10, what="event"):
        def find():
            for e in self.events():
                if pred(e):
                    return e
            return None
        try:
            return wait_until(find, timeout, what=what)
        except TimeoutError:
            raise AssertionError("no %s within %ss; events so far:\n%s" % (
                what, timeout, "\n".join(json.dumps(e) for e in self.events()[-20:])))

    def txn_event(self, client_port, txn=None, timeout=10):
        return self.wait_event(
            lambda e: e.get("event") == "transaction" and e.get("client_port") == client_port
            and (txn is None or e.get("txn") == txn),
            timeout, what=f"transaction event for client port {client_port}")

    def conn_event(self, client_port, timeout=10):
        return self.wait_event(
            lambda e: e.get("event") == "connection" and e.get("client_port") == client_port,
            timeout, what=f"connection event for client port {client_port}")


def parse_seconds(v):
    if isinstance(v, (int, float)):
        return float(v)
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", str(v))
    n = float(m.group(1))
    return n * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]


# ---------------------------------------------------------------------------------------------
# A local DNS server

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"


def free_udp_tcp_port():
    """A port on 127.0.0.1 free for both UDP and TCP (dnsmasq listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free UDP+TCP port")


def dns_answers(port, name):
    """True when something on 127.0.0.1:port answers a TXT query for name."""
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    q += struct.pack(">HH", 16, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        try:
            s.sendto(q, ("127.0.0.1", port))
            reply = s.recv(4096)
        except OSError:
            return False
    return reply[:2] == b"\x42\x42"


@contextlib.contextmanager
def dnsmasq(local_zone, records, probe):
    """dnsmasq authoritative for local_zone on a free loopback port, with extra arguments
    `records` (e.g. "--txt-record=name,text"); yields "127.0.0.1:PORT" once `probe` (a TXT
    name) is answered; stopped by PID. Skips the test when dnsmasq is not installed."""
    import pytest
    if not os.path.exists(DNSMASQ):
        pytest.skip("dnsmasq is not installed (apt-get install dnsmasq)")
    port = free_udp_tcp_port()
    args = [DNSMASQ, "--keep-in-foreground", "--no-daemon", "--no-resolv", "--no-hosts",
            "--conf-file=/dev/null", "--pid-file=", "--log-facility=-", f"--port={port}",
            "--listen-address=127.0.0.1", "--bind-interfaces", f"--local=/{local_zone}/",
            *records]
    if os.geteuid() == 0:
        args.append("--user=root")  # else dnsmasq drops to a 'dnsmasq' user that may not exist
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: proc.poll() is not None or dns_answers(port, probe), 10,
                   what="dnsmasq to answer")
        if proc.poll() is not None:
            pytest.fail("dnsmasq exited with %r: %s" % (proc.returncode,
                                                         proc.stderr.read().decode()[-2000:]))
        yield f"127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        proc.stderr.close()
