# Sourced before the scripts in capture/: helpers that run a command in a fastlab node and store its real
# output byte for byte, with a note line per file.
FASTLAB=${FASTLAB:-$(dirname "${BASH_SOURCE[0]}")/fastlab}
FIX=${FIX:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../fixtures" && pwd)}
# cap DIR FILE NODE SITUATION -- CMD...   stdout -> DIR/FILE; stderr kept if non-empty -> FILE.stderr;
#                                          exit code noted (and FILE.rc written when non-zero)
cap() {
  local dir=$1 file=$2 node=$3 sit=$4; shift 5
  mkdir -p "$FIX/$dir"
  local out=$FIX/$dir/$file rc=0
  "$FASTLAB" exec "$node" "$@" >"$out" 2>"$out.stderr" || rc=$?
  [ -s "$out.stderr" ] || rm -f "$out.stderr"
  if [ "$rc" != 0 ]; then echo "$rc" > "$out.rc"; else rm -f "$out.rc"; fi
  printf -- '- `%s`%s%s — on %s: `%s` (exit %s). %s\n' "$file" \
    "$( [ -e "$out.stderr" ] && echo " (+ \`$file.stderr\`)")" "$( [ -e "$out.rc" ] && echo " (+ \`$file.rc\`)")" \
    "$node" "$*" "$rc" "$sit" >> "$FIX/$dir/.notes-entries"
  echo "captured $dir/$file (rc=$rc, $(wc -c <"$out") bytes)" >&2
  return 0
}
