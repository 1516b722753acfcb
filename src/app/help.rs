//! Hover texts in plain words: what each tunable and metric is, and what raising it tends to do.

use crate::sim::model::{CachePolicy, LbAlgorithm};

pub const REPLICAS: &str = "Copies of this service running side by side, each with its own workers \
and waiting line. The load balancer spreads requests over them.\n\
Raising it adds capacity at once (and cost); lowering it lets the removed copies finish what they \
hold, then stop.";
pub const WORKERS: &str = "How many requests one replica (or database instance) works on at the \
same time, like threads in a pool.\n\
Raising it lets more requests be served at once — until something it calls (or the CPU) becomes \
the limit.";
pub const QUEUE: &str = "How many requests may wait in line per replica when every worker is \
busy. A full line turns new requests away (\"rejected\").\n\
A longer line rejects less but lets requests wait longer (higher latency); a short line fails \
fast. Unbounded never rejects, but waits can grow without limit.";
pub const SERVICE_TIME: &str = "Mean time one worker spends on one request (its own work, not \
counting calls to other nodes).\n\
Raising it means each worker finishes fewer requests per second: utilisation and waits go up.";
pub const TIMEOUT: &str = "A request not answered within this time fails as \"timed out\".\n\
Shorter timeouts fail fast and free the caller; longer ones wait out slow spells.";
pub const LB_ALGORITHM: &str = "How the load balancer picks a replica for each request.";
pub const CACHE_CAPACITY: &str = "Most keys the cache holds at once. When full, it evicts one \
(by its policy) to make room.\n\
Raising it keeps more popular keys: the hit ratio goes up and fewer reads reach the database.";
pub const CACHE_POLICY: &str = "Which key to evict when the cache is full.\n\
LRU: the least recently used. LFU: the least frequently used. FIFO: the oldest inserted.";
pub const CACHE_TTL: &str = "How long a cached entry stays fresh; older entries count as \
misses and are fetched again.\n\
Longer TTLs raise the hit ratio but may serve staler data.";
pub const FLUSH: &str = "Empty the cache now. Every read misses until the cache refills: \
watch the database take the whole load (a \"cold cache\").";
pub const READ_REPLICAS: &str = "Copies of the database that serve reads; writes always go to \
the primary.\n\
Raising it spreads reads over more instances (lower database utilisation) and adds cost.";
pub const LIMITER_ROOM: &str = "How much a limiter lets through at once: a token bucket's \
saved tokens (a quiet spell lets that many requests through in one go), a leaky bucket's \
line. A small one keeps what is behind it from bursts; the run restarts from 0 s.";
pub const SHARDS: &str = "Databases the keys are split over, each with its own primary (and \
read replicas): writes spread over them, but a popular key stays on one shard.\n\
Changing it spreads the keys again, so the run restarts from 0 s.";
pub const LIMITER_RATE: &str = "Requests per second the limiter lets through. A token bucket \
turns the rest away at once (tokens saved while traffic was low allow a short burst); a leaky \
bucket holds them in its line and releases them evenly.\n\
Lower it to protect what is behind it; the rejected requests count as errors.";
pub const LIMITER_LIMIT: &str = "Requests let through per window; the rest are turned away \
until the window moves on.\n\
Lower it to protect what is behind it; the rejected requests count as errors.";
pub const WORKLOAD_RATE: &str = "Requests per second the users send (an open loop: they keep \
coming whether or not the system keeps up).\n\
Raising it adds load everywhere; past the bottleneck's capacity, queues grow and requests fail.";
pub const READ_SHARE: &str = "Share of requests that are reads (the rest are writes).\n\
Reads can be answered by the cache; writes go to the database primary.";

