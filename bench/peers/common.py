"""Shared by the peer scripts: the M/M/c model, Erlang C and batch-means statistics."""

import math

# M/M/c with c = 4 at rho = 0.9. Time is in units of the mean service time
# (mean service 1.0), so waits from every tool compare directly.
SERVERS = 4
SERVICE_MEAN = 1.0
ARRIVAL_RATE = 0.9 * SERVERS / SERVICE_MEAN  # 3.6 per unit time
# Customers discarded at the start (the empty-system start biases waits low).
WARMUP_FRACTION = 0.01
BATCHES = 20
T_19 = 2.093  # Student t, 0.975 quantile, 19 degrees of freedom


def erlang_c_wait(lam=ARRIVAL_RATE, s=SERVICE_MEAN, c=SERVERS):
    """Mean wait in line (Wq) of M/M/c by Erlang C (stable Erlang B recursion)."""
    a = lam * s
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    p_wait = b / (1.0 - rho * (1.0 - b))
    return p_wait * s / (c - a)


def batch_means(waits):
    """Mean of `waits` (in arrival order) after deleting the warm-up, and the
    95 % half-width from BATCHES batch means (Student t, 19 d.o.f.)."""
    start = int(len(waits) * WARMUP_FRACTION)
    kept = waits[start:]
    n = len(kept) // BATCHES * BATCHES
    size = n // BATCHES
    means = [math.fsum(kept[i * size:(i + 1) * size]) / size for i in range(BATCHES)]
    grand = math.fsum(means) / BATCHES
    var = math.fsum((m - grand) ** 2 for m in means) / (BATCHES - 1)
    return grand, T_19 * math.sqrt(var / BATCHES), n


def report(tool, version, run, default_customers):
    """Runs `run(customers, seed)` from argv and prints the JSON line both peers share."""
    import json
    import sys

    customers = int(float(sys.argv[1])) if len(sys.argv) > 1 else default_customers
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    waits, wall, cpu = run(customers, seed)
    mean, half, measured = batch_means(waits)
    print(json.dumps({
        "tool": tool,
        "version": version,
        "customers": customers,
        "measured": measured,
        "mean_wait": mean,
        "half_width_95": half,
        "erlang_c_wait": erlang_c_wait(),
        "wall_s": wall,
        "cpu_s": cpu,
        "customers_per_s": customers / wall,
    }))
