"""Photo checks by content, metadata stripping and thumbnails, on images Pillow makes in the test."""

import io
import struct
import warnings
import zlib
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from PIL import Image, ImageCms, PngImagePlugin

from siantar_complaints.photo.exceptions import (
    CorruptPhoto,
    PhotoRefused,
    PhotoTooLarge,
    UnsupportedPhotoType,
)
from siantar_complaints.photo.images import (
    ImageFormat,
    ImageInfo,
    inspect_image,
    make_thumbnail,
    strip_metadata,
)
from siantar_shared.errors import install_error_handlers

MAX_BYTES = 10 * 1024 * 1024  # what the settings give the endpoint
ORIENTATION, GPS_IFD, XMP_NAMESPACE = 0x0112, 0x8825, b"http://ns.adobe.com/xap/1.0/"
# Balai Kota Pematangsiantar, as a phone writes it: latitude 2°57'36" N, longitude 99°3'36" E
GPS = {1: "N", 2: (2.0, 57.0, 36.0), 3: "E", 4: (99.0, 3.0, 36.0)}


def photo(size: tuple[int, int] = (400, 300), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue, with some texture so that the encoders have real work to do."""
    image = Image.new(mode, size, (200, 30, 30, 255)[: len(mode)])
    image.paste((30, 30, 200, 255)[: len(mode)], (size[0] // 2, 0, size[0], size[1]))
    noise = Image.effect_noise(size, 40).convert(mode)
    return Image.blend(image, noise, 0.2)


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[GPS_IFD] = GPS
    return exif


def jpeg_with_gps(orientation: int = 1) -> bytes:
    return encode(photo(), "JPEG", exif=exif_with_gps(orientation).tobytes(), quality=90)


def png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header (with a correct checksum) claims `width` × `height` pixels."""
    data = bytearray(encode(Image.new("L", (1, 1)), "PNG"))
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = ihdr[4:12]
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def metadata_of(data: bytes) -> tuple[dict[int, object], set[str]]:
    with Image.open(io.BytesIO(data)) as image:
        keys = {key for key in image.info if isinstance(key, str)}
        return dict(image.getexif()), keys - {"jfif", "jfif_version", "jfif_unit", "jfif_density"}


class TestInspectImage:
    @pytest.mark.parametrize(
        ("fmt", "save_as", "media_type"),
        [
            (ImageFormat.jpeg, "JPEG", "image/jpeg"),
            (ImageFormat.png, "PNG", "image/png"),
            (ImageFormat.webp, "WEBP", "image/webp"),
        ],
    )
    def test_allowed_formats(self, fmt: ImageFormat, save_as: str, media_type: str) -> None:
        data = encode(photo((640, 480)), save_as)
        info = inspect_image(data, max_bytes=MAX_BYTES)
        assert info == ImageInfo(format=fmt, width=640, height=480, size=len(data))
        assert info.media_type == media_type

    def test_png_with_transparency_and_palette(self) -> None:
        data = encode(photo(mode="RGBA").convert("P"), "PNG", transparency=0)
        assert inspect_image(data, max_bytes=MAX_BYTES).format is ImageFormat.png

    @pytest.mark.parametrize(
        "data",
        [
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",  # "foto.jpg"
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            b"<html><body>not a photo</body></html>",
            b"",
        ],
        ids=["pdf-renamed-jpg", "svg", "svg-with-script", "html", "empty"],
    )
    def test_not_an_image_is_415(self, data: bytes) -> None:
        with pytest.raises(UnsupportedPhotoType) as excinfo:
            inspect_image(data, max_bytes=MAX_BYTES)
        assert excinfo.value.status == 415
        assert excinfo.value.extra["allowed"] == ["image/jpeg", "image/png", "image/webp"]

    @pytest.mark.parametrize("save_as", ["GIF", "BMP", "TIFF"])
    def test_other_real_images_are_415(self, save_as: str) -> None:
        with pytest.raises(UnsupportedPhotoType):
            inspect_image(encode(photo(), save_as), max_bytes=MAX_BYTES)

    def test_truncated_jpeg_is_422(self) -> None:
        data = encode(photo((800, 600)), "JPEG", quality=95)
        with pytest.raises(CorruptPhoto) as excinfo:
            inspect_image(data[: len(data) // 2], max_bytes=MAX_BYTES)
        assert excinfo.value.status == 422

    @pytest.mark.parametrize("save_as", ["PNG", "WEBP"])
    def test_truncated_png_and_webp_are_422(self, save_as: str) -> None:
        data = encode(photo((800, 600)), save_as)
        with pytest.raises(CorruptPhoto):
            inspect_image(data[: len(data) // 2], max_bytes=MAX_BYTES)

    @pytest.mark.parametrize(
        "data",
        [
            b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # a JPEG signature, then nothing of a JPEG
            b"\x89PNG\r\n\x1a\n" + encode(photo(), "JPEG"),  # a PNG signature on a JPEG
            b"RIFF\x00\x10\x00\x00WEBPVP8 " + b"\xff" * 100,
        ],
        ids=["jpeg-signature-only", "png-signature-on-jpeg", "webp-signature-only"],
    )
    def test_signature_without_the_image_is_422(self, data: bytes) -> None:
        with pytest.raises(CorruptPhoto):
            inspect_image(data, max_bytes=MAX_BYTES)

    def test_png_with_a_damaged_chunk_is_422(self) -> None:
        data = bytearray(encode(photo(), "PNG"))
        data[40] ^= 0xFF  # inside the image data: its CRC no longer matches
        with pytest.raises(CorruptPhoto):
            inspect_image(bytes(data), max_bytes=MAX_BYTES)

    def test_11_mb_is_413_before_decoding(self) -> None:
        jpeg = jpeg_with_gps()
        data = jpeg + b"\x00" * (11 * 1024 * 1024 - len(jpeg))  # a real JPEG, 11 MB long
        with pytest.raises(PhotoTooLarge) as excinfo:
            inspect_image(data, max_bytes=MAX_BYTES)
        assert excinfo.value.status == 413
        assert excinfo.value.extra == {"max_bytes": MAX_BYTES}
        assert str(excinfo.value) == "A photo may be at most 10 MB."

    def test_the_limit_is_the_parameter(self) -> None:
        data = jpeg_with_gps()
        assert inspect_image(data, max_bytes=len(data)).size == len(data)
        with pytest.raises(PhotoTooLarge):
            inspect_image(data, max_bytes=len(data) - 1)

    def test_oversized_pixels_is_413(self) -> None:
        """A real 8000 × 8000 picture (64 MP, a few kB as a 1-bit PNG) is over the 50 MP bound."""
        data = encode(Image.new("1", (8000, 8000)), "PNG")
        assert len(data) < 100_000
        with pytest.raises(PhotoTooLarge) as excinfo:
            inspect_image(data, max_bytes=MAX_BYTES)
        assert excinfo.value.extra == {"max_pixels": 50_000_000}

    def test_oversized_pixels_refused_when_pillow_only_warns(self) -> None:
        """Outside the tests Pillow's DecompressionBombWarning is just printed: the header check still refuses."""
        data = encode(Image.new("1", (8000, 8000)), "PNG")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with pytest.raises(PhotoTooLarge):
                inspect_image(data, max_bytes=MAX_BYTES)

    def test_decompression_bomb_is_413(self) -> None:
        """A 1×1 PNG claiming 100,000 × 100,000 pixels: Pillow's DecompressionBombError, nothing decoded."""
        with pytest.raises(PhotoTooLarge):
            inspect_image(png_claiming(100_000, 100_000), max_bytes=MAX_BYTES)

    def test_max_pixels_is_a_parameter(self) -> None:
        data = encode(photo((100, 100)), "PNG")
        assert inspect_image(data, max_bytes=MAX_BYTES, max_pixels=10_000).width == 100
        with pytest.raises(PhotoTooLarge):
            inspect_image(data, max_bytes=MAX_BYTES, max_pixels=9_999)


class TestStripMetadata:
    def test_jpeg_loses_all_exif_and_its_gps(self) -> None:
        data = jpeg_with_gps()
        with Image.open(io.BytesIO(data)) as original:
            assert original.getexif().get_ifd(GPS_IFD)  # the test photo does carry a position
        clean = strip_metadata(data, ImageFormat.jpeg)
        assert metadata_of(clean) == ({}, set())
        assert b"Exif\x00\x00" not in clean
        assert inspect_image(clean, max_bytes=MAX_BYTES).format is ImageFormat.jpeg

    def test_orientation_applied_before_the_tag_goes(self) -> None:
        """Orientation 6: the camera stored the pixels turned; the clean photo is upright, without the tag."""
        clean = strip_metadata(jpeg_with_gps(orientation=6), ImageFormat.jpeg)
        with Image.open(io.BytesIO(clean)) as image:
            assert image.size == (300, 400)
            rgb = image.convert("RGB")
            top, bottom = rgb.getpixel((150, 20)), rgb.getpixel((150, 380))
        assert isinstance(top, tuple)
        assert isinstance(bottom, tuple)
        assert top[0] > top[2]  # red half on top
        assert bottom[2] > bottom[0]  # blue below

    def test_jpeg_xmp_icc_and_comment_dropped(self) -> None:
        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>2,57.6N</exif:GPSLatitude></x:xmpmeta>'
        data = encode(photo(), "JPEG", xmp=xmp, icc_profile=srgb, comment=b"Jl. Merdeka 5")
        assert XMP_NAMESPACE in data
        assert b"Jl. Merdeka" in data
        clean = strip_metadata(data, ImageFormat.jpeg)
        assert metadata_of(clean) == ({}, set())
        assert XMP_NAMESPACE not in clean
        assert b"GPSLatitude" not in clean
        assert b"Jl. Merdeka" not in clean

    def test_png_text_and_exif_dropped(self) -> None:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "Rumah Bapak Sitorus, Jl. Merdeka 5")
        data = encode(photo(), "PNG", pnginfo=text, exif=exif_with_gps().tobytes())
        clean = strip_metadata(data, ImageFormat.png)
        assert metadata_of(clean) == ({}, set())
        assert b"Sitorus" not in clean
        assert b"eXIf" not in clean

    def test_webp_exif_dropped_and_transparency_kept(self) -> None:
        image = photo(mode="RGBA")
        image.paste((0, 0, 0, 0), (0, 0, 50, 50))  # a transparent corner
        data = encode(image, "WEBP", exif=exif_with_gps().tobytes())
        clean = strip_metadata(data, ImageFormat.webp)
        exif, info = metadata_of(clean)
        assert exif == {}
        assert info.isdisjoint({"exif", "xmp", "icc_profile"})
        assert b"EXIF" not in clean
        with Image.open(io.BytesIO(clean)) as result:
            assert (result.format, result.mode) == ("WEBP", "RGBA")
            assert result.getpixel((10, 10)) == (0, 0, 0, 0)

    @pytest.mark.parametrize(
        "profile",
        [ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes(), b"not a colour profile" * 10],
        ids=["lab-profile-on-rgb", "garbage"],
    )
    @pytest.mark.parametrize("save_as", ["JPEG", "PNG"])
    def test_unusable_colour_profile_ignored(self, profile: bytes, save_as: str) -> None:
        """Pixels are converted to sRGB before their profile goes; a profile that cannot apply is just dropped."""
        data = encode(photo(), save_as, icc_profile=profile)
        fmt = inspect_image(data, max_bytes=MAX_BYTES).format
        assert metadata_of(strip_metadata(data, fmt)) == ({}, set())
        assert metadata_of(make_thumbnail(data))[0] == {}


class TestMakeThumbnail:
    @pytest.mark.parametrize("save_as", ["JPEG", "PNG", "WEBP"])
    def test_small_webp_without_metadata(self, save_as: str) -> None:
        data = encode(photo((1600, 1200)), save_as, exif=exif_with_gps().tobytes())
        thumbnail = make_thumbnail(data)
        with Image.open(io.BytesIO(thumbnail)) as image:
            assert image.format == "WEBP"
            assert image.size == (320, 240)
        assert metadata_of(thumbnail)[0] == {}
        assert len(thumbnail) < len(data)

    def test_upright_and_bounded_on_the_long_side(self) -> None:
        with Image.open(io.BytesIO(make_thumbnail(jpeg_with_gps(orientation=6), max_side=100))) as image:
            assert image.size == (75, 100)

    def test_never_enlarged(self) -> None:
        with Image.open(io.BytesIO(make_thumbnail(encode(photo((64, 48)), "PNG")))) as image:
            assert image.size == (64, 48)

    @pytest.mark.parametrize(
        ("make", "error"),
        [
            (lambda: b"%PDF-1.4 not an image", UnsupportedPhotoType),
            (lambda: png_claiming(100_000, 100_000), PhotoTooLarge),
            (lambda: encode(photo((800, 600)), "JPEG")[:3000], CorruptPhoto),
        ],
        ids=["pdf", "bomb", "truncated"],
    )
    def test_refuses_what_inspect_refuses(self, make: Callable[[], bytes], error: type[PhotoRefused]) -> None:
        with pytest.raises(error):
            make_thumbnail(make())


class TestProblems:
    """The endpoint lets these errors through; the shared handlers render them as RFC 9457 problems."""

    @pytest.mark.parametrize(
        ("error", "status", "slug"),
        [
            (PhotoTooLarge.too_many_bytes(MAX_BYTES), 413, "photo-too-large"),
            (PhotoTooLarge.too_many_pixels(50_000_000), 413, "photo-too-large"),
            (UnsupportedPhotoType(["image/jpeg", "image/png", "image/webp"]), 415, "unsupported-photo-type"),
            (CorruptPhoto(), 422, "corrupt-photo"),
        ],
    )
    async def test_rendered_in_both_languages(self, error: PhotoRefused, status: int, slug: str) -> None:
        app = FastAPI()
        install_error_handlers(app)

        @app.post("/photos")
        async def upload() -> None:
            raise error

        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
            indonesian = await client.post("/photos")
            english = await client.post("/photos", headers={"Accept-Language": "en"})
        assert indonesian.status_code == english.status_code == status
        assert indonesian.headers["content-type"] == "application/problem+json"
        assert indonesian.json()["type"].endswith(f"/problems/{slug}")
        assert indonesian.json()["detail"] != english.json()["detail"]
        assert english.json()["title"] == type(error).title.en
