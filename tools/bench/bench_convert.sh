#!/bin/bash
# bench_convert.sh - `msilab convert BIG.dat` against `trace-cmd report -i
# BIG.dat` on one large real-format trace.dat (at least 100 MB of ring-buffer
# pages), in one run; prints both times and the ratio (target: msilab at
# least 5x faster).  Each is run RUNS times (default 3), alternating; the
# best wall and CPU times of each are compared.
#
# usage: tools/bench/bench_convert.sh [MSILAB] [WORKDIR] [MIN_MB]
#   MSILAB   default build/release/msilab
#   WORKDIR  where BIG.dat is built and kept (default /tmp/msilab-bench-convert)
#   MIN_MB   event data to build, in MB (default 100)
#
# BIG.dat: the real arm64 6.1.0-56 recording (../shared/traces/arm64-6.1.0-56/
# trace-boot-unbind-bind.dat.gz, 1459 events: boot + unbind/bind), converted
# to an uncompressed version 6 file with `trace-cmd convert`, then its
# ring-buffer pages repeated per CPU until the data reaches MIN_MB, each
# repetition's page timestamps shifted past the previous one (so time only
# moves forward and every copy is a complete boot + unbind/bind).  Headers,
# event formats, kallsyms and cmdlines are the real file's.  Both tools read
# the same file; the page cache is warmed first.
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
msilab=${1:-$here/build/release/msilab}
work=${2:-/tmp/msilab-bench-convert}
min_mb=${3:-100}
src=$here/../shared/traces/arm64-6.1.0-56/trace-boot-unbind-bind.dat.gz
mkdir -p "$work"
big=$work/big-${min_mb}mb.dat

for tool in trace-cmd python3; do
	command -v $tool >/dev/null || { echo "bench_convert: $tool is needed" >&2; exit 1; }
done
[ -x "$msilab" ] || { echo "bench_convert: no msilab at $msilab (build the release preset)" >&2; exit 1; }

if [ ! -s "$big" ]; then
	[ -f "$src" ] || { echo "bench_convert: $src not found" >&2; exit 1; }
	zcat "$src" >"$work/real.dat"
	trace-cmd convert -i "$work/real.dat" -o "$work/real-v6.dat" --file-version 6 \
		--compression none >/dev/null 2>&1
	python3 - "$work/real-v6.dat" "$big" "$min_mb" <<'EOF'
import re, struct, subprocess, sys
src, out, min_mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(src, 'rb').read()
dump = subprocess.run(['trace-cmd', 'dump', '--flyrecord', '-i', src],
                      capture_output=True, text=True).stdout
cpus = [(int(a), int(b)) for a, b in re.findall(r'(\d+)\s+(\d+)\s+\[offset, size of cpu', dump)]
assert d[10:12] == b'6\0' and d[12] == 0, 'needs a little-endian version 6 trace.dat'
ps = struct.unpack_from('<I', d, 14)[0]
table_at = d.rfind(b'flyrecord\0', 0, cpus[0][0]) + 10
pages = [[d[o + i:o + i + ps] for i in range(0, s, ps)] for o, s in cpus]
stamps = [struct.unpack_from('<Q', p, 0)[0] for c in pages for p in c]
period = max(stamps) - min(stamps) + 100 * 10**9	# past the last event of a copy
per_copy = sum(len(c) for c in pages) * ps
reps = -(-min_mb * 2**20 // per_copy)
hdr = d[:table_at]
start = (len(hdr) + 16 * len(cpus) + ps - 1) // ps * ps
table, off = b'', start
for c in pages:
    table += struct.pack('<QQ', off, len(c) * ps * reps)
    off += len(c) * ps * reps
with open(out, 'wb') as f:
    f.write(hdr + table + b'\0' * (start - len(hdr) - len(table)))
    for c in pages:
        for k in range(reps):
            for p in c:
                ts = struct.unpack_from('<Q', p, 0)[0] + k * period
                f.write(struct.pack('<Q', ts) + p[8:])
print('bench_convert: built %s: %d copies of %d pages, %d MB of events'
      % (out, reps, per_copy // ps, reps * per_copy >> 20))
EOF
	rm -f "$work/real.dat" "$work/real-v6.dat"
fi

cat "$big" >/dev/null	# warm the page cache for both
events=$(trace-cmd dump --flyrecord -i "$big" 2>/dev/null |
	awk '/size of cpu/ { s += $2 } END { printf "%d", s / 1048576 }')

# RUNS runs of each, alternating (the machine may be shared: the best of
# them is each tool's time); wall and CPU (user + sys, the reader process
# of msilab included) per run
runs=${RUNS:-3}
TIMEFORMAT='%R %U %S'
: >"$work/times"
for ((i = 1; i <= runs; i++)); do
	{ time "$msilab" convert "$big" --kernel 6.1.0-56-arm64 -o /dev/null ; } 2>"$work/t.msilab" ||
		{ echo "bench_convert: msilab convert failed: $(head -1 "$work/t.msilab")" >&2; exit 1; }
	echo "msilab $(tail -1 "$work/t.msilab")" >>"$work/times"
	{ time trace-cmd report -i "$big" >/dev/null 2>/dev/null ; } 2>"$work/t.report"
	echo "report $(tail -1 "$work/t.report")" >>"$work/times"
done

awk -v mb="$events" -v f="$(stat -c %s "$big")" -v big="$big" -v runs="$runs" '
function min(a, b) { return a == "" || b < a ? b : a }
{ w[$1] = min(w[$1], $2); c[$1] = min(c[$1], $3 + $4); all[$1] = all[$1] sprintf(" %.2f", $2) }
END {
	printf "bench_convert: %s (%d MB file, %d MB of events), best of %d runs each\n", big, f / 1048576, mb, runs
	printf "  msilab convert   %6.2f s wall  %6.2f s CPU  (%.0f MB/s of events; walls:%s)\n", w["msilab"], c["msilab"], mb / w["msilab"], all["msilab"]
	printf "  trace-cmd report %6.2f s wall  %6.2f s CPU  (%.0f MB/s of events; walls:%s)\n", w["report"], c["report"], mb / w["report"], all["report"]
	printf "  ratio            %6.1fx wall   %6.1fx CPU   (target >= 5x)\n", w["report"] / w["msilab"], c["report"] / c["msilab"]
}' "$work/times"
