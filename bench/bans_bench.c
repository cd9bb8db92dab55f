/*
 * Ban manager benchmarks: IsBanned lookups per second in the prefix trie
 * with 10, 100k and 1M mixed IPv4/IPv6 subnet entries against a linear scan
 * of the same entries in the same run, and committed bans per second on
 * SQLite and (when BANS_PG_URL is set) PostgreSQL.  Prints figures only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../workers/ban_manager/ban_manager.h"
#include "log.h"
#include "util.h"

static uint64_t	rng = 88172645463325252ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
rnd(struct bans_prefix *p, int host)
{
	uint64_t a = next(), b = next();

	memset(p, 0, sizeof(*p));
	if (a & 1) {
		p->family = 4;
		memcpy(p->addr, &b, 4);
		p->plen = host ? 32 : (uint8_t)(16 + a % 17);
	} else {
		p->family = 6;
		p->addr[0] = 0x20;
		memcpy(p->addr + 1, &b, 8);
		p->plen = host ? 128 : (uint8_t)(32 + a % 97);
	}
	char t[BANS_KEY_MAX];
	bans_addr_cidr(p, t);
	bans_addr_parse(t, strlen(t), p);
	if (host)
		p->plen = p->family == 4 ? 32 : 128;
}

static void
lookups(size_t n)
{
	struct bans_trie *t = bans_trie_new();
	struct bans_prefix *all = xcalloc(n, sizeof(*all)), q[4096];
	uint64_t t0, hits = 0, lin_hits = 0, iters = 0, lin_iters = 0;
	double trie_s, lin_s;

	for (size_t i = 0; i < n; i++) {
		struct bans_entry e;
		memset(&e, 0, sizeof(e));
		rnd(&e.pfx, 0);
		e.until = 1LL << 40;
		all[i] = e.pfx;
		bans_trie_put(t, bans_entry_dup(&e));
	}
	for (size_t i = 0; i < 4096; i++)
		rnd(&q[i], 1);
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 1000)
		for (size_t i = 0; i < 4096; i++, iters++)
			hits += bans_trie_match(t, &q[i], 0) != NULL;
	trie_s = (double)iters / ((double)(util_mono_ms() - t0) / 1000);
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 1000) {
		const struct bans_prefix *a = &q[lin_iters % 4096];
		int hit = 0;
		for (size_t j = 0; j < n && !hit; j++)
			hit = bans_addr_contains(&all[j], a);
		lin_hits += (uint64_t)hit;
		lin_iters++;
	}
	lin_s = (double)lin_iters / ((double)(util_mono_ms() - t0) / 1000);
	printf("IsBanned %8zu entries: trie %12.0f lookups/s, linear scan "
	    "%10.0f lookups/s, ratio %8.0fx (hits %llu/%llu)\n", n,
	    trie_s, lin_s, trie_s / lin_s, (unsigned long long)hits,
	    (unsigned long long)iters);
	(void)lin_hits;
	bans_trie_free(t);
	free(all);
}

static int
commits(const char *url, const char *label)
{
	struct bans_store *st;
	char err[256], dir[] = "/tmp/bans-bench.XXXXXX";
	uint64_t t0;
	int n = 0, failed = 0;

	if (mkdtemp(dir) == NULL || bans_store_open(url, dir, &st, err,
	    sizeof(err)) != 0) {
		printf("%s: cannot open: %s\n", label, err);
		return -1;
	}
	t0 = util_mono_ms();
	while (util_mono_ms() - t0 < 2000) {
		struct bans_entry e;
		memset(&e, 0, sizeof(e));
		rnd(&e.pfx, 1);
		bans_addr_key(&e.pfx, e.key);
		e.until = 2000000000;
		if (bans_store_begin(st) != 0 || bans_store_put_addr(st, &e) ||
		    bans_store_notify(st, 'a', e.key) ||
		    bans_store_commit(st) != 0) {
			failed = 1;
			break;
		}
		n++;
	}
	printf("committed bans on %-8s %8.0f /s\n", label,
	    n / ((double)(util_mono_ms() - t0) / 1000));
	bans_store_begin(st);
	bans_store_clear_addrs(st);
	bans_store_commit(st);
	bans_store_close(st);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0 || failed || n == 0) {
		printf("%s: a commit failed after %d\n", label, n);
		return -1;
	}
	return 0;
}

int
main(void)
{
	const char *pg = getenv("BANS_PG_URL");
	int rc = 0;

	log_init("bans-bench", 1, LOG_LVL_WARN, LOG_FMT_LOGFMT);
	lookups(10);
	lookups(100000);
	lookups(1000000);
	rc |= commits("", "sqlite");
	if (pg != NULL && *pg != '\0')
		rc |= commits(pg, "postgres");
	else
		printf("committed bans on postgres: set BANS_PG_URL "
		    "(tests/pg.sh start DIR prints one)\n");
	return rc == 0 ? 0 : 1;
}
