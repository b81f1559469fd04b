"""A submission as an archive: its file name against ``pack``'s rule, and its members
read without extracting, each unsafe one (zip-slip, absolute path, symlink, bomb,
nested archive, a name not in UTF-8) turned into a finding instead of an error."""

from __future__ import annotations

import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..checks import escaped
from ..lab.pack import zip_name
from .findings import Finding, error, info, look

# A zip whose members claim more than this is not read (a bomb, or a data dump).
MAX_TOTAL_BYTES = 256 * 2**20
MAX_MEMBER_BYTES = 64 * 2**20
# Deflate gains ~10× on text and ~1000× only on runs of one byte: above MAX_RATIO, for
# members past RATIO_FLOOR bytes, the member is a bomb rather than source or a PDF.
MAX_RATIO = 200
RATIO_FLOOR = 2**20
MAX_MEMBERS = 20_000
ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
MAGIC = {b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7-Zip archive", b"\x1f\x8b": "gzip"}
UTF8_FLAG = 0x800
EXAMPLE = zip_name("313551157", "陳敬中")


def name_findings(filename: str) -> list[Finding]:
    """What is wrong with a submission's file name, by ``pack``'s ``zip_name`` rule, with
    the likely mistake named: not a .zip, full-width characters, spaces, a missing part."""
    stem, dot, ext = filename.rpartition(".")
    stem, ext = (stem, ext) if dot else (filename, "")
    found = []
    if ext.lower() != "zip":
        found.append(error("name", f"a .{ext or '(no extension)'} file; the handout asks for .zip"))
    elif ext != "zip":
        found.append(error("name", f"extension .{ext}; write .zip in lower case"))
    wide = "".join(sorted({c for c in stem if _folds_to_ascii(c)}))
    if wide:
        folded = unicodedata.normalize("NFKC", wide)
        found.append(error("name", f"full-width characters {wide!r}; type them as {folded!r}"))
    plain = unicodedata.normalize("NFKC", stem)  # read past full-width: one finding each
    prefix = re.match(r"(\s*dl[\s_-]*lab[\s_-]*1)([\s_-]*)", plain, re.I)
    if not prefix:
        return [*found, error("name", f"does not start with DL_LAB1_; e.g. {EXAMPLE}")]
    if prefix[1] == "DL_LAB1" and prefix[2].replace(" ", "") == "_" != prefix[2]:
        found.append(error("name", "spaces around the student ID; remove them"))
    elif prefix[0] != "DL_LAB1_":
        found.append(error("name", f"starts with {prefix[0]!r}; write 'DL_LAB1_'"))
    rest = plain[prefix.end() :]
    sid, sep, name = rest.partition("_")
    if not sep:
        if not re.search(r"\d", rest):
            return [*found, error("name", "no student ID; expected DL_LAB1_<ID>_<name>.zip")]
        if rest.strip().isdigit():
            return [*found, error("name", "no name after the student ID; add _<your name>")]
        return [*found, error("name", f"{rest!r} is not <ID>_<name>; join them with '_'")]
    if sid != sid.strip():
        found.append(error("name", f"spaces around the student ID {sid!r}; remove them"))
    if not (sid.strip().isascii() and sid.strip().isdigit()):
        found.append(error("name", f"student ID {sid.strip()!r} is not ASCII digits"))
    if name != name.strip():
        found.append(error("name", f"spaces around the name {name!r}; remove them"))
    if found:
        return found
    try:  # pack's own rule: the name it would write for this ID and name
        expected = zip_name(sid, name)
    except ValueError as e:
        return [error("name", str(e))]
    if filename != expected:
        return [error("name", f"not in NFC form; `backprop pack` would write {expected!r}")]
    return [info("name", f"the name {name!r} has spaces; pack allows them")] if " " in name else []


def _folds_to_ascii(c: str) -> bool:
    """A full-width (or other compatibility) form of an ASCII character, e.g. '３'."""
    folded = unicodedata.normalize("NFKC", c)
    return folded != c and folded.isascii()


@dataclass(frozen=True)
class Member:
    """One file of the zip that is safe to read: its decoded POSIX name and entry."""

    name: str
    info: zipfile.ZipInfo

    @property
    def size(self) -> int:
        return self.info.file_size


def _decoded(zi: zipfile.ZipInfo) -> tuple[str, Finding | None]:
    """The entry's name and, when it was not stored as UTF-8, a finding saying so."""
    name = zi.filename
    if zi.flag_bits & UTF8_FLAG or name.isascii():
        return name, None
    raw = name.encode("cp437")  # zipfile's decoding of an unflagged name, undone
    try:
        utf8 = raw.decode("utf-8")
    except UnicodeDecodeError:
        shown = raw.decode("utf-8", "replace")
        return shown, look("safety", f"name {shown!r} is not UTF-8 (a local code page?)")
    return utf8, info("safety", f"name {utf8!r} is UTF-8 but not flagged so; unzip may garble it")


def _is_symlink(zi: zipfile.ZipInfo) -> bool:
    return zi.create_system == 3 and stat.S_ISLNK(zi.external_attr >> 16)


def members(zf: zipfile.ZipFile) -> tuple[list[Member], list[Finding]]:
    """The zip's readable files, and a finding for every entry refused or suspicious."""
    entries = zf.infolist()
    found: list[Finding] = []
    if len(entries) > MAX_MEMBERS:
        return [], [error("safety", f"{len(entries):,} entries; more than {MAX_MEMBERS:,}")]
    total = sum(zi.file_size for zi in entries)
    if total > MAX_TOTAL_BYTES:
        mb = f"{total / 2**20:,.0f} MB"
        return [], [
            error("safety", f"unpacks to {mb}, over {MAX_TOTAL_BYTES // 2**20} MB: not read")
        ]
    out, seen = [], set()
    for zi in entries:
        name, note = _decoded(zi)
        found += [note] if note else []
        if name != escaped(name):  # a newline or an escape code would print as the TA's
            name = escaped(name)  # own lines and colours: shown escaped, everywhere
            found.append(look("safety", f"name {name!r} holds control characters"))
        path = name.replace("\\", "/")
        parts = PurePosixPath(path).parts
        if path.startswith("/") or re.match(r"[A-Za-z]:", path):
            found.append(error("safety", f"absolute path {name!r}: refused"))
        elif ".." in parts:
            found.append(error("safety", f"zip-slip entry {name!r} points outside the folder"))
        elif _is_symlink(zi):
            try:
                target = read(zf, zi)[:200].decode("utf-8", "replace")
            except UnreadableError:
                target = "?"
            found.append(look("safety", f"symlink {name!r} → {target!r}: not followed"))
        elif zi.flag_bits & 0x1:
            found.append(look("safety", f"{name!r} is encrypted: not read"))
        elif zi.is_dir():
            continue
        elif zi.file_size > MAX_MEMBER_BYTES or (
            zi.file_size > RATIO_FLOOR and zi.file_size > MAX_RATIO * max(zi.compress_size, 1)
        ):
            ratio = zi.file_size / max(zi.compress_size, 1)
            found.append(
                error(
                    "safety",
                    f"bomb-like {name!r}: {zi.compress_size:,} bytes unpack to "
                    f"{zi.file_size:,} ({ratio:,.0f}×): not read",
                )
            )
        elif path in seen:
            found.append(look("safety", f"{name!r} is in the zip twice"))
        else:
            seen.add(path)
            if path.lower().endswith(ARCHIVES):
                found.append(
                    look(
                        "safety",
                        f"nested archive {name!r} ({zi.file_size:,} bytes): "
                        "its contents are not checked",
                    )
                )
            out.append(Member(path, zi))
    return out, found


class UnreadableError(ValueError):
    """A member whose bytes cannot be read: a CRC error, broken deflate data, a method
    zipfile does not know."""


def read(zf: zipfile.ZipFile, member: Member | zipfile.ZipInfo) -> bytes:
    """The member's bytes, at most its checked size (a header that lies gets no more);
    ``UnreadableError`` if they cannot be read."""
    zi = member.info if isinstance(member, Member) else member
    try:
        with zf.open(zi) as fh:
            return fh.read(min(zi.file_size, MAX_MEMBER_BYTES) + 1)[:MAX_MEMBER_BYTES]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as e:
        raise UnreadableError(f"{zi.filename!r} cannot be read ({str(e)[:80]})") from None


def not_a_zip(path: Path) -> str:
    """Why ``path`` cannot be opened as a zip, naming the format its first bytes show."""
    with path.open("rb") as fh:
        head = fh.read(8)
    kind = next((k for magic, k in MAGIC.items() if head.startswith(magic)), None)
    return f"not a zip archive ({kind})" if kind else "not a zip archive"
