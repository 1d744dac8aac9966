#!/bin/sh
# embed.sh DIR — prints runtime/webui_assets.c: the web UI's files in DIR as
# C arrays (od and sed, no other tool), with the table webui_int.h declares.
# Each array ends with a NUL that its length leaves out.
set -e
dir=$1
# served path | file | content type
assets='/|index.html|text/html; charset=utf-8
/assets/app.js|app.js|text/javascript; charset=utf-8
/assets/style.css|style.css|text/css; charset=utf-8'

echo '/* Generated from runtime/webui/ by runtime/webui/embed.sh: do not edit. */'
echo '#include "config.h"'
echo '#include "runtime/webui_int.h"'
i=0
echo "$assets" | while IFS='|' read -r path file ctype; do
  [ -f "$dir/$file" ] || { echo "embed.sh: no $dir/$file" >&2; exit 1; }
  echo "static const unsigned char asset$i[] = {"
  od -An -v -tx1 "$dir/$file" | sed -e 's/[ 	]*$//' -e '/^$/d' -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
  echo '0x00 };'
  i=$((i + 1))
done
echo 'const crowd_web_asset crowd_web_assets[] = {'
i=0
echo "$assets" | while IFS='|' read -r path file ctype; do
  echo "  { \"$path\", \"$ctype\", asset$i, sizeof asset$i - 1 },"
  i=$((i + 1))
done
echo '};'
echo "const size_t crowd_web_nassets = sizeof crowd_web_assets / sizeof crowd_web_assets[0];"
