"""`smtpwarden scan`: the content engine over message files. Messages are generated with
known planted values (msgfactory.py) in every encoding, so each test expects exact counts;
the corpus messages of ../shared/corpus must all scan without an error."""

import hashlib
import json
import os
import struct
import subprocess
import zipfile
import io
from pathlib import Path

import pytest

import msgfactory as mf
import swtest

SHARED = Path(os.environ.get("SW_SHARED_DIR", swtest.REPO.parent / "shared"))

# Detector ids (stable, listed by `smtpwarden scan --list-detectors`)
CARD = "card"
RRN = "kr_rrn"
IBAN = "iban"
AWS = "secret.aws_key"


def scan(binary, *args, stdin=None, check_rc=None):
    p = subprocess.run([str(binary), "scan", "--no-progress", *map(str, args)], input=stdin,
                       capture_output=True, timeout=120)
    assert b"ERROR: AddressSanitizer" not in p.stderr, p.stderr.decode(errors="replace")
    assert b"runtime error" not in p.stderr, p.stderr.decode(errors="replace")
    if check_rc is not None:
        assert p.returncode == check_rc, (p.returncode, p.stdout, p.stderr)
    return p


def scan_json(binary, *args, stdin=None, check_rc=None):
    p = scan(binary, "--json", *args, stdin=stdin, check_rc=check_rc)
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()], p


def one(binary, tmp_path, data, *args, check_rc=None):
    f = tmp_path / "m.eml"
    f.write_bytes(data)
    reports, p = scan_json(binary, *args, f, check_rc=check_rc)
    assert len(reports) == 1, p.stdout
    return reports[0]


def count(report, detector, location=None):
    return sum(f["count"] for f in report["findings"] if f["detector"] == detector and
               (location is None or f["location"] == location))


def findings_of(report, detector):
    return [f for f in report["findings"] if f["detector"] == detector]


def test_help_and_list(binary):
    p = scan(binary, "--help", check_rc=0)
    assert b"usage: smtpwarden scan" in p.stdout
    p = scan(binary, "--list-detectors", check_rc=0)
    ids = [line.split()[0] for line in p.stdout.decode().splitlines()[1:]]
    for d in (CARD, RRN, IBAN, AWS, "infostealer.subject", "attachment.encrypted"):
        assert d in ids


def test_clean_text_full_of_numbers_has_no_findings(binary, tmp_path):
    r = one(binary, tmp_path, mf.text_message(mf.CLEAN_NUMBERS * 20), check_rc=0)
    assert r["findings"] == []
    assert r["verdict"] == "accept"


@pytest.mark.parametrize("cte", [None, "base64", "quoted-printable"])
def test_cards_in_every_transfer_encoding(binary, tmp_path, cte):
    body = "Please charge:\n" + "\n".join(mf.CARDS) + "\nand not " + ", ".join(mf.BAD_CARDS)
    r = one(binary, tmp_path, mf.text_message(body, cte=cte), check_rc=1)
    assert count(r, CARD) == 3
    assert r["verdict"] == "tag"
    for f in findings_of(r, CARD):
        assert f["part"] and f["location"] == "body"
        # redacted: the last four digits at most
        assert "4111 1111" not in f["sample"] and "55555555" not in f["sample"]


def test_nested_html_and_attached_message(binary, tmp_path):
    r = one(binary, tmp_path, mf.nested("ids: %s and %s\n" % tuple(mf.RRNS)), check_rc=1)
    assert count(r, CARD) == 1  # in the HTML part, between tags
    assert count(r, RRN) == 2   # base64 body of the attached message
    html = findings_of(r, CARD)[0]
    rrn = findings_of(r, RRN)[0]
    assert html["part"] != rrn["part"]
    assert r["parts"] >= 6


