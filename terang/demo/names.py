"""Deterministic, clearly fictitious Indonesian names for demo people (seeded)."""

from __future__ import annotations

import random

FIRST = [
    "Agus", "Ahmad", "Ani", "Bambang", "Budi", "Dewi", "Dian", "Eko", "Fitri", "Hadi", "Hendra", "Indah", "Joko",
    "Kartika", "Lestari", "Made", "Nur", "Putri", "Rahmat", "Rina", "Siti", "Sri", "Taufik", "Wahyu", "Yuli", "Zainal",
]
LAST = [
    "Hidayat", "Santoso", "Wibowo", "Setiawan", "Purnomo", "Rahayu", "Susanto", "Kurniawan", "Handayani", "Prasetyo",
    "Saputra", "Wulandari", "Hakim", "Maulana", "Firmansyah", "Anggraini", "Nugroho", "Utami", "Syahputra", "Fauzi",
]


def fictitious_names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
