#include "util/random.h"

#include "util/platform.h"

#include <openssl/rand.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t s_state[4];
static bool s_seeded;

/* splitmix64: spreads one 64-bit seed over the four words of state (never all zero). */
static uint64_t s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void s_seed_from(uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        s_state[i] = s_splitmix(&seed);
    s_seeded = true;
}

static uint64_t s_system_seed(void)
{
    uint64_t seed = 0;
    if (platform_random_bytes(&seed, sizeof seed) == 0)
        return seed;
    if (RAND_bytes((unsigned char *)&seed, sizeof seed) == 1)
        return seed;
    /* No entropy source answered: still differ between processes and runs. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
}

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t random_u64(void)
{
    if (!s_seeded)
        s_seed_from(s_system_seed());
    /* xoshiro256** (Blackman and Vigna). */
    uint64_t result = s_rotl(s_state[1] * 5, 7) * 9;
    uint64_t t = s_state[1] << 17;
    s_state[2] ^= s_state[0];
    s_state[3] ^= s_state[1];
    s_state[1] ^= s_state[2];
    s_state[0] ^= s_state[3];
    s_state[2] ^= t;
    s_state[3] = s_rotl(s_state[3], 45);
    return result;
}

double random_unit(void)
{
    return (double)(random_u64() >> 11) / 9007199254740992.0;
}

void random_fill(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        uint64_t v = random_u64();
        size_t k = n < sizeof v ? n : sizeof v;
        memcpy(p, &v, k);
        p += k;
        n -= k;
    }
}

void random_reseed(uint64_t seed)
{
    if (seed)
        s_seed_from(seed);
    else
        s_seeded = false;
}
