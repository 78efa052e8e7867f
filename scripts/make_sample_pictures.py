"""Draw the pictures of the bundled sample feeds into digest/sample/pictures/<host>/<path>.

The sample feeds point at images on made-up ``*.example`` hosts; the demo's emails show
these drawings instead (see ``digest.sample.picture``). They are simple generated scenes —
a sky, a skyline, a light, the picture's name — so they carry no one's copyright. Run it
again after adding an image URL to a sample feed:

    python scripts/make_sample_pictures.py     # needs Pillow (pip install pillow)
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent / "digest" / "sample"
SIZE = (1104, 620)  # twice the email's lead image (552×310), for sharp screens
URL = re.compile(r"https://[a-z.]+\.example/[^\"'\s<>&]+\.jpg")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
NIGHT = ("night", "attack", "drone", "blackout", "substation", "winter", "snow")


def palette(name: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two sky colours per picture: dark for night scenes, else a day sky tinted by its name."""
    digest = hashlib.sha256(name.encode()).digest()
    if any(word in name for word in NIGHT):
        return (12, 18, 40 + digest[0] % 40), (60 + digest[1] % 60, 40, 70)
    return (70 + digest[0] % 80, 120 + digest[1] % 80, 190 + digest[2] % 60), (240, 200 + digest[3] % 50, 150)


def draw(name: str, target: Path) -> None:
    width, height = SIZE
    top, bottom = palette(name)
    image = Image.new("RGB", SIZE)
    pixels = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        pixels.line(
            [(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        )
    seed = hashlib.sha256(name.encode()).digest()
    light = (250, 235, 180) if any(word in name for word in NIGHT) else (255, 250, 220)
    cx, cy = 180 + seed[4] * 3, 120 + seed[5] // 3
    pixels.ellipse([cx - 60, cy - 60, cx + 60, cy + 60], fill=light)
    x = 0
    for n in range(40):  # a skyline of blocks of made-up heights
        w = 40 + seed[n % 32] % 70
        h = 120 + (seed[(n * 7) % 32] * 3) % 260
        shade = 25 + (seed[(n * 3) % 32] % 30)
        pixels.rectangle([x, height - h, x + w, height], fill=(shade, shade, shade + 10))
        x += w
        if x > width:
            break
    font = ImageFont.truetype(FONT, 44)
    label = name.rsplit(".", 1)[0].replace("-", " ")
    pixels.rectangle([0, height - 90, width, height], fill=(0, 0, 0))
    pixels.text((40, height - 70), label, fill=(255, 255, 255), font=font)
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "JPEG", quality=60, optimize=True, progressive=True)


def main() -> None:
    urls = {m.group() for path in (ROOT / "feeds").iterdir() for m in URL.finditer(path.read_text())}
    urls |= {
        f"https://{host}{m.group(1)}"
        for path, host in [(ROOT / "feeds" / "kyiv-ledger.rss.xml", "kyivledger.example")]
        for m in re.finditer(r'src="(/media/[^"]+\.jpg)"', path.read_text())
    }
    for url in sorted(urls):
        parts = urlsplit(url)
        target = ROOT / "pictures" / parts.hostname / parts.path.lstrip("/")  # type: ignore[operator]
        draw(Path(parts.path).name, target)
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
