"""Literature intake: watched PubMed searches feeding the curators' triage inbox.

watch.py runs a watched search (esearch over the window since its last run, through the
papers.pubmed seam) and queues the PMIDs irtkb lacks as one import job on the same path as
every import (papers.refresh.create_job + papers.tasks.enqueue_job); triage.py records the
curators' decisions; tasks.py is the weekly beat entry. Details: docs/intake.md.
"""
