#!/usr/bin/env bash
# Check that the committed OpenAPI schema (schema/openapi.yaml) matches the code.
#
#   scripts/check_schema.sh           generate, validate (warnings are errors) and compare; exit 1 on a difference
#   scripts/check_schema.sh --write   regenerate schema/openapi.yaml (then commit it)
#
# PYTHON selects the interpreter (default: .venv/bin/python, else python3). No database is touched.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-}"
if [[ -z "$PYTHON" ]]; then
  if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
COMMITTED=schema/openapi.yaml
REGENERATE="scripts/check_schema.sh --write"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# A throw-away var/ directory: generating the schema must not create or touch the real SQLite file.
export TERANG_VAR_DIR="$tmp/var"

generate() {
  "$PYTHON" manage.py spectacular --validate --fail-on-warn --lang id --file "$1"
}

if [[ "${1:-}" == "--write" ]]; then
  generate "$tmp/openapi.yaml"
  mkdir -p "$(dirname "$COMMITTED")"
  cp "$tmp/openapi.yaml" "$COMMITTED"
  echo "Skema OpenAPI ditulis ke $COMMITTED. Jangan lupa commit."
  exit 0
fi

if ! generate "$tmp/openapi.yaml"; then
  echo "GAGAL: skema OpenAPI tidak valid atau ada peringatan drf-spectacular (lihat di atas)." >&2
  exit 1
fi
if [[ ! -f "$COMMITTED" ]]; then
  echo "GAGAL: $COMMITTED belum ada. Buat dengan: $REGENERATE" >&2
  exit 1
fi
if ! diff -u "$COMMITTED" "$tmp/openapi.yaml"; then
  echo >&2
  echo "GAGAL: $COMMITTED berbeda dari skema yang dihasilkan kode (diff di atas: - berkas, + kode)." >&2
  echo "Jika perubahan API ini disengaja, buat ulang lalu commit:  $REGENERATE" >&2
  exit 1
fi
echo "Skema OpenAPI sesuai dengan $COMMITTED."
