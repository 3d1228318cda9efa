"""Dated releases of the open data: ``manage.py make_release`` writes ``var/releases/<date>/``.

Releases sit beside the API, not below it: their JSON files are written by the API's own
serializers (papers/api/serializers.py), so a release record and an API record have the same
fields. Nothing here imports the pipeline.
"""
