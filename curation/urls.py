"""URLs of the curator workspace and of evidence items. Names carry the ``curation:`` prefix."""

from django.urls import path

from curation.views import duplicates, editor, inbox, items, picker, queue

app_name = "curation"

urlpatterns: list = [
    path("curate/", queue.dashboard, name="dashboard"),
    path("curate/papers/", picker.search, name="paper-search"),
    path("curate/papers/cite/", picker.citation_row, name="citation-row"),
    path("curate/papers/add/", picker.add, name="paper-add"),
    path("curate/papers/<int:pk>/status/", picker.status, name="paper-status"),
    path("curate/inbox/", inbox.inbox, name="inbox"),
    path("curate/inbox/<int:pk>/triage/", inbox.triage_one, name="inbox-triage"),
    path("curate/inbox/triage/", inbox.triage_bulk, name="inbox-triage-bulk"),
    path("curate/searches/run/", inbox.run_searches, name="searches-run"),
    path("curate/searches/new/", inbox.edit_search, name="search-new"),
    path("curate/searches/<int:pk>/", inbox.edit_search, name="search-edit"),
    path("curate/preview/", editor.preview, name="preview"),
    path("curate/duplicates/", duplicates.duplicate_list, name="duplicates"),
    path("curate/duplicates/merge/", duplicates.merge_duplicate, name="duplicates-merge"),
    path("notes/new/", editor.new_item, name="note-new"),
    path("notes/<int:pk>/", items.item_detail, name="note-detail"),
    path("notes/<int:pk>/edit/", editor.edit_item, name="note-edit"),
    path("notes/<int:pk>/merge/", editor.merge_item, name="note-merge"),
    path("notes/<int:pk>/v/<int:number>/", items.item_version, name="note-version"),
    path("notes/<int:pk>/history/", items.item_history, name="note-history"),
    path("notes/<int:pk>/submit/", items.submit, name="note-submit"),
    path("notes/<int:pk>/publish/", items.publish, name="note-publish"),
    path("notes/<int:pk>/send-back/", items.send_back, name="note-send-back"),
    path("notes/<int:pk>/retire/", items.retire, name="note-retire"),
    path("notes/<int:pk>/checked/", items.resolve_flag, name="note-checked"),
    path("activity/", queue.activity_feed, name="activity"),
    path("therapies/<slug:slug>/activity/", queue.therapy_activity, name="therapy-activity"),
]
