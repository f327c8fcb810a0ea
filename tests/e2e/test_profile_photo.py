"""An agent writes a description and uploads a photo in their profile; guests see both on the booking page."""

from __future__ import annotations

import struct
import zlib

from playwright.sync_api import Page, expect

from tests.e2e.helpers import log_in
from tests.seed import AGENT_PASSWORD, open_agent


def png(width: int = 8, height: int = 8) -> bytes:
    """A small real PNG (solid blue)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x30\x60\xd0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_description_and_photo_show_on_the_booking_page(server, page: Page, browser, shot, tmp_path):
    open_agent("Pia Photo", "pia@example.com")
    log_in(page, server.url, "pia@example.com", AGENT_PASSWORD)
    page.get_by_role("link", name="Profile").click()
    page.get_by_label("Description on your booking page").fill("I help new customers get set up.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Profile saved.")

    (tmp_path / "notes.txt").write_text("not an image")
    page.get_by_label("Upload photo").set_input_files(tmp_path / "notes.txt")
    expect(page.get_by_text("Choose a PNG, JPEG or WebP image.")).to_be_visible()
    (tmp_path / "pia.png").write_bytes(png())
    page.get_by_label("Upload photo").set_input_files(tmp_path / "pia.png")
    expect(page.get_by_role("status")).to_have_text("Photo saved. Guests see it on your booking page.")
    expect(page.get_by_role("img", name="Your photo")).to_be_visible()
    shot("profile-photo", page)

    guest = browser.new_context(locale="en-GB").new_page()
    guest.goto(server.url + "/book/pia-photo")
    expect(guest.get_by_text("I help new customers get set up.")).to_be_visible(timeout=20_000)
    photo = guest.get_by_role("img", name="Pia Photo")
    expect(photo).to_be_visible()
    handle = photo.element_handle()
    guest.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=handle)  # loaded, not just laid out
    assert guest.evaluate("(img) => img.naturalWidth", handle) == 8

    page.get_by_role("button", name="Remove photo").click()
    expect(page.get_by_role("status")).to_have_text("Photo removed. Guests see your initials.")
    guest.reload()
    expect(guest.get_by_text("PP", exact=True)).to_be_visible(timeout=20_000)
    expect(guest.get_by_role("img", name="Pia Photo")).to_have_count(0)
