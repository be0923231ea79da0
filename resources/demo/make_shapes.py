"""Writes shapes/: small images of coloured shapes with a class label, a caption and boxes, the
demo's image dataset (an image folder with metadata.jsonl). Kept so the images can be rebuilt:
    python resources/demo/make_shapes.py
"""

import json
import random
from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).parent / "shapes"
COLOURS = {"red": (200, 40, 40), "green": (40, 160, 60), "blue": (40, 70, 200)}
SHAPES = ["circle", "square"]


def main() -> None:
    rng = random.Random(0)
    OUT.mkdir(exist_ok=True)
    rows = []
    for i in range(10):
        colour, shape = rng.choice(list(COLOURS)), rng.choice(SHAPES)
        image = Image.new("RGB", (96, 72), (235, 235, 225))
        x, y, size = rng.randint(5, 50), rng.randint(5, 30), rng.randint(20, 36)
        box = [x, y, x + size, y + size]
        draw = ImageDraw.Draw(image)
        (draw.ellipse if shape == "circle" else draw.rectangle)(box, fill=COLOURS[colour])
        name = f"shape_{i:02d}.png"
        image.save(OUT / name)
        rows.append(
            {"file_name": name, "label": shape, "caption": f"a {colour} {shape} on a grey background",
             "objects": {"bbox": [box], "category": [shape]}}
        )
    (OUT / "metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


if __name__ == "__main__":
    main()
