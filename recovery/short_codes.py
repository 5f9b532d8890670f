"""Short codes: the set-password link's twin for people who would rather type than scan.

Each set-password row (SetPasswordToken) carries a short code beside its long link token: 10
characters from an alphabet without look-alikes (no 0/O, 1/I/L), 31 ** 10 = 2 ** 49.5 codes,
grouped 4-3-3 for reading aloud ("K7QX-M4P-RTZ"). The code is derived from the link token with
an HMAC under the SECRET_KEY, so whoever holds the link (the letter, the e-mail) can show the
code without it being stored; the row keeps only an HMAC of the code (code_hash), like the link's
hash. The code is used at /start with the patient's date of birth; link and code are one row, so
using either spends both, and both expire together.
"""

import hashlib
import hmac

from flask import current_app

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L; typed in any case
LENGTH = 10
GROUPS = (4, 3, 3)


def bits() -> float:
    """The code's entropy in bits (about 49.5)."""
    import math

    return LENGTH * math.log2(len(ALPHABET))


def _key(purpose: bytes) -> bytes:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), purpose, hashlib.sha256).digest()


def code_for(token: str) -> str:
    """The short code that belongs to this link token (ungrouped)."""
    number = int.from_bytes(hmac.new(_key(b"short-code"), token.encode(), hashlib.sha256).digest(), "big")
    letters = []
    for _ in range(LENGTH):  # 256 bits divided down: the bias is below 2**-200
        number, index = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[index])
    return "".join(letters)


def grouped(code: str) -> str:
    """The code as it is printed and read aloud: K7QX-M4P-RTZ."""
    parts, start = [], 0
    for size in GROUPS:
        parts.append(code[start:start + size])
        start += size
    return "-".join(parts)


def normalize(typed: str | None) -> str | None:
    """The code a person typed, in capitals without spaces or dashes; None if it cannot be one."""
    code = "".join(ch for ch in (typed or "")[:40] if ch not in " -\t.").upper()
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_hash(code: str) -> str:
    """What the database keeps of a code: an HMAC (a stolen table alone cannot be tried offline)."""
    return hmac.new(_key(b"short-code-hash"), code.encode(), hashlib.sha256).hexdigest()


def qr_svg(link: str, title: str) -> str:
    """The link as an inline SVG QR code (segno), dark on white, with a title for screen readers."""
    import segno

    qr = segno.make(link, error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="qr")
    return svg
