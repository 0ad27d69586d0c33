"""Benchmark: the RKA-SKPD PDF (WeasyPrint) of one agency with N lines — seconds per 1,000 lines and pages.

Builds the shared test world (terang/testing/budget.py) in a throwaway database (SQLite in a temporary
TERANG_VAR_DIR, or a fresh PostgreSQL database with DATABASE_URL=postgres://…, see bench/_regency_db.py), adds one
agency with N lines spread like the regency demo (~40 lines per sub-kegiatan, 8 accounts, kelompok [#] and
keterangan [-] groups, two- and three-factor koefisien, specifications on a third of the lines), then times the
three steps of `render_rka_pdf` separately: reading the document (`rka_document`), the HTML (`rka_html`) and
WeasyPrint (`html_to_pdf`), and counts the pages. "CPU" is this process's CPU time (on SQLite it includes the
database): on a busy machine it is the steadier figure.

    .venv/bin/python bench/bench_rka_pdf.py                 # 1,000 and 3,000 lines
    .venv/bin/python bench/bench_rka_pdf.py --lines 500 1000 3000 --paper f4
    .venv/bin/python bench/bench_rka_pdf.py --profile 3000  # cProfile of the WeasyPrint step (top 25)
    .venv/bin/python bench/bench_rka_pdf.py --lines 1000 --stock --repeat 2  # vs plain WeasyPrint, interleaved
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _regency_db import drop, machine, prepare_database

LINES_PER_SUB = 40
ACCOUNTS = ["5.1.02.01.01.0024", "5.1.02.01.01.0052", "5.1.02.01.01.0001", "5.2.02.05.02.0006"]
UNITS = [("Orang", "Hari"), ("Buah", "Bulan"), ("Paket", "Kali"), ("Unit", "Tahun")]


def build_agency(n_lines: int, index: int):
    """One new agency of the test world's pemda with `n_lines` lines; returns (organisation, fiscal_year)."""
    from terang.budgeting.calc import line_amounts
    from terang.budgeting.models import BudgetLine, FiscalYear, SubActivityBudget
    from terang.org.models import Organisation, Pemda
    from terang.reference.models import Account, ProgramCode, SumberDana
    from terang.testing.factories import OrganisationFactory

    fy = FiscalYear.objects.filter(tahun=2026).order_by("pk").first()
    pemda = Pemda.objects.get(pk=fy.pemda_id)
    org = OrganisationFactory(pemda=pemda, nama=f"Dinas Uji {index}", singkatan=f"DU{index}",
                              kode=f"1.02.0.00.0.00.{index + 20:02d}.0000", bidang_urusan="1.02",
                              kepala_nama="dr. Uji Coba, M.Kes", kepala_nip="197001012000032001")
    code = ProgramCode.objects.get(kode="1.02.02.2.01.0002")
    sumber = SumberDana.objects.filter(level__gte=2).order_by("kode").first()
    accounts = list(Account.objects.filter(kode__in=ACCOUNTS).order_by("kode"))
    n_subs = max(1, (n_lines + LINES_PER_SUB - 1) // LINES_PER_SUB)
    subs = [SubActivityBudget.objects.create(
        fiscal_year=fy, pemda=pemda, organisation=org, sub_kegiatan=code, kode=f"1.02.02.2.01.{1000 + i:04d}",
        nama=f"Pembangunan Puskesmas Wilayah {i + 1}", indikator=code.indikator, satuan="Unit",
        target=Decimal(2), sumber_dana=sumber, bulan_mulai=1, bulan_selesai=12) for i in range(n_subs)]
    lines = []
    for i in range(n_lines):
        sub = subs[i // LINES_PER_SUB]
        account = accounts[(i // 5) % len(accounts)]
        u1, u2 = UNITS[i % len(UNITS)]
        vol1, vol2 = Decimal(1 + i % 17), Decimal(1 + i % 5)
        vol3 = Decimal(1) if i % 3 == 0 else None
        harga = Decimal(25000 + (i * 7919) % 2500000)
        amounts = line_amounts(vol1=vol1, vol2=vol2, vol3=vol3, vol4=None, harga_satuan=harga, ppn=i % 4 == 0,
                               ppn_rate=Decimal("0.11"))
        lines.append(BudgetLine(
            fiscal_year=fy, pemda=pemda, organisation=org, sub_activity=sub, account=account, akun=account.kode[0],
            kelompok=f"Paket pekerjaan {(i // 10) % 3 + 1}", keterangan=f"Kebutuhan {(i // 5) % 2 + 1}",
            uraian=f"Komponen belanja nomor {i + 1} untuk kegiatan lapangan",
            spesifikasi="Spesifikasi teknis sesuai standar, termasuk ongkos kirim" if i % 3 == 0 else "",
            vol1=vol1, sat1=u1, vol2=vol2, sat2=u2, vol3=vol3, sat3="Kali" if vol3 else "",
            volume=amounts.volume, satuan="Paket", harga_satuan=harga, ppn=i % 4 == 0,
            ppn_amount=amounts.ppn_amount, total=amounts.total))
    BudgetLine.objects.bulk_create(lines, batch_size=2000)
    return Organisation.objects.select_related("pemda", "pemda__region").get(pk=org.pk), fy


def measure(org, fy, paper: str, stock: bool = False) -> dict[str, float]:
    from contextlib import nullcontext

    from terang.budgeting.reports import data, pdf

    c0 = time.process_time()
    t0 = time.perf_counter()
    doc = data.rka_document(organisation=org, fiscal_year=fy)
    t1 = time.perf_counter()
    html = pdf.rka_html(doc, paper=paper)
    t2 = time.perf_counter()
    if stock:  # plain WeasyPrint as before H8: stock user-agent stylesheet, garbage collector running
        from weasyprint import HTML

        render = HTML
    else:  # what html_to_pdf does, keeping the pages to count them
        render = pdf._html_class()
    with nullcontext() if stock else pdf.gc_paused():
        document = render(string=html).render()
        content = document.write_pdf()
    t3 = time.perf_counter()
    cpu = time.process_time() - c0
    pages = len(document.pages)
    return {"lines": doc.line_count, "data": t1 - t0, "html": t2 - t1, "pdf": t3 - t2, "total": t3 - t0, "cpu": cpu,
            "pages": pages, "bytes": len(content)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--paper", default="a4")
    parser.add_argument("--profile", type=int, default=0, help="profile WeasyPrint for this many lines")
    parser.add_argument("--save-html", default="", help="also write each document's HTML to <this>-<lines>.html")
    parser.add_argument("--stock", action="store_true",
                        help="also time plain WeasyPrint (stock stylesheet, collector on), interleaved")
    parser.add_argument("--repeat", type=int, default=1, help="time each size this many times")
    args = parser.parse_args()
    db = prepare_database("rka_pdf")
    import django

    django.setup()
    try:
        from django.core.management import call_command

        from terang.testing.budget import make_budget_world

        print(f"RKA-SKPD PDF benchmark — {db.description}\n  {machine()}")
        call_command("migrate", interactive=False, verbosity=0)
        make_budget_world(with_users=False)
        sizes = [args.profile] if args.profile else args.lines
        for index, n in enumerate(sizes, start=1):
            org, fy = build_agency(n, index)
            if args.profile:
                import cProfile
                import pstats

                from terang.budgeting.reports import data, pdf

                html = pdf.rka_html(data.rka_document(organisation=org, fiscal_year=fy), paper=args.paper)
                profiler = cProfile.Profile()
                profiler.enable()
                pdf.html_to_pdf(html)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
                continue
            if args.save_html:
                from terang.budgeting.reports import data, pdf

                Path(f"{args.save_html}-{n}.html").write_text(
                    pdf.rka_html(data.rka_document(organisation=org, fiscal_year=fy), paper=args.paper))
            for _ in range(args.repeat):
                for stock in (True, False) if args.stock else (False,):
                    m = measure(org, fy, args.paper, stock=stock)
                    per_k = m["total"] / m["lines"] * 1000
                    print(f"  {'stock ' if stock else ''}{m['lines']:>6,} lines: {m['total']:6.1f} s wall, "
                          f"{m['cpu']:.1f} s CPU (data {m['data']:.2f} s, html {m['html']:.2f} s, "
                          f"WeasyPrint {m['pdf']:.1f} s), {m['pages']:,} pages, {m['bytes'] / 1024:,.0f} KiB → "
                          f"{per_k:.2f} s per 1,000 lines ({m['cpu'] / m['lines'] * 1000:.2f} s CPU)", flush=True)
    finally:
        drop(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
