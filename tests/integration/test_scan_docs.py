"""`smtpwarden scan` on OpenDocument and RTF attachments: an .odt built as LibreOffice writes
it (`mimetype` stored first, content.xml, a manifest), an .ods with a card number typed as a
number, and an .rtf written the way Word writes Korean (`\\ansicpg949`, `\\'hh` escapes,
`\\uN?` escapes), each attached and inside a zip. Every planted value must be found exactly
once, at the attachment's (or entry's) path, the resident registration numbers with their
context word."""

import io
import zipfile

import msgfactory as mf
from test_scan import CARD, RRN, count, findings_of, one

ODF = "application/vnd.oasis.opendocument."
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/"')
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
            ' manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="%s"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml">%s</manifest:file-entry></manifest:manifest>')
ENCRYPTION = ('<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:'
              'xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm '
              'manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
              'manifest:initialisation-vector="AAAA"/></manifest:encryption-data>')


def odf_bytes(kind, body, encrypted=False):
    """A package as LibreOffice writes it: `mimetype` first and stored, the rest deflated."""
    mime = ODF + kind
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mime, compress_type=zipfile.ZIP_STORED)
        content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content %s '
                   'office:version="1.3"><office:body>%s</office:body></office:document-content>'
                   % (NS, body))
        z.writestr("content.xml", bytes(b ^ 0x5A for b in content.encode()) if encrypted
                   else content)
        z.writestr("META-INF/manifest.xml", MANIFEST % (mime, ENCRYPTION if encrypted else ""))
    return out.getvalue()


def odt_bytes(encrypted=False):
    """The card split by a text:s and a span; the RRN in a table cell beside its context
    word; an annotation whose author is not text."""
    card = mf.CARDS[0].split(" ")
    return odf_bytes("text", (
        '<office:text><text:h text:outline-level="1">고객 정보</text:h>'
        '<text:p>카드번호:<text:s/>%s<text:s/><text:span>%s</text:span> %s %s'
        '<office:annotation><dc:creator>Kim</dc:creator><text:p>확인 필요</text:p>'
        '</office:annotation></text:p>'
        '<table:table><table:table-row><table:table-cell><text:p>주민등록번호</text:p>'
        '</table:table-cell><table:table-cell><text:p>%s</text:p></table:table-cell>'
        '</table:table-row></table:table></office:text>') % (*card, mf.RRNS[0]), encrypted)


def u_escapes(text):
    """Word's \\uN? escapes: signed 16-bit code units, "?" for the one fallback byte."""
    return "".join(c if ord(c) < 128 else "\\u%d?" % (ord(c) - 65536 if ord(c) > 32767
                                                      else ord(c)) for c in text)


def hex_escapes(text):
    """\\'hh escapes of the CP949 bytes, as Word writes text of the document's code page."""
    return "".join(c if ord(c) < 128 else "".join("\\'%02x" % b for b in c.encode("cp949"))
                   for c in text)


def rtf_bytes():
    """Word's header for a Korean document (font table with a fcharset129 font named in
    CP949, colour table, stylesheet, generator, info, theme data), the first RRN's context word
    in \\'hh escapes, the second's in \\uN? escapes, the card in a table cell."""
    return ("{\\rtf1\\adeflang1025\\ansi\\ansicpg949\\uc1\\adeff31507\\deff0\\stshfdbch31505"
            "\\deflang1033\\deflangfe1042{\\fonttbl{\\f0\\fbidi \\froman\\fcharset0\\fprq2"
            "{\\*\\panose 02020603050405020304}Times New Roman;}"
            "{\\f13\\fbidi \\fnil\\fcharset129\\fprq2{\\*\\panose 02030600000101010101}"
            + hex_escapes("바탕") + "{\\*\\falt Batang};}"
            "{\\fdbminor\\f31505\\fbidi \\froman\\fcharset129\\fprq2 " + hex_escapes("바탕")
            + ";}{\\fminor\\f31506\\fbidi \\froman\\fcharset0\\fprq2 Calibri;}}\n"
            "{\\colortbl;\\red0\\green0\\blue0;\\red0\\green0\\blue255;}\n"
            "{\\stylesheet{\\ql \\li0\\ri0\\widctlpar\\wrapdefault\\rtlch\\fcs1 \\af31507 "
            "\\ltrch\\fcs0 \\fs22\\lang1033\\langfe1042\\loch\\f31506\\hich\\af31506\\dbch\\af31505"
            " \\snext0 Normal;}}\n"
            "{\\*\\generator Microsoft Word 16.0;}{\\info{\\title 4111}{\\author Kim}"
            "{\\creatim\\yr2024\\mo1\\dy2}}\n"
            "{\\*\\themedata 504b030414000600080000002100e9de0fbfff000000}\n"
            "\\pard\\plain \\ltrpar\\ql \\rtlch\\fcs1 \\af31507\\afs22 \\ltrch\\fcs0 "
            "\\fs22\\lang1033\\langfe1042\\loch\\af31506\\hich\\af31506\\dbch\\af31505 "
            "{\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\f13\\insrsid1 "
            + hex_escapes("고객 주민등록번호: ") + "%s}{\\insrsid1 \\par }\n"
            "{\\rtlch\\fcs1 \\af31507 \\ltrch\\fcs0 \\insrsid1 \\hich\\af31506\\dbch\\af31505"
            "\\loch\\f31506 " + u_escapes("배우자 주민등록번호: ") + "%s\\par }\n"
            "\\trowd \\cellx4000\\cellx8000\\pard\\intbl {" + u_escapes("카드번호")
            + "\\cell %s\\cell }\\row\n"
            "{\\pict\\pngblip\\picw10\\pich10 89504e470d0a1a0a0000000d49484452}\n"
            "{\\object\\objemb{\\*\\objclass Excel.Sheet.12}{\\*\\objdata 0105000002000000}"
            "{\\result {\\insrsid1 chart}}}\\par }\n"
            ) % (mf.RRNS[0], mf.RRNS[1], mf.CARDS[0])


