"""M/M/c (c = 4, rho = 0.9) in SimPy: prints mean wait and wall time as JSON.

Usage: python3 mmc_simpy.py N_CUSTOMERS [SEED]
"""

import json
import random
import sys
import time

import simpy

from common import ARRIVAL_RATE, SERVERS, SERVICE_MEAN, batch_means, erlang_c_wait


def run(customers, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    waits = []  # in order of service start = arrival order (FIFO)
    service_rate = 1.0 / SERVICE_MEAN

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(service_rate))

    def source(env):
        for _ in range(customers):
            env.process(customer(env))
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))

    env.process(source(env))
    started = time.perf_counter()
    cpu_started = time.process_time()
    env.run()
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return waits, wall, cpu


def main():
    customers = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    waits, wall, cpu = run(customers, seed)
    mean, half, measured = batch_means(waits)
    print(json.dumps({
        "tool": "simpy",
        "version": simpy.__version__,
        "customers": customers,
        "measured": measured,
        "mean_wait": mean,
        "half_width_95": half,
        "erlang_c_wait": erlang_c_wait(),
        "wall_s": wall,
        "cpu_s": cpu,
        "customers_per_s": customers / wall,
    }))


if __name__ == "__main__":
    main()
