"""Official documents and exports of e-Budgeting: RKA-SKPD, DPA-SKPD and APBD summaries as PDF (pdf.py), Excel
(excel.py) and CSV (csv.py); data.py gathers what the documents print, tables.py the columns of every export."""
