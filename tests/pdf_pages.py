"""Reading the PDFs the app writes, for tests: pages and their images, without a PDF library
(QtPdf is not in PySide6-Essentials)."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtGui import QImage

from gui.export.offscreen import FIGURE_SIZE

OBJECT = re.compile(rb"(?m)^(\d+) 0 obj\s*")
REFERENCE = rb"(\d+) 0 R"


def pdf_pages(data: bytes) -> list[list[QImage]]:
    """Each page of a PDF (as Qt writes one: plain object dictionaries, JPEG images) with the
    images its resources hold, decoded."""
    starts = list(OBJECT.finditer(data))
    objects = {
        int(m.group(1)): data[m.end() : nxt.start() if nxt else len(data)]
        for m, nxt in zip(starts, [*starts[1:], None])
    }

    def image(number: int) -> QImage:
        body = objects[number]
        assert b"/Subtype /Image" in body and b"/DCTDecode" in body
        length = re.search(rb"/Length (\d+)(?: 0 R)?", body)
        size = int(objects[int(length.group(1))].split()[0]) if b" 0 R" in length.group(0) else 0
        start = body.index(b"stream") + len(b"stream\n")
        return QImage.fromData(body[start : start + size], "JPG")

    pages = []
    for body in objects.values():
        if re.search(rb"/Type /Page\b", body):
            resources = objects[int(re.search(rb"/Resources " + REFERENCE, body).group(1))]
            xobjects = re.search(rb"/XObject <<(.*?)>>", resources, re.S)
            names = re.findall(REFERENCE, xobjects.group(1)) if xobjects else []
            pages.append([image(int(n)) for n in names])
    count = re.search(rb"/Type /Pages.*?/Count (\d+)", data, re.S)
    assert int(count.group(1)) == len(pages)
    return pages


def assert_figure(images: list[QImage]) -> None:
    """One figure image at 2× FIGURE_SIZE: axes, grid and labels over a good share of its
    white background, and some colour (the legend's, at least)."""
    assert len(images) == 1
    image = images[0].convertToFormat(QImage.Format.Format_RGB888)
    assert (image.width(), image.height()) == (2 * FIGURE_SIZE[0], 2 * FIGURE_SIZE[1])
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    pixels = pixels[:, : image.width() * 3].reshape(image.height(), image.width(), 3)
    drawn = pixels.min(axis=2) < 200
    coloured = np.ptp(pixels.astype(int), axis=2) > 60  # curves, the legend: not grey axes
    # a step that plays nothing shows step 0: axes, grid and the legend's colours, no curve yet
    assert drawn.mean() > 0.01 and coloured.sum() > 300, (drawn.mean(), coloured.sum())
