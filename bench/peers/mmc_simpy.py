"""M/M/c (c = 4, rho = 0.9) in SimPy: prints mean wait and wall time as JSON.

Usage: python3 mmc_simpy.py N_CUSTOMERS [SEED]
"""

import random
import time

import simpy

from common import ARRIVAL_RATE, SERVERS, SERVICE_MEAN, report


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
    report("simpy", simpy.__version__, run, 100_000)


if __name__ == "__main__":
    main()
