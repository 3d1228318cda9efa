"""The one way the seam parses XML: no DTD, no entity expansion, no network.

Replies come from NCBI (or the replay server) and files from anyone; neither may make the
parser fetch a DTD or read a file through an external entity. PubMed's entities are numeric
anyway, so nothing is lost.
"""

from __future__ import annotations

from lxml import etree


def parse_xml(data: bytes) -> etree._Element:
    """Return the root element of ``data``; raise lxml's XMLSyntaxError if it is not XML."""
    # A parser per call: cheap next to a 200-record reply, and the refresh job's fetch thread
    # and main thread then share no parser state.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    return etree.fromstring(data, parser=parser)
