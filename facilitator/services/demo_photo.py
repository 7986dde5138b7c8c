"""The demo's photo of a café table's paper cloth, drawn with Pillow: no camera and no file shipped.

Wobbly marker lines, a circle round the table's question, arrows and a few words in a slanted
hand, on slightly uneven paper, so the photo view, the console and the minutes show something
that looks like what a table's host sends.
"""
from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIZE = (1600, 1200)
PAPER = (244, 238, 222)
# Marker colours: black, blue, red, green.
INKS = [(35, 35, 40), (30, 70, 160), (185, 40, 40), (40, 120, 60)]
WORDS = [("Velkommen!", (170, 150), -6, 88), ("kaffe", (980, 230), 4, 72), ("fadder", (1080, 760), -3, 76),
         ("Bli sett og hørt", (200, 860), 3, 64), ("Møteplasser", (640, 1010), -2, 60)]
FONT_PATHS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "DejaVuSans-Bold.ttf")


def tablecloth_photo(seed: int = 2010) -> bytes:
    """A JPEG of a written-on paper cloth, the same every time for a seed."""
    rng = random.Random(seed)  # noqa: S311 (a drawing's wobble, not a secret)
    image = paper(rng)
    draw = ImageDraw.Draw(image)
    for text, place, angle, size in WORDS:
        write(image, text, place, angle, size, rng.choice(INKS))
    circle(draw, (800, 560), 250, INKS[1], rng)
    write(image, "Bord 1", (650, 510), 0, 70, INKS[0])
    for start, end in (((560, 460), (380, 250)), ((1040, 470), (1080, 310)), ((980, 720), (1060, 760)),
                       ((620, 720), (450, 850))):
        arrow(draw, start, end, rng.choice(INKS), rng)
    for _ in range(4):  # doodles in the corners
        x, y = rng.choice([(90, 90), (1480, 100), (110, 1100), (1500, 1090)])
        circle(draw, (x + rng.randint(-20, 20), y + rng.randint(-20, 20)), rng.randint(20, 45), INKS[2], rng)
    output = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(0.8)).save(output, "JPEG", quality=88)
    return output.getvalue()


def paper(rng: random.Random) -> Image.Image:
    """Off-white paper, a little darker towards the edges, with faint creases."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    for inset in range(0, 120, 6):
        shade = tuple(max(c - (120 - inset) // 10, 0) for c in PAPER)
        draw.rectangle((inset, inset, SIZE[0] - inset, SIZE[1] - inset), outline=shade, width=6)
    for _ in range(3):
        y = rng.randint(200, SIZE[1] - 200)
        draw.line((0, y, SIZE[0], y + rng.randint(-30, 30)), fill=(228, 221, 204), width=3)
    return image


def wobbly(points: list[tuple[float, float]], rng: random.Random, jitter: float = 3.0) -> list[tuple[float, float]]:
    return [(x + rng.uniform(-jitter, jitter), y + rng.uniform(-jitter, jitter)) for x, y in points]


def circle(draw: ImageDraw.ImageDraw, centre, radius: int, ink, rng: random.Random) -> None:
    """A hand-drawn ring: not quite round, and its ends overlapping."""
    cx, cy = centre
    turn = 2 * math.pi * 1.08
    points = [(cx + radius * (1 + 0.06 * math.sin(3 * t)) * math.cos(t),
               cy + radius * 0.8 * (1 + 0.05 * math.cos(2 * t)) * math.sin(t))
              for t in (turn * n / 80 for n in range(81))]
    draw.line(wobbly(points, rng), fill=ink, width=7, joint="curve")


def arrow(draw: ImageDraw.ImageDraw, start, end, ink, rng: random.Random) -> None:
    (x1, y1), (x2, y2) = start, end
    middle = ((x1 + x2) / 2 + rng.uniform(-25, 25), (y1 + y2) / 2 + rng.uniform(-25, 25))
    draw.line(wobbly([start, middle, end], rng), fill=ink, width=6, joint="curve")
    angle = math.atan2(y2 - y1, x2 - x1)
    for side in (-0.5, 0.5):
        tip = (x2 - 40 * math.cos(angle + side), y2 - 40 * math.sin(angle + side))
        draw.line([end, tip], fill=ink, width=6)


def write(image: Image.Image, text: str, place, angle: float, size: int, ink) -> None:
    """Words slanted as a hand writes them on a table, pasted onto the paper."""
    font = marker_font(size)
    left, top, right, bottom = font.getbbox(text)
    layer = Image.new("L", (right - left + 20, bottom - top + 20), 0)
    ImageDraw.Draw(layer).text((10 - left, 10 - top), text, font=font, fill=255)
    layer = layer.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    image.paste(Image.new("RGB", layer.size, ink), place, layer)


def marker_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)
