#!/bin/sh
# Maintainer tool: regenerate po/bedrock-chat-migrate.pot from the wizard's string tables
# (the N_/NC_ markers in src/tui/i18n*.c) and the engine's message templates (the M_/MC_
# markers in src/engine/message/message.c), and merge it into po/ja.po. New English texts
# then appear in ja.po untranslated, changed ones marked fuzzy: translate them and remove
# the fuzzy marks; `make` compiles ja.po with msgfmt --check --check-format.
set -eu
cd "$(dirname "$0")/.."
xgettext --from-code=UTF-8 --language=C --keyword= --keyword=N_ --keyword=NC_:1c,2 --keyword=M_ --keyword=MC_:1c,2 --sort-by-file \
    --package-name=bedrock-chat-migrate --no-wrap \
    -o po/bedrock-chat-migrate.pot src/tui/i18n.c src/tui/i18n_run.c src/tui/i18n_copy.c src/engine/message/message.c
msgmerge --quiet --update --backup=none --no-fuzzy-matching --no-wrap \
    po/ja.po po/bedrock-chat-migrate.pot
