/* bench: `platform-stub bench`, the load driver. It listens like the platform, waits for the
 * agents, then measures, in one run and on the same receiver: the bare WebSocket round trip
 * (an event the agent answers at once), and for each concurrency level the same HTTP job made
 * directly with the common executor and through the agents (request events, no REST in the
 * path), closed-loop (N in flight) or at a fixed rate. Prints a table and writes JSON. */
#ifndef PS_BENCH_H
#define PS_BENCH_H

/* argv[0] is "bench". Returns the exit status. */
int ps_bench_main(int argc, char **argv);

#endif
