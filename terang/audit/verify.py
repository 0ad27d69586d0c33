"""Recompute the hash chains and name the first record that was edited, deleted or reordered.

The verifier streams the records in `seq` order (`.iterator(chunk_size=2000)` over `values_list` tuples, so
memory stays flat for millions of rows) and checks, for each record:

1. its `seq` follows the previous one without a gap (a deleted record shows here);
2. its `prev_hash` equals the hash of the previous record (swapped seq values show here);
3. its stored `hash` equals the hash recomputed from its fields (an edited record shows here).

At the end the last record must match the chain head (a deleted tail shows here), and no record may lie beyond
the head. The chain proves integrity against edits made *without* recomputing hashes; someone able to rewrite
every hash and the head can only be caught by comparing the head hash with a copy kept elsewhere
(`VerifyResult.head_hash` is printed by `manage.py audit_verify` for that purpose).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from .chain import CHANGE_FIELDS, EVENT_FIELDS, GENESIS_HASH, hash_values
from .models import ChainHead, ChangeRecord, DomainEvent
from .services import CHAINS, CHANGE_CHAIN, EVENT_CHAIN

CHUNK_SIZE = 2000

_CHAIN_MODELS: dict[str, tuple[type[Model], tuple[str, ...]]] = {
    CHANGE_CHAIN: (ChangeRecord, CHANGE_FIELDS),
    EVENT_CHAIN: (DomainEvent, EVENT_FIELDS),
}


@dataclass
class VerifyResult:
    """Outcome of verifying one chain: `ok`, how many records were read, the first bad seq and why."""

    chain: str
    ok: bool
    count: int
    first_bad_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    seconds: float = field(default=0.0, compare=False)

    def __str__(self) -> str:
        if self.ok:
            return _("Rantai %(chain)s utuh: %(count)s catatan, kepala #%(seq)s %(hash)s.") % {
                "chain": self.chain, "count": self.count, "seq": self.head_seq, "hash": self.head_hash,
            }
        return _("Rantai %(chain)s RUSAK: %(reason)s") % {"chain": self.chain, "reason": self.reason}


def _bad(chain: str, count: int, seq: int, reason: str, head: ChainHead) -> VerifyResult:
    return VerifyResult(chain=chain, ok=False, count=count, first_bad_seq=seq, reason=reason,
                        head_seq=head.last_seq, head_hash=head.last_hash)


def verify_chain(name: str, *, chunk_size: int = CHUNK_SIZE) -> VerifyResult:
    """Verify the chain `name` ("change" or "event") from its first record to its head."""
    if name not in _CHAIN_MODELS:
        raise ValueError(f"unknown audit chain {name!r}; expected one of {', '.join(CHAINS)}")
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # A server-side cursor inside a transaction streams the rows; outside one, psycopg would declare it
        # WITH HOLD and materialise the whole result first. Readers do not block writers on PostgreSQL.
        with transaction.atomic():
            result = _verify(name, chunk_size)
    else:
        # SQLite: no surrounding transaction (BEGIN IMMEDIATE would block writers for the whole run); the
        # single SELECT statement reads one consistent snapshot.
        result = _verify(name, chunk_size)
    result.seconds = time.perf_counter() - started
    return result


def _verify(name: str, chunk_size: int) -> VerifyResult:
    model, names = _CHAIN_MODELS[name]
    # Read the head first: every record up to head.last_seq was committed together with the head update.
    head = ChainHead.objects.filter(name=name).first() or ChainHead(name=name)
    rows = (
        model._default_manager.filter(seq__lte=head.last_seq)
        .order_by("seq")
        .values_list(*names, "hash")
        .iterator(chunk_size=chunk_size)
    )
    seq_index = names.index("seq")
    prev_index = names.index("prev_hash")
    expected_seq = 1
    expected_prev = GENESIS_HASH
    count = 0
    for row in rows:
        seq, prev_hash, stored_hash = row[seq_index], row[prev_index], row[-1]
        count += 1
        if seq != expected_seq:
            return _bad(name, count, seq, _(
                "catatan #%(seq)s: rantai terputus (catatan sebelumnya hilang atau urutan diubah; "
                "seharusnya #%(expected)s)") % {"seq": seq, "expected": expected_seq}, head)
        if prev_hash != expected_prev:
            return _bad(name, count, seq, _(
                "catatan #%(seq)s: rantai terputus (catatan sebelumnya hilang atau urutan diubah)") % {"seq": seq},
                head)
        if hash_values(names, row[:-1]) != stored_hash:
            return _bad(name, count, seq, _("catatan #%(seq)s: hash tidak cocok (isi diubah)") % {"seq": seq}, head)
        expected_prev = stored_hash
        expected_seq = seq + 1
    last_seq = expected_seq - 1
    if last_seq != head.last_seq or expected_prev != head.last_hash:
        return _bad(name, count, last_seq + 1, _(
            "catatan terakhir #%(last)s tidak sesuai kepala rantai #%(head)s (catatan terakhir dihapus)")
            % {"last": last_seq, "head": head.last_seq}, head)
    beyond = model._default_manager.filter(seq__gt=head.last_seq).order_by("seq").values_list("seq", flat=True).first()
    if beyond is not None:
        # Either appended after we read the head (fine) or written past the head (forged or head rolled back).
        current = ChainHead.objects.filter(name=name).values_list("last_seq", flat=True).first() or 0
        if beyond > current:
            return _bad(name, count, beyond, _(
                "catatan #%(seq)s berada di luar kepala rantai #%(head)s (ditambahkan tanpa melalui rantai)")
                % {"seq": beyond, "head": current}, head)
    return VerifyResult(chain=name, ok=True, count=count, head_seq=head.last_seq, head_hash=head.last_hash)


def verify_all() -> list[VerifyResult]:
    """Verify every chain (change records, then domain events)."""
    return [verify_chain(name) for name in CHAINS]
