#!/bin/sh
# Every file with translatable strings is in po/POTFILES.in, and every file
# listed there exists.
# usage: check-potfiles.sh SOURCE_ROOT
set -eu
cd "$1"
status=0

listed=$(grep -v '^#' po/POTFILES.in | grep -v '^$')
for file in $listed; do
  if [ ! -f "$file" ]; then
    echo "po/POTFILES.in lists $file, which does not exist"
    status=1
  fi
done

for file in src/app/*.c ui/*.ui ui/gtk/*.ui data/*.in data/*.gschema.xml; do
  if grep -qE '(\b_|\bN_|\bC_|ngettext) ?\(|translatable="yes"|<summary>|^(Name|Comment)=' "$file" \
     && ! echo "$listed" | grep -qx "$file"; then
    echo "$file has translatable strings but is not in po/POTFILES.in"
    status=1
  fi
done

[ $status -eq 0 ] && echo "po/POTFILES.in is complete"
exit $status