def test_zip_and_nested_zip_entries(binary, tmp_path):
    cards = "\n".join(mf.CARDS[:2]) + "\n"
    inner = mf.zip_bytes({"deep/cards.txt": cards})
    outer = mf.zip_bytes({"cards.txt": cards, "inner.zip": inner})
    msg = mf.with_attachments("see attached", [("export.zip", outer, "application/zip")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert count(r, CARD, "export.zip/cards.txt") == 2
    assert count(r, CARD, "export.zip/inner.zip/deep/cards.txt") == 2
    paths = {a["path"]: a for a in r["attachments"]}
    assert paths["export.zip"]["kind"] == "zip"
    assert paths["export.zip"]["sha256"] == hashlib.sha256(outer).hexdigest()
    assert paths["export.zip"]["size"] == len(outer)
    entry = paths["export.zip/cards.txt"]
    assert entry["depth"] == 1 and entry["sha256"] == hashlib.sha256(cards.encode()).hexdigest()
    assert paths["export.zip/inner.zip/deep/cards.txt"]["depth"] == 2


def test_docx_text_split_across_runs(binary, tmp_path):
    doc = mf.docx_bytes(["Customer %s" % mf.RRNS[0], "IBAN %s" % mf.IBAN])
    msg = mf.with_attachments("contract", [(
        "contract.docx", doc,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert count(r, RRN) == 1
    assert count(r, IBAN) == 1
    att = [a for a in r["attachments"] if a["depth"] == 0][0]
    assert att["kind"] == "docx" and att["name"] == "contract.docx"


def test_euc_kr_text_and_context_word(binary, tmp_path):
    with_ctx = "고객 주민등록번호: %s 입니다.\n" % mf.RRNS[0]
    without = "참고 번호 %s\n" % mf.RRNS[1]
    r = one(binary, tmp_path, mf.text_message(with_ctx + "\n" * 5 + "가" * 200 + "\n" + without,
                                              charset="euc-kr", cte="base64"), check_rc=1)
    rr = findings_of(r, RRN)
    assert sum(f["count"] for f in rr) == 2
    assert any(f["context"] for f in rr)
    assert r["verdict"] in ("tag", "quarantine")


def pdf_bytes(pages):
    """A PDF written by reportlab (content streams Flate-compressed, then ASCII85 as reportlab
    does by default): pages of (font, lines).
    "DejaVu" is DejaVuSans, which reportlab embeds as a subset with a ToUnicode CMap; other
    names are PDF base fonts (WinAnsi text, nothing embedded)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    out = io.BytesIO()
    c = canvas.Canvas(out, pageCompression=1)
    for font, lines in pages:
        t = c.beginText(72, 720)
        t.setFont(font, 12)
        for line in lines:
            t.textLine(line)
        c.drawText(t)
        c.showPage()
    c.save()
    return out.getvalue()


def test_pdf_text_base_font_and_embedded_korean_font(binary, tmp_path):
    """The text of a PDF is inspected, the attachment (or archive entry) path as location: a
    card number on a Helvetica page, a resident registration number with its context word on a
    page in an embedded TrueType subset, whose codes mean something only through ToUnicode."""
    pdf = pdf_bytes([("Helvetica", ["Statement for card %s" % mf.CARDS[0], "Thank you."]),
                     ("DejaVu", ["고객 주민등록번호: %s" % mf.RRNS[0], "감사합니다."])])
    assert b"/ToUnicode" in pdf and b"/ASCII85Decode /FlateDecode" in pdf
    msg = mf.with_attachments("statement attached", [
        ("statement.pdf", pdf, "application/pdf"),
        ("archive.zip", mf.zip_bytes({"2024/statement.pdf": pdf}), "application/zip")])
    r = one(binary, tmp_path, msg, check_rc=1)
    found = sorted((f["detector"], f["location"], f["count"]) for f in r["findings"])
    assert found == [(CARD, "archive.zip/2024/statement.pdf", 1), (CARD, "statement.pdf", 1),
                     (RRN, "archive.zip/2024/statement.pdf", 1), (RRN, "statement.pdf", 1)]
    assert all(f["context"] for f in findings_of(r, RRN))
    atts = {a["path"]: a for a in r["attachments"]}
    assert atts["statement.pdf"]["name"] == "statement.pdf"
    assert atts["statement.pdf"]["kind"] == "pdf" and not atts["statement.pdf"]["encrypted"]
    assert atts["archive.zip/2024/statement.pdf"]["kind"] == "pdf"
    assert r["anomalies"] == []


def test_mbox_with_quoted_from_lines(binary, tmp_path):
    msgs = [mf.text_message("hello %d\n>From the start\n" % i, subject="m%d" % i) for i in range(3)]
    msgs[1] = mf.text_message("card %s\n" % mf.CARDS[0], subject="m1")
    mbox = b""
    for m in msgs:
        mbox += b"From alice@example.com Sat Nov 21 10:00:00 2026\n" + \
            m.replace(b"\r\n", b"\n") + b"\n"
    f = tmp_path / "box.mbox"
    f.write_bytes(mbox)
    reports, p = scan_json(binary, f, check_rc=1)
    assert [r["message"] for r in reports] == [1, 2, 3]
    assert [r["subject"] for r in reports] == ["m0", "m1", "m2"]
    assert [count(r, CARD) for r in reports] == [0, 1, 0]
    assert b"3 messages in 1 file" in p.stderr


def test_snake_keylogger_shape_is_quarantined(binary, tmp_path):
    dump = ("PC Name: DESKTOP-7Q2LM0X\nDate and Time: 11/21/2026 10:02:11\n"
            "IP Address: 203.0.113.45\n\nS--N--A--K--E\n\n"
            "URL: https://login.example.org/\nUsername: j.doe@example.org\nPassword: hunter2!\n\n"
            "URL: https://bank.example.com/\nUsername: jdoe\nPassword: S3cret-99\n")
    msg = mf.with_attachments(dump, [("Passwords.txt", dump.encode(), "text/plain")],
                              subject="Pc Name: DESKTOP-7Q2LM0X | Snake Keylogger",
                              sender="drop@example.net", to="drop@example.net")
    r = one(binary, tmp_path, msg, check_rc=1)
    assert r["verdict"] == "quarantine"
    ids = {f["detector"] for f in r["findings"]}
    for d in ("infostealer.subject", "infostealer.banner", "infostealer.attachment_name",
              "infostealer.self_addressed", "infostealer.shape"):
        assert d in ids, ids
    # the passwords themselves never appear in the report
    assert b"hunter2" not in json.dumps(r).encode() and b"S3cret-99" not in json.dumps(r).encode()


def test_encrypted_zip_is_reported(binary, tmp_path):
    z = bytearray(mf.zip_bytes({"secret.txt": "x" * 100}))
    # mark the entry encrypted (general purpose flag bit 0) in the local and central headers
    lh = z.find(b"PK\x03\x04")
    ch = z.find(b"PK\x01\x02")
    for off in (lh + 6, ch + 8):
        flags = struct.unpack_from("<H", z, off)[0]
        struct.pack_into("<H", z, off, flags | 1)
    msg = mf.with_attachments("as agreed", [("backup.zip", bytes(z), "application/zip")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert count(r, "attachment.encrypted") >= 1
    assert any(a["encrypted"] for a in r["attachments"])


def test_type_mismatch_executable_sent_as_text(binary, tmp_path):
    exe = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 200
    msg = mf.with_attachments("invoice", [("invoice.txt", exe, "image/png")])
    r = one(binary, tmp_path, msg)
    att = [a for a in r["attachments"] if a["name"] == "invoice.txt"][0]
    assert att["kind"] == "pe" and att["type_mismatch"]
    assert "attachment_type_mismatch" in r["anomalies"]


def write_config(tmp_path, text):
    base = swtest.REPO / "docs" / "smtpwarden.example.yaml"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(base.read_text().split("\ndlp:\n")[0] + "\n" + text)
    return cfg


def test_rules_custom_detectors_and_check_config(binary, tmp_path):
    csv = tmp_path / "customers.csv"
    csv.write_text("name,rrn,phone\nHong Gildong,%s,010-1234-5678\nKim Minji,%s,010-9876-5432\n"
                   % tuple(mf.RRNS))
    cfg = write_config(tmp_path, """dlp:
  detectors:
    - id: projects
      keywords: [Project Nightingale]
    - id: employee
      regex: ['EMP-[0-9]{6}']
    - id: customers
      edm: customers.csv
      primary: rrn
      min_cells: 2
  rules:
    - detector: card
      min_count: 2
      action: reject
    - detector: custom
      action: quarantine
""")
    assert subprocess.run([str(binary), "check-config", str(cfg)], capture_output=True).returncode == 0
    body = ("Project nightingale update for EMP-123456 and EMP-654321.\n"
            "Customer Hong Gildong, %s, 010-1234-5678\n" % mf.RRNS[0])
    r = one(binary, tmp_path, mf.text_message(body), "-c", cfg, check_rc=1)
    assert count(r, "custom.projects") == 1
    assert count(r, "custom.employee") == 2
    assert count(r, "custom.customers") == 1
    assert r["verdict"] == "quarantine"
    r = one(binary, tmp_path, mf.text_message("\n".join(mf.CARDS)), "-c", cfg, check_rc=1)
    assert r["verdict"] == "reject" and "card" in r["reason"]

    bad = write_config(tmp_path, "dlp:\n  rules:\n    - detector: cardz\n      action: tag\n")
    p = subprocess.run([str(binary), "check-config", str(bad)], capture_output=True)
    assert p.returncode == 1 and b"cardz" in p.stderr
    bad = write_config(tmp_path, "dlp:\n  detectors:\n    - id: broken\n      regex: ['(a']\n")
    p = subprocess.run([str(binary), "check-config", str(bad)], capture_output=True)
    assert p.returncode == 1 and b"broken" in p.stderr


def test_errors_exit_2_and_the_rest_is_still_scanned(binary, tmp_path):
    good = tmp_path / "a.eml"
    good.write_bytes(mf.text_message("hello"))
    reports, p = scan_json(binary, tmp_path / "missing.eml", good, check_rc=2)
    assert len(reports) == 1
    assert b"missing.eml" in p.stderr


def test_stdin_and_folder(binary, tmp_path):
    reports, _ = scan_json(binary, "-", stdin=mf.text_message("card " + mf.CARDS[0]), check_rc=1)
    assert count(reports[0], CARD) == 1
    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "b.eml").write_bytes(mf.text_message("plain"))
    (d / "sub" / "a.eml").write_bytes(mf.text_message("card " + mf.CARDS[1]))
    reports, _ = scan_json(binary, d, check_rc=1)
    assert [Path(r["file"]).name for r in reports] == ["b.eml", "a.eml"]


def test_text_output_is_readable(binary, tmp_path):
    f = tmp_path / "m.eml"
    f.write_bytes(mf.text_message("card " + mf.CARDS[0], subject="pay"))
    p = scan(binary, f, check_rc=1)
    out = p.stdout.decode()
    assert out.startswith("%s: tag  subject \"pay\"" % f)
    assert "finding" in out and CARD in out and "1111" in out


@pytest.mark.parametrize("folder", ["stalwart-mail-parser", "python-email", "gmime"])
def test_corpus_messages_scan_without_errors(binary, folder):
    root = SHARED / "corpus" / folder
    files = sorted(p for p in root.rglob("*") if p.suffix in (".eml", ".txt", ".msg") and
                   p.is_file() and p.name != "README.txt")
    if not files:
        pytest.skip("no messages in %s" % root)
    reports, p = scan_json(binary, *files)
    assert p.returncode in (0, 1), p.stderr
    assert len(reports) == len(files)
    for r in reports:
        assert r["verdict"] in ("accept", "tag", "quarantine", "reject")


def test_default_rules_leave_a_signature_alone(binary, tmp_path):
    sig = "Regards,\nKim\nTel 010-1234-5678 / 02-345-6789\n"
    r = one(binary, tmp_path, mf.text_message(sig), check_rc=0)
    assert count(r, "kr_phone") == 2 and r["verdict"] == "accept"
    bulk = "".join("member %d: 010-%04d-%04d\n" % (i, 2000 + i, 3000 + i) for i in range(25))
    r = one(binary, tmp_path, mf.text_message(bulk), check_rc=1)
    assert count(r, "kr_phone") == 25 and r["verdict"] == "tag"


def test_a_config_for_scanning_alone_needs_no_gateway(binary, tmp_path):
    cfg = tmp_path / "dlp.yaml"
    cfg.write_text("dlp:\n  rules: [{ detector: card, action: reject }]\n")
    p = subprocess.run([str(binary), "check-config", str(cfg)], capture_output=True)
    assert p.returncode == 0 and b"no 'gateway' section" in p.stderr
    r = one(binary, tmp_path, mf.text_message(mf.CARDS[0]), "-c", cfg, check_rc=1)
    assert r["verdict"] == "reject"
    # the gateway itself refuses such a file, saying why
    p = subprocess.run([str(binary), "gateway", "-c", str(cfg)], capture_output=True, timeout=30)
    assert p.returncode != 0 and b"no 'gateway' section" in p.stderr


def test_large_attachments_are_streamed_or_opened_by_type(binary, tmp_path):
    """Past the first 4 KB an attachment is held whole only when it must be opened (an
    archive); text is inspected as it streams, other binaries are only hashed: the findings,
    sizes and hashes are the same either way."""
    text = ("lorem ipsum dolor sit amet %d\n" * 4000 % tuple(range(4000))) + mf.CARDS[0] + "\n"
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(200000)
    big_zip = mf.zip_bytes({"noise.bin": os.urandom(50000).hex(), "cards.txt": mf.CARDS[1]})
    msg = mf.with_attachments("three files", [("notes.txt", text.encode(), "text/plain"),
                                              ("photo.png", png, "image/png"),
                                              ("export.zip", big_zip, "application/zip")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert count(r, CARD, "notes.txt") == 1
    assert count(r, CARD, "export.zip/cards.txt") == 1
    atts = {a["path"]: a for a in r["attachments"]}
    assert atts["photo.png"]["kind"] == "png"
    assert atts["photo.png"]["sha256"] == hashlib.sha256(png).hexdigest()
    assert atts["photo.png"]["size"] == len(png)
    assert atts["notes.txt"]["size"] == len(text.encode())
    assert atts["export.zip"]["sha256"] == hashlib.sha256(big_zip).hexdigest()
    assert "export.zip/noise.bin" in atts


def test_bytes_that_are_not_utf8_never_drop_a_field(binary, tmp_path):
    """A raw 8-bit subject and file name (not UTF-8) come out replaced, not missing."""
    msg = (b"From: a@example.com\r\nTo: b@example.net\r\nSubject: caf\xff report\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
           b"--b\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Disposition: attachment; filename=\"d\xfe\xffta.txt\"\r\n\r\n"
           + mf.CARDS[0].encode() + b"\r\n--b--\r\n")
    r = one(binary, tmp_path, msg, check_rc=1)
    assert r["subject"].startswith("caf") and r["subject"].endswith("report")
    names = [a["name"] for a in r["attachments"]]
    assert len(names) == 1 and names[0].startswith("d") and names[0].endswith("ta.txt")
    assert count(r, CARD) == 1
