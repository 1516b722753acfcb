"""M/M/c (c = 4, rho = 0.9) in Ciw: prints mean wait and wall time as JSON.

Usage: python3 mmc_ciw.py N_CUSTOMERS [SEED]
"""

import time

import ciw

from common import ARRIVAL_RATE, SERVERS, SERVICE_MEAN, report


def run(customers, seed):
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / SERVICE_MEAN)],
        number_of_servers=[SERVERS],
    )
    ciw.seed(seed)
    started = time.perf_counter()
    cpu_started = time.process_time()
    sim = ciw.Simulation(network)
    sim.simulate_until_max_customers(customers, method="Finish")
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    records = sorted(sim.get_all_records(), key=lambda r: r.arrival_date)
    return [r.waiting_time for r in records], wall, cpu


def main():
    report("ciw", ciw.__version__, run, 20_000)


if __name__ == "__main__":
    main()