pub const CRASH: &str = "Make the node fail now: what it holds fails at once and nothing is \
routed to it until you press Recover. Watch what depends on it (and whether anything retries).";
pub const SLOW_DOWN: &str = "Multiply the node's service times (a noisy neighbour, a bad deploy). \
1× is normal. Raising it lowers the node's capacity: watch its line grow and latency climb.";
pub const CHAOS: &str = "Break things on purpose, live, to see how the system copes. Each button \
is a live change: it shows as a dashed line on the charts and is kept by Restart and by the saved \
tuned scenario.";
pub const PARTITION: &str = "Cut the network between this node and the one chosen here (both \
ways). \"fail\": calls across the cut fail at once (connection refused). \"hang\": they are never \
answered, so only a timeout ends them - watch workers fill up waiting. Heal joins them again.";
pub const HEAL: &str = "Join the two nodes again: calls between them work as before.";
pub const PARTITION_HANG: &str = "Off: calls across the cut fail at once. On: they hang until a \
timeout (a slow, silent failure, usually worse).";
pub const TRAFFIC_SPIKE: &str = "Multiply this traffic source's rate (a flash sale, a viral \
link). Start applies the factor now; End sets it back to 1x. Watch queues and error rates as \
the extra load reaches the bottleneck.";
pub const BREAKERS: &str = "Circuit breakers on this node's calls. Closed: calls go through. \
Open: too many calls failed, so calls fail at once without trying (the callee gets time to \
recover). Half-open: a few trial calls test whether the callee is back.";
pub const SCALE_TARGET: &str = "The autoscaler's target: how many replicas it wants now, from \
recent utilisation. New replicas need a start-up time before they serve.";
pub const UTILISATION: &str = "Share of workers busy (over the last simulated second).\n\
Near 100 % this node is the bottleneck: requests wait in line and latency climbs steeply.";
pub const QUEUED: &str = "Requests waiting in line right now (all replicas). A growing line means \
work arrives faster than it is finished.";
pub const P50: &str = "p50 (median): half the requests were faster than this.";
pub const P95: &str = "p95: 95 % of requests were faster than this; 1 in 20 was slower.";
pub const P99: &str = "p99: 99 % of requests were faster than this; 1 in 100 was slower. \
Users notice the slow tail, so objectives are often set on p99.";
pub const HIT_RATIO: &str = "Share of cache lookups that found the key. Misses go on to the \
database. It comes from the key popularity, the capacity and the TTL — it is not a dial.";
pub const FAILED_DOWNSTREAM: &str = "Requests this node answered as failed because a call it \
made failed (rejected, timed out, cut off or down further along). The cause is at the callee: \
select it.";
pub const NODE_ERRORS: &str = "Requests that failed because this node, or the node it sent \
them to, was down (crashed) or cut off by a network partition.";
pub const RETRIES: &str = "Call attempts beyond the first that this node sent after a call \
failed. Each retry is more load on a callee that is already failing: a retry storm.";
pub const CALL_TIMEOUTS: &str = "Calls from this node it gave up on because the call's \
timeout expired (the callee did not answer in time); the callee may still be working on them.";
pub const DESIGN: &str = "Settings the engine cannot change mid-run. Changing one restarts the \
run from 0 s on the same seed (your live changes are kept), so before and after compare \
fairly.";
pub const RETRY_TRIES: &str = "Attempts per call, the first included (1 = never retry). Each \
retry is more load on a callee that may already be failing: with many tries a slow-down can \
turn into a retry storm that outlives it.";
pub const RETRY_BUDGET: &str = "Retries may be at most this share of first attempts (10 % is \
common). When the callee fails, a budget caps the extra load retries add, so the system can \
recover once the fault ends.";
pub const BREAKER_SWITCH: &str = "A circuit breaker on this call: after 50 % of the last 50 \
calls fail it opens and fails calls at once for 2 s (no load on the callee), then lets 5 \
trial calls through; all must succeed to close.";
pub const COALESCE: &str = "Single flight: when many requests miss on the same key at once, \
one fetch goes to the origin and the others wait for it. Without it, a flush or a cold cache \
sends every miss to the database at once (a stampede).";
pub const POPULARITY: &str = "How requests pick keys. Popular keys (Zipf): a few keys get most \
requests; the higher s, the more skewed (s = 1 is typical of web traffic). Off: every key is \
equally likely. Skew makes caches work well and one shard hot.";
pub const COLD_START: &str = "How long a replica the autoscaler adds takes before it serves \
(booting, warming caches). During it the old replicas carry the load alone.";
pub const PER_SHARD: &str = "Each shard's instances (the primary first, then its read \
replicas) and the share of their workers busy since warm-up. Keys are spread over shards by \
hashing, but popularity is not: the shard holding the most popular keys (red) works hardest \
and limits the whole database.";
pub const REJECTS: &str = "Requests turned away because every worker was busy and the waiting \
line was full (per second, last window).";
pub const TIMEOUTS: &str = "Requests that failed because this node did not answer within its \
timeout (per second, last window).";
pub const THROUGHPUT: &str = "Requests answered successfully per simulated second. \
\"Offered\" is what the users sent: when served falls below offered, requests are failing.";
pub const ERROR_RATE: &str = "Share of finished requests that failed (rejected, timed out or \
dropped).";
pub const COST: &str = "Dollars per hour for everything running now (replicas × price).";
pub const SPEED: &str = "Simulated seconds per wall second. At high speeds the engine may not \
keep up on a heavy scenario; the clock then says how fast it really goes.";
pub const SEED: &str = "The random seed. The same seed and the same changes give exactly the \
same run.";
pub const RESTART: &str = "Start again from time zero with the same seed and the changes you \
made so far (shortcut R).";
pub const RELOAD: &str = "Start again from the file as written: your live changes are dropped.";
pub const STEP: &str = "Advance a tenth of a simulated second, then pause.";
pub const TO_WATERFALL: &str =
    "Click: where the time of the slowest sampled requests goes, hop by hop.";
