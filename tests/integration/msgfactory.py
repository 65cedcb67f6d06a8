"""Messages with known planted values, for `smtpwarden scan` tests: every encoding a DLP
engine must see through (base64, quoted-printable, nested multiparts, attached messages,
zip, nested zip, docx, EUC-KR text, HTML) built with Python's email package and zipfile.

Planted values are valid by construction (Luhn, RRN checksum, IBAN mod 97) so that a count
the test expects is exactly the number of values planted."""

import io
import zipfile
from email.message import EmailMessage
from email import encoders
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP

# Published test card numbers (brand test ranges, Luhn-valid).
CARDS = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005"]
# Luhn-invalid look-alikes: each differs from a valid number in its last digit.
BAD_CARDS = ["4111 1111 1111 1112", "5555-5555-5555-4445", "6011111111111118"]
IBAN = "DE89370400440532013000"
AWS_KEY = "AKIAQ3EGRJ7YV2MXPK4N"


def rrn(yymmdd, gender, serial5):
    """A Korean resident registration number with a valid check digit."""
    digits = "%s%d%s" % (yymmdd, gender, serial5)
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = sum(int(d) * w for d, w in zip(digits, weights))
    check = (11 - s % 11) % 10
    return "%s-%d%s%d" % (yymmdd, gender, serial5, check)


RRNS = [rrn("900101", 1, "23456"), rrn("850615", 2, "10203")]

CLEAN_NUMBERS = """Order 2024-11-05 #88231 shipped; invoice 4410-2231-0098 (net 30).
Tracking 1Z999AA10123456784, ISBN 978-3-16-148410-0, build 10.4.17.2231.
Call +1 (555) 010-4477 or extension 4411. Meeting at 10:45, room 1101.
Reference numbers: 1234567812345678 9876543210987654 4111111111111112.
Unix time 1700000000123, part no. 000-00-0000, batch 991301-9999999.
"""


def text_message(body, subject="report", charset="utf-8", cte=None, sender="alice@example.com",
                 to="bob@example.net"):
    m = MIMEText(body, "plain", charset)
    if cte is not None:
        del m["Content-Transfer-Encoding"]
        m.set_payload(body.encode(charset) if isinstance(body, str) else body)
        if cte == "base64":
            encoders.encode_base64(m)
        elif cte == "quoted-printable":
            encoders.encode_quopri(m)
    m["Subject"] = subject
    m["From"] = sender
    m["To"] = to
    m["Message-ID"] = "<t-%d@example.com>" % abs(hash(subject + str(len(body))))
    return m.as_bytes(policy=SMTP)


def zip_bytes(files, password=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def docx_bytes(paragraphs):
    """A minimal Word document: each paragraph's text split over two runs."""
    body = ""
    for p in paragraphs:
        half = len(p) // 2
        body += ('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r>'
                 '<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>') % (p[:half], p[half:])
    document = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body>%s</w:body></w:document>") % body
    ctypes = ('<?xml version="1.0" encoding="UTF-8"?>'
              '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
              '<Default Extension="xml" ContentType="application/xml"/>'
              '<Override PartName="/word/document.xml" ContentType="application/'
              'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    return zip_bytes({"[Content_Types].xml": ctypes, "_rels/.rels": rels,
                      "word/document.xml": document})


def with_attachments(text, attachments, subject="files", sender="alice@example.com",
                     to="bob@example.net"):
    """attachments: list of (filename, bytes, maintype/subtype)."""
    m = MIMEMultipart("mixed")
    m["Subject"] = subject
    m["From"] = sender
    m["To"] = to
    m.attach(MIMEText(text, "plain", "utf-8"))
    for name, data, ctype in attachments:
        main, sub = ctype.split("/")
        if main == "text":
            part = MIMEText(data.decode() if isinstance(data, bytes) else data, sub, "utf-8")
        else:
            part = MIMEBase(main, sub)
            part.set_payload(data)
            encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=name)
        m.attach(part)
    return m.as_bytes(policy=SMTP)


def nested(inner_text):
    """multipart/mixed > multipart/alternative (text + html) and an attached message whose
    body is base64 text."""
    outer = MIMEMultipart("mixed")
    outer["Subject"] = "nested"
    outer["From"] = "alice@example.com"
    outer["To"] = "bob@example.net"
    alt = MIMEMultipart("alternative")
    alt.attach(MIMEText("see the html part", "plain"))
    alt.attach(MIMEText("<html><body><p>card <b>%s</b></p></body></html>" % CARDS[0], "html"))
    outer.attach(alt)
    inner = EmailMessage()
    inner["Subject"] = "forwarded"
    inner.set_content(inner_text, cte="base64")
    outer.attach(MIMEMessage(inner))
    return outer.as_bytes(policy=SMTP)


def html_only(html):
    m = MIMEText(html, "html", "utf-8")
    m["Subject"] = "html"
    m["From"] = "alice@example.com"
    m["To"] = "bob@example.net"
    return m.as_bytes(policy=SMTP)
