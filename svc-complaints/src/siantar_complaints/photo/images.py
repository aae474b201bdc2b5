"""Photo checks and clean-up, by content: JPEG, PNG or WebP that Pillow decodes in full, within limits.

Pure and CPU-bound: callers run them off the event loop, e.g.
`info = await run_cpu_bound(inspect_image, data, max_bytes=settings.PHOTO_MAX_BYTES)`. A photo's name and
declared content type are never trusted. Any decoder failure is a refusal (`CorruptPhoto`); so is an image
whose header claims more pixels than `max_pixels`, checked before anything is decoded (`PhotoTooLarge`).
`strip_metadata` keeps only pixels (EXIF with its GPS position, XMP, ICC profiles and comments are dropped),
turned upright first, and `make_thumbnail` makes a small WebP the same way.
"""

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from PIL import Image, ImageCms, ImageOps

from siantar_complaints.photo.exceptions import (
    CorruptPhoto,
    PhotoRefused,
    PhotoTooLarge,
    UnsupportedPhotoType,
)

# Ample for phone cameras (48 MP modes included); decoded, about 150 MB of RGB. Pillow warns above it and
# refuses above twice it; both are refusals here, and `max_pixels` is checked on the header anyway.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
THUMBNAIL_MAX_SIDE = 320
QUALITY = 90
THUMBNAIL_QUALITY = 80


class ImageFormat(StrEnum):
    jpeg = "jpeg"
    png = "png"
    webp = "webp"

    @property
    def media_type(self) -> str:
        return f"image/{self.value}"

    @property
    def pillow_name(self) -> str:
        return self.value.upper()


THUMBNAIL_FORMAT = ImageFormat.webp


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: ImageFormat
    width: int
    height: int
    size: int  # bytes

    @property
    def media_type(self) -> str:
        return self.format.media_type


def sniff(data: bytes) -> ImageFormat | None:
    """The format the first bytes announce (the file's signature), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return ImageFormat.jpeg
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ImageFormat.png
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageFormat.webp
    return None


def inspect_image(data: bytes, *, max_bytes: int, max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Accept `data` only if it is at most `max_bytes`, signed as JPEG, PNG or WebP, and decodes in full as
    that format within `max_pixels`; raise PhotoTooLarge (413), UnsupportedPhotoType (415) or CorruptPhoto
    (422) otherwise."""
    if len(data) > max_bytes:
        raise PhotoTooLarge.too_many_bytes(max_bytes)
    fmt = sniff(data)
    if fmt is None:
        raise UnsupportedPhotoType([f.media_type for f in ImageFormat])
    with _decoding(max_pixels):
        with _open(data, fmt, max_pixels) as image:
            image.verify()  # the container's structure (PNG chunk checksums); leaves `image` unusable
        with _open(data, fmt, max_pixels) as image:
            image.load()  # every pixel: a truncated file fails here
            width, height = image.size
    return ImageInfo(format=fmt, width=width, height=height, size=len(data))


def strip_metadata(data: bytes, fmt: ImageFormat, *, max_pixels: int = MAX_PIXELS) -> bytes:
    """Re-encode an inspected photo as `fmt` with its pixels only, upright as its EXIF orientation says."""
    with _decoding(max_pixels), _open(data, fmt, max_pixels) as image:
        clean = _pixels_only(_to_srgb(_upright(image)))
        return _encode(clean, fmt, quality=QUALITY)


def make_thumbnail(data: bytes, max_side: int = THUMBNAIL_MAX_SIDE, *, max_pixels: int = MAX_PIXELS) -> bytes:
    """A WebP (`THUMBNAIL_FORMAT`) of an inspected photo, at most `max_side` pixels wide and high, upright,
    without metadata."""
    fmt = sniff(data)
    if fmt is None:
        raise UnsupportedPhotoType([f.media_type for f in ImageFormat])
    with _decoding(max_pixels), _open(data, fmt, max_pixels) as image:
        image.draft("RGB", (max_side, max_side))  # JPEG: decode at 1/2, 1/4 or 1/8 scale, much faster
        small = _pixels_only(_to_srgb(_upright(image)))
        small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return _encode(small, THUMBNAIL_FORMAT, quality=THUMBNAIL_QUALITY)


@contextmanager
def _decoding(max_pixels: int) -> Iterator[None]:
    """Pillow's decompression-bomb warning or error is a refusal, and so is any other decoder failure."""
    try:
        yield
    except PhotoRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoTooLarge.too_many_pixels(max_pixels) from exc
    except Exception as exc:  # untrusted input: OSError, SyntaxError, ValueError, EOFError, struct.error...
        raise CorruptPhoto() from exc


def _open(data: bytes, fmt: ImageFormat, max_pixels: int) -> Image.Image:
    """Read the header as `fmt` and no other format; refuse too many pixels before decoding any."""
    image = Image.open(io.BytesIO(data), formats=[fmt.pillow_name])
    if image.width * image.height > max_pixels:
        image.close()
        raise PhotoTooLarge.too_many_pixels(max_pixels)
    return image


def _upright(image: Image.Image) -> Image.Image:
    """A copy turned as the EXIF orientation tag says (phones store pixels sideways and set the tag); a
    malformed EXIF block leaves the pixels as they are, since it is dropped anyway."""
    try:
        return ImageOps.exif_transpose(image)
    except (ValueError, TypeError, KeyError, SyntaxError, struct.error):  # a broken EXIF tag
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels tagged with an ICC profile (Display P3 on iPhones, CMYK) to sRGB, so that dropping the
    profile keeps the colours; an unusable profile is simply ignored."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):  # not a profile, or not one for these pixels
        return image
    return converted or image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding the pixels (RGB, or RGBA when there is transparency) and no `info` at all: no EXIF,
    XMP, ICC profile, comment or text chunk can reach the encoder."""
    mode = "RGBA" if image.has_transparency_data else "RGB"
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    return clean


def _encode(image: Image.Image, fmt: ImageFormat, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt is ImageFormat.jpeg:
        image.convert("RGB").save(buffer, "JPEG", quality=quality)
    elif fmt is ImageFormat.webp:
        image.save(buffer, "WEBP", quality=quality)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()
