"""Official PDFs at regency scale: large documents are rendered by a background task while the page polls, every PDF
is kept in the report cache (frozen stages once, live data per fingerprint), only users who may see a document can
ask for it, poll it or download it, and a frozen stage prints the koefisien it froze."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from terang.accounts.testing import force_login_verified as login
from terang.budgeting.models import BudgetLine, StageLine
from terang.budgeting.reports import cache, data, pdf
from terang.budgeting.services import dpa as dpa_services
from terang.budgeting.services import stages as stage_services

from .test_reports_documents import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path, monkeypatch):
    settings.TERANG_REPORT_CACHE_DIR = str(tmp_path / "report-cache")
    # the worker runs inside the test transaction (see terang/core/tests/test_tasks.py)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)
    return tmp_path / "report-cache"


@pytest.fixture
def small_limit(monkeypatch):
    """Dinkes has 5 lines: with a limit of 3 its RKA counts as a large document."""
    monkeypatch.setattr(cache, "SYNC_LINE_LIMIT", 3)


@pytest.fixture
def renders(monkeypatch):
    """Count WeasyPrint runs (the real renderer still runs)."""
    calls = []
    real = pdf.html_to_pdf

    def counting(html):
        calls.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counting)
    return calls


def _rka(fy, org, stage=None, *, status=False, paper=""):
    args = [fy.pk, org.pk] if status else [fy.pk, org.pk, "pdf"]
    url = reverse("budgeting:report_rka_status" if status else "budgeting:report_rka", args=args)
    query = "&".join(q for q in (f"tahapan={stage.pk}" if stage else "", f"kertas={paper}" if paper else "") if q)
    return url + ("?" + query if query else "")


def _tasks():
    return DBTaskResult.objects.filter(task_path=cache.TASK_PATH)


def _files(root):
    return sorted(p for p in root.rglob("*.pdf")) if root.exists() else []


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_large_rka_is_prepared_in_the_background_then_served_from_the_cache(client, budget, apbd, small_limit,
                                                                            renders, _isolated_cache):
    fy, dinkes = budget.fiscal_year, budget.orgs["dinkes"]
    login(client, budget.users["operator"])

    response = client.get(_rka(fy, dinkes, apbd))
    assert response.status_code == 202
    html = response.content.decode()
    assert "Dokumen sedang disiapkan" in html and "5 rincian" in html
    status_url = _rka(fy, dinkes, apbd, status=True)
    assert f'hx-get="{status_url}"' in html.replace("&amp;", "&") and 'hx-trigger="every 3s"' in html
    assert renders == [] and _files(_isolated_cache) == []
    task = _tasks().get()
    assert task.status == TaskResultStatus.READY and task.args_kwargs["kwargs"]["params"]["organisation"] == dinkes.pk

    # asking again, or polling, never enqueues the same document twice
    assert client.get(_rka(fy, dinkes, apbd)).status_code == 202
    poll = client.get(status_url)
    assert poll.status_code == 200 and 'data-state="pending"' in poll.content.decode()
    assert _tasks().count() == 1

    call_command("worker", "--batch", verbosity=0)

    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value["cached"] is False
    assert len(renders) == 1
    [stored] = _files(_isolated_cache)
    assert stored.name.startswith("a4-id-") and f"/rka/{fy.pk}/{dinkes.pk}/tahapan-{apbd.pk}/" in str(stored)
    poll = client.get(status_url).content.decode()
    assert 'data-state="ready"' in poll and "hx-get" not in poll
    assert f'href="{_rka(fy, dinkes, apbd)}"' in poll.replace("&amp;", "&")

    response = client.get(_rka(fy, dinkes, apbd))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="RKA-SKPD_1.02.0.00.0.00.01.0000_2026_apbd.pdf"'
    content = _body(response)
    assert content == stored.read_bytes() and content.startswith(b"%PDF")
    assert len(renders) == 1  # served from the file, not rendered again
    assert "Dinas Kesehatan" in pdf_text(content, renders[0])
    assert _tasks().count() == 1


def test_small_documents_render_in_the_request_and_are_kept(client, budget, apbd, renders, _isolated_cache):
    fy, dinkes = budget.fiscal_year, budget.orgs["dinkes"]
    login(client, budget.users["operator"])
    first = client.get(_rka(fy, dinkes, apbd, paper="f4"))
    assert first.status_code == 200 and len(renders) == 1
    second = client.get(_rka(fy, dinkes, apbd, paper="f4"))
    assert _body(second) == _body(first) and len(renders) == 1
    assert [p.name[:6] for p in _files(_isolated_cache)] == ["f4-id-"]
    assert client.get(_rka(fy, dinkes, apbd, paper="b5")).status_code == 400
    assert _tasks().count() == 0 and len(_files(_isolated_cache)) == 1


def test_a_changed_live_line_makes_a_new_render(client, budget, renders, _isolated_cache):
    fy, dinkes = budget.fiscal_year, budget.orgs["dinkes"]
    login(client, budget.users["operator"])
    before = _body(client.get(_rka(fy, dinkes)))
    assert "10 Buah x 12 Bulan" in pdf_text(before, renders[-1])
    assert _body(client.get(_rka(fy, dinkes))) == before and len(renders) == 1
    [old_file] = _files(_isolated_cache)

    line = budget.lines["ballpoint"]
    BudgetLine.objects.filter(pk=line.pk).update(vol1=Decimal(11), version=line.version + 1,
                                                 updated_at=timezone.now())
    after = _body(client.get(_rka(fy, dinkes)))
    assert len(renders) == 2
    assert "11 Buah x 12 Bulan" in pdf_text(after, renders[-1])
    [new_file] = _files(_isolated_cache)
    assert new_file != old_file  # the render of the old data is gone

    # a deleted line changes the fingerprint too
    BudgetLine.objects.filter(pk=budget.lines["lem"].pk).delete()
    client.get(_rka(fy, dinkes))
    assert len(renders) == 3


def test_other_agencies_get_404_for_poll_and_download(client, budget, apbd, small_limit, _isolated_cache):
    fy, dinkes = budget.fiscal_year, budget.orgs["dinkes"]
    dpa = dpa_services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=dinkes)
    urls = [_rka(fy, dinkes, apbd), _rka(fy, dinkes, apbd, status=True), _rka(fy, dinkes),
            _rka(fy, dinkes, status=True), reverse("budgeting:report_dpa", args=[dpa.pk, "pdf"]),
            reverse("budgeting:report_dpa_status", args=[dpa.pk])]
    # agency A prepares its documents
    login(client, budget.users["operator"])
    for url in urls[::2]:
        assert client.get(url).status_code == 202
    call_command("worker", "--batch", verbosity=0)
    files = _files(_isolated_cache)
    assert len(files) == 3
    tasks = _tasks().count()
    for who in ("operator_dispendik", "operator_b"):
        login(client, budget.users[who])
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
    assert _files(_isolated_cache) == files and _tasks().count() == tasks  # nothing rendered, nothing enqueued
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302


def test_the_cache_of_agency_a_is_never_served_to_agency_b(client, budget, apbd, renders, _isolated_cache):
    fy = budget.fiscal_year
    login(client, budget.users["tapd"])  # pemda-wide: sees both
    dinkes_pdf = _body(client.get(_rka(fy, budget.orgs["dinkes"], apbd)))
    login(client, budget.users["operator_dispendik"])
    response = client.get(_rka(fy, budget.orgs["dispendik"], apbd))
    assert response.status_code == 200
    dispendik_pdf = _body(response)
    assert len(renders) == 2 and dispendik_pdf != dinkes_pdf
    text = pdf_text(dispendik_pdf, renders[-1])
    assert "Dinas Pendidikan" in text and "Dinas Kesehatan" not in text and "Refill Ballpoint" not in text
    scopes = {p.parent.relative_to(_isolated_cache).as_posix() for p in _files(_isolated_cache)}
    assert scopes == {f"rka/{fy.pk}/{budget.orgs['dinkes'].pk}/tahapan-{apbd.pk}",
                      f"rka/{fy.pk}/{budget.orgs['dispendik'].pk}/tahapan-{apbd.pk}"}


def test_a_failed_render_offers_to_try_again(client, budget, apbd, small_limit, monkeypatch, _isolated_cache):
    fy, dinkes = budget.fiscal_year, budget.orgs["dinkes"]
    login(client, budget.users["operator"])
    assert client.get(_rka(fy, dinkes, apbd)).status_code == 202

    def broken(html):
        raise RuntimeError("font hilang")

    monkeypatch.setattr(pdf, "html_to_pdf", broken)
    call_command("worker", "--batch", verbosity=0)
    assert _tasks().get().status == TaskResultStatus.FAILED
    poll = client.get(_rka(fy, dinkes, apbd, status=True)).content.decode()
    assert 'data-state="failed"' in poll and "Coba lagi" in poll and _tasks().count() == 1

    monkeypatch.undo()
    monkeypatch.setattr(cache, "SYNC_LINE_LIMIT", 3)
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)
    assert client.get(_rka(fy, dinkes, apbd)).status_code == 202  # "Coba lagi" enqueues a new render
    assert _tasks().filter(status=TaskResultStatus.READY).count() == 1
    call_command("worker", "--batch", verbosity=0)
    assert client.get(_rka(fy, dinkes, apbd)).status_code == 200


def test_data_changed_while_rendering_is_rendered_again(client, budget, small_limit, _isolated_cache):
    fy, dinkes = budget.fiscal_year, budget.orgs["dinkes"]
    login(client, budget.users["operator"])
    assert client.get(_rka(fy, dinkes)).status_code == 202
    BudgetLine.objects.filter(pk=budget.lines["lem"].pk).update(vol1=Decimal(6), updated_at=timezone.now())
    call_command("worker", "--batch", verbosity=0)
    first = _tasks().get()
    assert first.return_value["stored_key"] != first.return_value["key"]  # stored under the newer data's key
    poll = client.get(_rka(fy, dinkes, status=True)).content.decode()
    assert 'data-state="ready"' in poll  # the newer data is exactly what is cached
    BudgetLine.objects.filter(pk=budget.lines["lem"].pk).update(vol1=Decimal(7), updated_at=timezone.now())
    poll = client.get(_rka(fy, dinkes, status=True)).content.decode()
    assert 'data-state="pending"' in poll and _tasks().count() == 2  # a new render for the current data


def test_dpa_pdf_in_the_background(client, budget, apbd, small_limit, renders, _isolated_cache):
    dpa = dpa_services.dpa_create(actor=budget.users["bpkad"], stage=apbd, organisation=budget.orgs["dinkes"])
    login(client, budget.users["operator"])
    url = reverse("budgeting:report_dpa", args=[dpa.pk, "pdf"])
    assert client.get(url).status_code == 202
    call_command("worker", "--batch", verbosity=0)
    assert 'data-state="ready"' in client.get(reverse("budgeting:report_dpa_status", args=[dpa.pk])).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="DPA_1.02.0.00.0.00.01.0000_2026.pdf"'
    assert "Rencana Penarikan Dana per Triwulan" in pdf_text(_body(response), renders[-1])


def test_frozen_summary_pdf_is_kept(client, budget, apbd, renders, _isolated_cache):
    login(client, budget.users["tapd"])
    url = reverse("budgeting:report_summary", args=[budget.fiscal_year.pk, "akun", "pdf"]) + f"?tahapan={apbd.pk}"
    first = _body(client.get(url))
    assert _body(client.get(url)) == first and len(renders) == 1
    live = reverse("budgeting:report_summary", args=[budget.fiscal_year.pk, "akun", "pdf"])
    assert client.get(live).status_code == 200 and len(renders) == 2
    assert len(_files(_isolated_cache)) == 1  # live summaries are not kept


def test_immediate_backend_serves_the_large_document_at_once(client, budget, apbd, small_limit, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    login(client, budget.users["operator"])
    response = client.get(_rka(budget.fiscal_year, budget.orgs["dinkes"], apbd))
    assert response.status_code == 200 and _body(response).startswith(b"%PDF")


# --- koefisien of frozen stages ----------------------------------------------------------------------------------


def test_frozen_rka_prints_the_frozen_koefisien_after_the_live_line_changed(budget):
    stage = stage_services.stage_close_and_freeze(actor=budget.users["bpkad"], stage=budget.rka)
    frozen = StageLine.objects.get(stage=stage, line_id=budget.lines["ballpoint"].pk)
    assert (frozen.vol1, frozen.sat1, frozen.vol2, frozen.sat2, frozen.vol3) == (10, "Buah", 12, "Bulan", None)
    BudgetLine.objects.filter(pk=budget.lines["ballpoint"].pk).update(
        vol1=Decimal(11), vol2=Decimal(6), sat2="Bulan", updated_at=timezone.now())
    BudgetLine.objects.filter(pk=budget.lines["nasi"].pk).update(vol1=Decimal(12), updated_at=timezone.now())

    dinkes = budget.orgs["dinkes"]
    frozen_html = pdf.rka_html(data.rka_document(organisation=dinkes, stage=stage))
    live_html = pdf.rka_html(data.rka_document(organisation=dinkes, fiscal_year=budget.fiscal_year))
    assert "10 Buah x 12 Bulan" in frozen_html and "10 Orang x 2 Hari x 1 Kali" in frozen_html
    assert "11 Buah x 6 Bulan" not in frozen_html and "12 Orang" not in frozen_html
    assert "11 Buah x 6 Bulan" in live_html and "12 Orang x 2 Hari x 1 Kali" in live_html
    text = pdf_text(pdf.render_rka_pdf(organisation=dinkes, stage=stage), frozen_html)
    assert "10 Buah x 12 Bulan" in text and "10 Orang x 2 Hari x 1 Kali" in text and "11 Buah" not in text


def test_stages_frozen_before_the_koefisien_columns_fall_back(budget):
    stage = stage_services.stage_close_and_freeze(actor=budget.users["bpkad"], stage=budget.rka)
    StageLine.objects.filter(stage=stage).update(vol1=None, sat1="", vol2=None, sat2="", vol3=None, sat3="")
    dinkes = budget.orgs["dinkes"]
    assert "10 Buah x 12 Bulan" in pdf.rka_html(data.rka_document(organisation=dinkes, stage=stage))
    BudgetLine.objects.filter(pk=budget.lines["ballpoint"].pk).update(vol1=Decimal(11), updated_at=timezone.now())
    html = pdf.rka_html(data.rka_document(organisation=dinkes, stage=stage))
    assert "120 Buah" in html and "10 Buah x 12 Bulan" not in html and "11 Buah" not in html
