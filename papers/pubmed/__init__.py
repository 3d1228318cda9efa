"""PubMed XML: the records we keep (records.py) and the parser that builds them (parse.py)."""
