#!/usr/bin/env python3
"""Alternating paired runs (docs/performance.md, third round): python3 bench/floor/paired.py N label1 'cmd1' label2 'cmd2' ...
Each run under /usr/bin/time -f '%e %U %S %M'; also wait4 rusage (us precision).
Prints per-run rows and best/median of wall, user+sys for each label."""
import os, sys, subprocess, statistics, time
n = int(sys.argv[1]); pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
res = {l: [] for l, _ in pairs}
for i in range(n):
    for label, cmd in pairs:
        t0 = time.perf_counter()
        p = subprocess.Popen(['/usr/bin/time', '-f', 'TIME %e %U %S %M', 'sh', '-c', cmd + ' >/dev/null 2>/dev/null'], stderr=subprocess.PIPE)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        err = p.stderr.read().decode()
        line = [l for l in err.splitlines() if l.startswith('TIME')][-1]
        e, u, s, m = line.split()[1:]
        cpu = ru.ru_utime + ru.ru_stime
        res[label].append((wall, cpu, int(m)))
        print(f"{label:12s} run {i}: wall {wall:.3f}  cpu(us) {cpu:.3f}  /usr/bin/time: {e} {u} {s} {m}KB  load {os.getloadavg()[0]:.2f}", flush=True)
print("summary (best / median):")
for label, rows in res.items():
    w = [r[0] for r in rows]; c = [r[1] for r in rows]
    print(f"{label:12s} wall {min(w):.3f} / {statistics.median(w):.3f}   cpu {min(c):.3f} / {statistics.median(c):.3f}   maxrss {max(r[2] for r in rows)} KB")

