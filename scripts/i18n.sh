#!/bin/sh
# Bring the catalogs up to date with the code: `make translations` (or scripts/i18n.sh).
#
# 1. Extracts every string marked for translation (_(), _l(), lazy_gettext(), ngettext() in
#    Python; _() and ngettext() in templates; see babel.cfg) into translations/messages.pot.
# 2. Merges it into translations/<lang>/LC_MESSAGES/messages.po for every language: a new string
#    appears with an empty msgstr, a string no longer used is dropped. No fuzzy guessing: a
#    changed English string is a new string, so it shows up as untranslated.
# 3. Lists what is left to translate. Fill those msgstr in (keep %(name)s placeholders as they
#    are), then `make setup` compiles the catalogs and `make test` checks them
#    (tests/test_translations.py fails on any empty msgstr).
set -eu
cd "$(dirname "$0")/.."
PYBABEL="${PYBABEL:-.venv/bin/pybabel}"
POT=translations/messages.pot

"$PYBABEL" -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 \
    --project "Fitting Room Assist" --add-location=file --sort-output -w 100 -o "$POT" .
"$PYBABEL" -q update -i "$POT" -d translations --no-fuzzy-matching --ignore-obsolete -w 100


# Untranslated entries per language (an empty msgstr, or an empty plural form).
for po in translations/*/LC_MESSAGES/messages.po; do
    "${PYTHON:-.venv/bin/python}" - "$po" <<'PY'
import sys
from babel.messages.pofile import read_po

with open(sys.argv[1], "rb") as file:
    catalog = read_po(file)
empty = [m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])]
print(f"{sys.argv[1]}: {len(empty)} to translate")
PY
done
