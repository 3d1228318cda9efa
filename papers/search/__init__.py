"""Full-text search over papers, in three modules.

- ``index``: keep ``Paper.search_vector`` current (the write side; ingest and admin call it).
- ``query``: turn what a reader typed and the filters into a ranked, capped QuerySet.
- ``highlight``: highlighted titles and snippets for one page of results.

The search form lives with the other forms in ``papers/views/forms.py``. See docs/search.md.
"""
