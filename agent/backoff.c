/* backoff: the reconnection delay schedule of the link. Pure arithmetic. */
#include "link.h"

unsigned ag_backoff_delay_ms(unsigned attempt, uint32_t rnd)
{
    unsigned base = 500;
    for (unsigned i = 0; i < attempt && base < 10000; i++) {
        base *= 2;
    }
    if (base > 10000) {
        base = 10000;
    }
    return base / 2 + rnd % (base / 2 + 1);
}
