"""Background rendering of large official PDFs (RKA-SKPD, DPA-SKPD), run by `manage.py worker`.

The staff pages enqueue `render_report_pdf` through `PdfDocument.enqueue()` (reports/cache.py) for documents of more
than `SYNC_LINE_LIMIT` lines and poll until the file is in the cache. The task takes the document's parameters, not
model instances (they are stored as JSON), works out the document's fingerprint again when it starts — so the file
is stored under the key of the data it actually read — and does nothing when that file already exists.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

logger = logging.getLogger("terang.tasks")


@task()
def render_report_pdf(kind: str, params: dict[str, Any], key: str) -> dict[str, Any]:
    """Render one official PDF into the report cache. `key` is the key the page asked for (used to find this task);
    the result names the key stored, which differs when the data changed in between (the page then asks again)."""
    from .cache import current_document

    document = current_document(kind, params)
    if document is None:
        logger.warning("Dokumen %s %s tidak ditemukan lagi; tidak dirender.", kind, params)
        return {"key": key, "stored_key": None, "missing": True}
    existing = document.cached_path()
    if existing is not None:
        return {"key": key, "stored_key": document.key, "cached": True, "bytes": existing.stat().st_size}
    _path, stats = document.render_and_store()
    logger.info("PDF %s dirender: %s bita dalam %s detik.", kind, stats["bytes"], stats["seconds"])
    return {"key": key, "stored_key": document.key, "cached": False, "lines": document.line_count, **stats}
