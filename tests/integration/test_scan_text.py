"""`smtpwarden scan` on text attachments written the ways exports and pages are written: UTF-16
with and without a byte order mark, a declared legacy charset (EUC-KR), HTML pages (values
split by tags and character references), each small (decided at the end of the part) and
large (past the 4 KB the engine decides on, then streamed), and inside a zip. Every planted
value must be found exactly once, at the attachment's path."""

from email import encoders
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP

import pytest

import msgfactory as mf
from test_scan import CARD, RRN, count, findings_of, one

FILLER = "".join("row %05d,pending,ok\n" % i for i in range(400))  # ~8 KB of clean rows


def message(name, data, ctype, charset=None):
    """One attachment with these exact bytes (base64), declared as ctype[; charset]."""
    m = MIMEMultipart("mixed")
    m["Subject"] = "export"
    m["From"] = "alice@example.com"
    m["To"] = "bob@example.net"
    m.attach(MIMEText("see attached", "plain", "utf-8"))
    main, sub = ctype.split("/")
    part = MIMEBase(main, sub)
    if charset:
        part.set_param("charset", charset)
    part.set_payload(data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=name)
    m.attach(part)
    return m.as_bytes(policy=SMTP)


def csv_text(big):
    rows = "name,card,id\r\n김철수,%s,%s\r\n이영희,%s,x\r\n" % (mf.CARDS[0], mf.RRNS[0], mf.CARDS[1])
    return rows + (FILLER if big else "")


@pytest.mark.parametrize("big", [False, True], ids=["small", "large"])
def test_utf16_exports_with_and_without_a_mark(binary, tmp_path, big):
    """With a mark, declared without one, and neither marked nor declared (an export sent as
    application/octet-stream: taken for UTF-16 by the shape of its bytes)."""
    text = csv_text(big)
    for name, data, charset in [("bom.csv", b"\xff\xfe" + text.encode("utf-16-le"), None),
                                ("be.csv", b"\xfe\xff" + text.encode("utf-16-be"), None),
                                ("nobom.csv", text.encode("utf-16-le"), "utf-16"),
                                ("bare.csv", text.encode("utf-16-le"), None)]:
        ctype = "application/octet-stream" if name == "bare.csv" else "text/plain"
        r = one(binary, tmp_path, message(name, data, ctype, charset), check_rc=1)
        assert count(r, CARD, name) == 2, (name, r["findings"])
        assert count(r, RRN, name) == 1, (name, r["findings"])


@pytest.mark.parametrize("big", [False, True], ids=["small", "large"])
def test_declared_euc_kr_attachment_keeps_its_context_word(binary, tmp_path, big):
    text = ("고객 주민등록번호: %s\n" % mf.RRNS[1]) + (FILLER if big else "")
    r = one(binary, tmp_path, message("list.txt", text.encode("euc-kr"), "text/plain", "euc-kr"),
            check_rc=1)
    rr = findings_of(r, RRN)
    assert sum(f["count"] for f in rr) == 1
    assert rr[0]["location"] == "list.txt"
    assert rr[0]["context"], rr  # the Korean context word was read as Korean


PAGE = ("<html><head><style>.x{color:red}</style><script>var n = 1;</script></head><body>"
        "<h1>Statement</h1><table><tr><td>카드번호</td>"
        "<td>4111&#32;1111<span> 1111 </span>1111</td></tr>"
        "<tr><td>IBAN</td><td>%s</td></tr></table>%s</body></html>")


@pytest.mark.parametrize("big", [False, True], ids=["small", "large"])
def test_html_attachment_is_read_as_its_text(binary, tmp_path, big):
    page = PAGE % (mf.IBAN, "<p>%s</p>" % FILLER.replace("\n", "<br>") if big else "")
    r = one(binary, tmp_path, message("statement.html", page.encode(), "text/html", "utf-8"),
            check_rc=1)
    # the card is split by a character reference and a tag: only the page's text shows it
    assert count(r, CARD, "statement.html") == 1, r["findings"]
    assert count(r, "iban", "statement.html") == 1, r["findings"]
    att = [a for a in r["attachments"] if a["path"] == "statement.html"][0]
    assert att["kind"] == "html"


def test_html_and_utf16_inside_a_zip(binary, tmp_path):
    z = mf.zip_bytes({"page.html": PAGE % (mf.IBAN, ""),
                      "export.csv": b"\xff\xfe" + csv_text(False).encode("utf-16-le")})
    r = one(binary, tmp_path, mf.with_attachments("zipped", [("out.zip", z, "application/zip")]),
            check_rc=1)
    assert count(r, CARD, "out.zip/page.html") == 1, r["findings"]
    assert count(r, CARD, "out.zip/export.csv") == 2, r["findings"]
    assert count(r, RRN, "out.zip/export.csv") == 1, r["findings"]
