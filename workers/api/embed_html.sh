#!/bin/sh
# Turn the dashboard page into C: embed_html.sh FILE > api_dashboard_html.c
set -eu
echo '/* generated from workers/api/dashboard.html; do not edit */'
echo '#include <stddef.h>'
echo 'const char api_dashboard_html[] = {'
od -An -v -tx1 "$1" | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'
echo '0 };'
echo 'const size_t api_dashboard_html_len = sizeof(api_dashboard_html) - 1;'
