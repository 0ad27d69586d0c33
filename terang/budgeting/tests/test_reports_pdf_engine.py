"""The PDF engine's two speed-ups keep behaviour: the garbage collector always comes back (also after an error and
with nested renders), and the trimmed user-agent stylesheet lays out the same pages as stock WeasyPrint."""

from __future__ import annotations

import gc
import threading

import pytest
import weasyprint

from terang.budgeting.reports import pdf

HTML = """<html><head><style>@page { size: A4; margin: 15mm; @bottom-right { content: counter(page) " / "
counter(pages); } } td { border: 0.5pt solid #000; }</style></head><body><h1>Uji</h1><ul><li>satu</li><li>dua</li>
</ul><table>{rows}</table></body></html>""".replace("{rows}", "".join(
    f"<tr><td>{i}</td><td>Kertas HVS 70 gr A4 baris {i}</td><td>Rp {i * 1000:,}</td></tr>" for i in range(150)))


def test_collector_resumes_after_render_error_and_nesting():
    assert gc.isenabled()
    with pdf.gc_paused():
        assert not gc.isenabled()
        with pdf.gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer render still runs
    assert gc.isenabled()
    with pytest.raises(RuntimeError), pdf.gc_paused():
        raise RuntimeError("render failed")
    assert gc.isenabled()


def test_collector_stays_off_when_it_was_off_before():
    gc.disable()
    try:
        with pdf.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_concurrent_renders_restore_the_collector_once_all_are_done():
    barrier = threading.Barrier(3)
    outputs: list[bytes] = []

    def render() -> None:
        barrier.wait()
        outputs.append(pdf.html_to_pdf(HTML))

    threads = [threading.Thread(target=render) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outputs) == 3 and all(out.startswith(b"%PDF") for out in outputs)
    assert gc.isenabled()


def test_trimmed_stylesheet_lays_out_the_same_pages_and_text_as_stock_weasyprint():
    ours = pdf.render_html_document(HTML)
    stock = weasyprint.HTML(string=HTML).render()
    assert len(ours.pages) == len(stock.pages) > 1

    def texts(document) -> list[str]:
        found: list[str] = []

        def walk(box) -> None:
            if getattr(box, "text", None):
                found.append(box.text)
            for child in getattr(box, "children", []) or []:
                walk(child)
        for page in document.pages:
            walk(page._page_box)
        return found

    assert texts(ours) == texts(stock)
    assert "Kertas HVS 70 gr A4 baris 149" in texts(ours)
