"""Stream PubMed baseline and update files (.xml or .xml.gz) as batches of parsed records.

A baseline file holds 30,000 records (about 150 MB of XML, 30 MB gzipped) and all of PubMed
is about 1,300 of them, so a file is never read whole: lxml's iterparse hands over one
PubmedArticle at a time, and each is cleared (with the siblings before it) once read, so
memory stays flat whatever the file's size. Nothing here knows about Django.

Positions count *items*: each PubmedArticle, PubmedBookArticle and DeleteCitation element is
one item, in file order. A caller that stored everything up to position N resumes with
``skip=N``; the skipped items are still read by the XML parser (a gzip stream cannot seek)
but not parsed into records.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from papers.pubmed.errors import PubmedParseError
from papers.pubmed.parse import parse_record_element
from papers.pubmed.records import PaperRecord, ParseResult, RecordError

ITEM_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
GZIP_MAGIC = b"\x1f\x8b"
# Errors a damaged gzip stream raises while it is read (bad header, bad CRC, cut short).
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)


@dataclass
class FileBatch:
    """Consecutive items of one file: records, withdrawn PMIDs, unreadable records.

    ``position`` is the number of items read from the file's start up to this batch's end.
    A batch holds either records or deletions, never both, so storing batches in order
    applies a file's deletions exactly where the file has them.
    """

    records: list[PaperRecord] = field(default_factory=list)
    deleted_pmids: list[int] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    position: int = 0

    @property
    def last_pmid(self) -> int | None:
        pmids = [r.pmid for r in self.records] or self.deleted_pmids
        return pmids[-1] if pmids else None


def sha256_of(path: Path) -> str:
    """Return the SHA-256 of the file's bytes (as stored: of the .gz, not what it holds)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def open_pubmed_file(path: Path) -> BinaryIO:
    """Open ``path`` for reading its XML, decompressing it if it is gzipped (by its bytes)."""
    stream = path.open("rb")
    if stream.read(2) == GZIP_MAGIC:
        stream.seek(0)
        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[return-value]
    stream.seek(0)
    return stream


def iter_file_batches(
    path: Path, *, batch_size: int = 1000, skip: int = 0, first_batch_size: int | None = None
) -> Iterator[FileBatch]:
    """Yield the file's items from position ``skip`` on, in batches of up to ``batch_size``.

    ``first_batch_size`` (smaller) makes the first batch come sooner: a caller that stores
    batches while the next is parsed then waits only for that one before it can start.

    Raise PubmedParseError (naming the file, the item and the cause) when the file is not
    readable as a whole: bad gzip, truncated or malformed XML, not a PubmedArticleSet. Batches
    yielded before the error stay valid; a record that is merely incomplete becomes a
    RecordError in its batch and does not stop the file.
    """
    source = path.name
    position = 0
    batch = FileBatch()
    size = min(first_batch_size or batch_size, batch_size)
    with open_pubmed_file(path) as stream:
        items = etree.iterparse(
            stream,
            events=("end",),
            tag=ITEM_TAGS,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=True,
        )
        try:
            for _event, element in items:
                if position == 0:
                    _check_root(element.getroottree().getroot(), source)
                position += 1
                if position > skip:
                    if element.tag == "DeleteCitation":
                        if batch.records or batch.errors:
                            yield _closed(batch, position - 1)
                            batch = FileBatch()
                        batch.deleted_pmids.extend(_deleted_pmids(element))
                    else:
                        if batch.deleted_pmids:
                            yield _closed(batch, position - 1)
                            batch = FileBatch()
                        _read_record(batch, element)
                    if len(batch.records) + len(batch.errors) >= size:
                        yield _closed(batch, position)
                        batch, size = FileBatch(), batch_size
                _release(element)
            if position == 0:
                _check_root(items.root, source)
        except etree.XMLSyntaxError as exc:
            raise PubmedParseError(
                source, f"malformed or truncated XML after item {position}: {exc}"
            ) from None
        except _GZIP_ERRORS as exc:
            raise PubmedParseError(
                source, f"corrupt gzip data after item {position}: {exc}"
            ) from None
    if batch.records or batch.deleted_pmids or batch.errors:
        yield _closed(batch, position)


def _closed(batch: FileBatch, position: int) -> FileBatch:
    batch.position = position
    return batch


def _check_root(root: etree._Element | None, source: str) -> None:
    if root is None or root.tag != "PubmedArticleSet":
        tag = getattr(root, "tag", None)
        raise PubmedParseError(source, f"not a PubmedArticleSet (root element <{tag}>)")


def _read_record(batch: FileBatch, element: etree._Element) -> None:
    result = ParseResult()
    parse_record_element(result, element)
    batch.records.extend(result.records)
    batch.errors.extend(result.errors)


def _deleted_pmids(element: etree._Element) -> list[int]:
    return [int(p.text) for p in element.iterfind("PMID") if p.text and p.text.strip().isdigit()]


def _release(element: etree._Element) -> None:
    """Free the item just read and every sibling before it: what keeps memory flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
