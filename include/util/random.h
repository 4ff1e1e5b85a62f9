/* The process's one source of randomness.
 *
 * Owns: the generator behind retry and launch backoff jitter (aws/client.c,
 * engine/run/runner.c) and behind random identifiers (the run id). It is xoshiro256**,
 * seeded once per process on first use from getrandom() (OpenSSL's RAND_bytes if that
 * fails), so two processes started together do not jitter in step. It is not for
 * secrets: nothing in this program signs or encrypts with random numbers. */
#ifndef BCM_UTIL_RANDOM_H
#define BCM_UTIL_RANDOM_H

#include <stddef.h>
#include <stdint.h>

uint64_t random_u64(void);
/* Uniform in [0, 1), 53 bits. */
double random_unit(void);
/* n random bytes, for identifiers. */
void random_fill(void *buf, size_t n);
/* Restarts the sequence from seed, for tests that need a repeatable one; 0 reseeds
 * from the system on the next draw. */
void random_reseed(uint64_t seed);

#endif
