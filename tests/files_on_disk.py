"""Looking for client data at rest: the raw bytes of every file under a device's data folder."""

from pathlib import Path


def files_holding(folder: Path, text: str) -> list[str]:
    """The files under ``folder`` that contain ``text`` in UTF-8 or UTF-16 (either byte order)."""
    needles = [text.encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be")]
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            if any(needle in content for needle in needles):
                found.append(path.name)
    return found
