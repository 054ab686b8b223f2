"""The QR code of a clinician's patient invite: a PNG to print or show on a screen, so a
patient opens the link with their phone's camera instead of typing it."""

from __future__ import annotations

import io

import segno

# Pixels per module and the quiet zone around the code (4 modules, as the standard asks):
# big enough to print on A6 and still scan from a screen.
SCALE = 10
BORDER = 4


def invite_qr(link: str) -> bytes:
    """The link as a QR code PNG, with medium error correction (a printed code may smudge)."""
    code = segno.make(link, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=SCALE, border=BORDER)
    return out.getvalue()
