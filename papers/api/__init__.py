"""The read-only JSON API under /api/v1/ (docs/api.md).

``serializers`` shape every record (the dated releases reuse them, so a release file and an
API response have the same fields), ``filters`` hold each list's query parameters,
``views`` the endpoints, ``urls`` the one URL configuration; ``pagination``, ``conditional``,
``throttling``, ``errors`` and ``schema`` are the cross-cutting pieces.
"""
