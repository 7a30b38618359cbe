"""Organization logos: check an uploaded file, store it, remove it, and name its URL.

What is stored is never the upload as it came: PNG and JPEG files are decoded with Pillow and
encoded again (which drops metadata and anything appended to the image, and proves the file is
the image it claims to be); SVG files are rebuilt from safe parts (portal_ui.domain.svg_clean).
The file type is read from the bytes, never from the name or the browser's claim.
Functions add one audit event per change to the caller's session; the caller commits.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput, say
from portal_ui.domain.members import get_org
from portal_ui.domain.svg_clean import sanitise_svg
from portal_ui.models import OrganizationLogo

LOGO_MAX_BYTES = 512 * 1024
LOGO_MAX_PIXELS = 8_000_000  # decoded size of a PNG or JPEG: bounds the memory one upload can take
LOGO_STORED_SIDE = 512  # longer side of a stored PNG/JPEG; the header shows it 32 px high
URL_PREFIX = "/org-logo"
TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
WRONG_TYPE = say("orgs.logo_wrong_type", field="logo")  # "logo: use a PNG, JPEG or SVG image"


@dataclass(frozen=True)
class CheckedLogo:
    content_type: str
    data: bytes
    width: int
    height: int


def _sniff(data: bytes) -> str | None:
    if data.startswith(_PNG_MAGIC):
        return "image/png"
    if data.startswith(_JPEG_MAGIC):
        return "image/jpeg"
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"<svg" in data[:65536]:
        return "image/svg+xml"
    return None


def _reencode(data: bytes, content_type: str) -> CheckedLogo:
    expected = "PNG" if content_type == "image/png" else "JPEG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > LOGO_MAX_PIXELS:
                    raise InvalidInput(say("orgs.logo_too_many_pixels", field="logo",
                                           megapixels=LOGO_MAX_PIXELS // 1_000_000))
                image.load()
                picture = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise InvalidInput(say("orgs.logo_unreadable", field="logo")) from None
    keep = ("RGB", "RGBA", "L", "LA") if expected == "PNG" else ("RGB", "L")
    if picture.mode not in keep:
        picture = picture.convert("RGBA" if expected == "PNG" else "RGB")
    picture.thumbnail((LOGO_STORED_SIDE, LOGO_STORED_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if expected == "PNG":
        picture.save(out, format="PNG", optimize=True)
    else:
        picture.save(out, format="JPEG", quality=90, optimize=True)
    return CheckedLogo(content_type, out.getvalue(), picture.width, picture.height)


def check_logo(data: object) -> CheckedLogo:
    """The logo to store for an uploaded file; InvalidInput says what is wrong with it.

    PNG and JPEG are re-encoded (at most 512 px on the longer side); SVG is sanitised.
    """
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise InvalidInput(say("orgs.logo_empty", field="logo"))
    if len(data) > LOGO_MAX_BYTES:
        raise InvalidInput(say("orgs.logo_too_large", field="logo", kb=LOGO_MAX_BYTES // 1024))
    data = bytes(data)
    content_type = _sniff(data)
    if content_type is None:
        raise InvalidInput(WRONG_TYPE)
    if content_type == "image/svg+xml":
        return CheckedLogo(content_type, sanitise_svg(data), 0, 0)
    return _reencode(data, content_type)


def logo_path(org_code: str, digest: str, content_type: str) -> str:
    """The logo's URL path. It changes whenever the logo does, so it can be cached for good."""
    return f"{URL_PREFIX}/{org_code}/{digest[:32]}.{TYPES[content_type]}"


def _summary(row: OrganizationLogo | None) -> dict | None:
    if row is None:
        return None
    return {"content_type": row.content_type, "bytes": len(row.data), "sha256": row.digest}


def current_logo_path(session: Session, org_code: str | None) -> str:
    """The URL path of the organization's logo, or "" when it has none (reads no image data)."""
    if not org_code:
        return ""
    row = session.exec(select(OrganizationLogo.digest, OrganizationLogo.content_type)
                       .where(OrganizationLogo.org_code == org_code)).first()
    return logo_path(org_code, row[0], row[1]) if row else ""


def set_logo(session: Session, *, actor: audit.Actor, org_code: str, data: object) -> OrganizationLogo:
    """Make `data` the organization's logo; one audit event `organization.logo_changed`.

    `data` is the uploaded file's bytes, checked here, or what `check_logo` made of them (so a
    caller can do that slower part elsewhere, such as in a worker thread). Raises InvalidInput
    (see check_logo) before writing anything, NotFound (organization).
    """
    checked = data if isinstance(data, CheckedLogo) else check_logo(data)
    get_org(session, org_code)
    row = session.get(OrganizationLogo, org_code)
    before = _summary(row)
    if row is None:
        row = OrganizationLogo(org_code=org_code, content_type=checked.content_type, data=b"", digest="",
                               updated_on=utcnow())
    row.content_type = checked.content_type
    row.data = checked.data
    row.digest = hashlib.sha256(checked.data).hexdigest()
    row.width, row.height = checked.width, checked.height
    row.updated_on = utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="organization.logo_changed", target_type="organization",
                 target_id=org_code, org_code=org_code, before={"logo": before}, after={"logo": _summary(row)})
    return row


def remove_logo(session: Session, *, actor: audit.Actor, org_code: str) -> bool:
    """Remove the organization's logo; True if there was one (then one audit event `organization.logo_removed`)."""
    row = session.get(OrganizationLogo, org_code)
    if row is None:
        return False
    before = _summary(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="organization.logo_removed", target_type="organization",
                 target_id=org_code, org_code=org_code, before={"logo": before}, after={"logo": None})
    return True
