/*
 * Supervisor: the restart backoff of a worker.  Pure arithmetic, so it is
 * unit-tested without processes or clocks: the first restart is at once,
 * then 100 ms doubling up to 30 s, forgotten after 60 s of health.
 */
#include "supervisor.h"

uint32_t
sup_backoff_next(struct sup_backoff *b, uint64_t healthy_ms)
{
	uint32_t	delay;

	if (healthy_ms >= SUP_HEALTHY_RESET_MS)
		b->next_ms = 0;
	delay = b->next_ms;
	if (delay == 0)
		b->next_ms = SUP_BACKOFF_FIRST_MS;
	else if (delay >= SUP_BACKOFF_MAX_MS / 2)
		b->next_ms = SUP_BACKOFF_MAX_MS;
	else
		b->next_ms = delay * 2;
	return delay;
}