pub const THEORY: &str = "What queueing theory predicts for this node at the arrival rate the run \
measured: Erlang C (M/M/c) for exponential service, Pollaczek-Khinchine for constant service \
(M/D/1), Allen-Cunneen's approximation otherwise, M/M/c/K for a bounded line. The simulated \
mean is green within 10 % of theory, amber within 30 %. Early in a run, or just after a change, \
the two differ by chance; where no formula applies, the reason is given.";
pub const OBJECTIVES: &str = "What the scenario asks for. \"now\" is the last simulated second \
(what is happening now; the mark follows it). \"run so far\" is the whole run since warm-up, \
requests still waiting counted at their age: the figure the end-of-run card quotes and \
Submit's exam judges (on its own seeds, from 0 s).";
pub const BILL: &str = "What the design costs an hour as it runs now: its machines (each node's \
price per replica or instance) and, when it bills egress (egress_per_gb), the bytes it sends \
to the users or across priced zone links, at the rate since warm-up.";
pub const DOTS: &str = "Dots are a sample of requests replayed in slow motion: green answered \
in time, amber slower than the p99 objective, red failed. Dots piling up at a node are \
requests waiting there.";

/// What each load-balancing algorithm does.
pub fn lb_algorithm(a: LbAlgorithm) -> &'static str {
    match a {
        LbAlgorithm::RoundRobin => {
            "Round robin: each replica in turn. Fair when all requests cost the same."
        }
        LbAlgorithm::WeightedRoundRobin => {
            "Weighted round robin: in turn, but bigger replicas (higher weight) get more."
        }
        LbAlgorithm::Random => "Random: any replica. Simple, but short bursts can pile up on one.",
        LbAlgorithm::LeastConnections => {
            "Least connections: the replica with the fewest requests in progress. Adapts to slow \
             replicas and uneven requests."
        }
        LbAlgorithm::PowerOfTwoChoices => {
            "Power of two choices: look at two random replicas and pick the less busy one. Almost \
             as good as least connections, without asking every replica."
        }
        LbAlgorithm::ConsistentHash => {
            "Consistent hash: the same key always goes to the same replica (good for local \
             caches); popular keys can overload one replica."
        }
    }
}

/// What each cache policy does.
pub fn cache_policy(p: CachePolicy) -> &'static str {
    match p {
        CachePolicy::Lru => "LRU: evict the key used least recently.",
        CachePolicy::Lfu => "LFU: evict the key used least often.",
        CachePolicy::Fifo => "FIFO: evict the key inserted first.",
    }
}

/// What a node kind is, for the inspector's heading.
pub fn node_kind(kind: &str) -> &'static str {
    match kind {
        "load_balancer" => {
            "Load balancer: forwards each request at once to one replica of a service."
        }
        "service" => "Service: replicas × workers, each replica with its own waiting line.",
        "cache" => {
            "Cache: answers reads it holds fast; misses and writes go on to what is behind it."
        }
        "database" => "Database: a primary takes the writes; read replicas share the reads.",
        "cdn" => "CDN / edge cache: a cache close to the users in front of the origin.",
        "queue" => {
            "Queue: stores messages and answers the producer at once; consumers work through them later."
        }
        "rate_limiter" => "Rate limiter: admits requests up to a rate and turns the rest away.",
        "external" => {
            "External service: a third-party dependency (payments, maps) you do not run: each call takes its latency, may fail, and is refused beyond its rate or concurrency limit."
        }
        "topic" => {
            "Topic: publish/subscribe; each message is stored in every subscriber queue, and each queue's consumers work through their own copy."
        }
        _ => "",
    }
}