def findings(r):
    return sorted((f["detector"], f["location"], f["count"]) for f in r["findings"]
                  if f["detector"] in (CARD, RRN))


def kinds(r):
    return {a["path"]: a["kind"] for a in r["attachments"]}


def test_odt_and_rtf_attached_and_zipped(binary, tmp_path):
    odt, rtf = odt_bytes(), rtf_bytes().encode("ascii")
    both = mf.zip_bytes({"docs/customer.odt": odt, "docs/customer.rtf": rtf})
    msg = mf.with_attachments("customer files", [
        ("customer.odt", odt, ODF + "text"),
        ("customer.rtf", rtf, "application/rtf"),
        ("both.zip", both, "application/zip")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert findings(r) == [
        (CARD, "both.zip/docs/customer.odt", 1), (CARD, "both.zip/docs/customer.rtf", 1),
        (CARD, "customer.odt", 1), (CARD, "customer.rtf", 1),
        (RRN, "both.zip/docs/customer.odt", 1), (RRN, "both.zip/docs/customer.rtf", 2),
        (RRN, "customer.odt", 1), (RRN, "customer.rtf", 2)]
    assert all(f["context"] for f in findings_of(r, RRN)), findings_of(r, RRN)
    assert kinds(r) == {"customer.odt": "odt", "customer.rtf": "rtf", "both.zip": "zip",
                        "both.zip/docs/customer.odt": "odt",
                        "both.zip/docs/customer.rtf": "rtf"}
    atts = {a["path"]: a for a in r["attachments"]}
    assert atts["customer.odt"]["detected_type"] == ODF + "text"
    assert atts["customer.rtf"]["detected_type"] == "application/rtf"
    assert not any(a["encrypted"] or a["type_mismatch"] for a in r["attachments"])
    assert r["anomalies"] == []


def test_rtf_declared_as_text_is_read_as_rtf(binary, tmp_path):
    """An .rtf sent as text/rtf (or text/plain) is held and read as RTF, not streamed as
    text: no value is found twice, none in the raw markup."""
    rtf = rtf_bytes().encode("ascii")
    msg = mf.with_attachments("see attached", [("notes.rtf", rtf, "application/octet-stream")])
    msg = msg.replace(b"application/octet-stream", b"text/rtf")
    r = one(binary, tmp_path, msg, check_rc=1)
    assert findings(r) == [(CARD, "notes.rtf", 1), (RRN, "notes.rtf", 2)]
    assert kinds(r) == {"notes.rtf": "rtf"}


def test_ods_card_typed_as_a_number(binary, tmp_path):
    """A card number typed into a spreadsheet cell is a float shown as 4.11111111111111E+015:
    its office:value still holds it whole."""
    digits = mf.CARDS[0].replace(" ", "")
    ods = odf_bytes("spreadsheet", (
        '<office:spreadsheet><table:table table:name="cards"><table:table-row>'
        '<table:table-cell office:value-type="string"><text:p>Kim</text:p></table:table-cell>'
        '<table:table-cell office:value-type="float" office:value="%s">'
        '<text:p>4.11111111111111E+015</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="1022"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        '</table:table></office:spreadsheet>') % digits)
    msg = mf.with_attachments("cards", [("cards.ods", ods, ODF + "spreadsheet")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert findings(r) == [(CARD, "cards.ods", 1)]
    assert kinds(r) == {"cards.ods": "ods"}


def test_encrypted_odt_is_reported(binary, tmp_path):
    odt = odt_bytes(encrypted=True)
    msg = mf.with_attachments("as agreed", [("secret.odt", odt, ODF + "text"),
                                            ("secret.zip", mf.zip_bytes({"s.odt": odt}),
                                             "application/zip")])
    r = one(binary, tmp_path, msg, check_rc=1)
    assert findings(r) == []
    assert count(r, "attachment.encrypted", "secret.odt") == 1
    assert count(r, "attachment.encrypted", "secret.zip/s.odt") == 1
    atts = {a["path"]: a for a in r["attachments"]}
    assert atts["secret.odt"]["encrypted"] and atts["secret.odt"]["kind"] == "odt"
    assert atts["secret.zip/s.odt"]["encrypted"] and atts["secret.zip/s.odt"]["kind"] == "odt"
