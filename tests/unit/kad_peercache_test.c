/* Unit tests for kad/peercache.c: Teranode's file format, TTL, bad input. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kad/kad.h"

#define ID_A	"12D3KooWAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B	"12D3KooWBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* 2026-11-30T00:53:20Z */
#define NOW	1796000000

/* What Teranode's bus writes (Go's json.MarshalIndent, RFC 3339 nanos). */
static const char teranode_file[] =
    "[\n"
    "  {\n"
    "    \"id\": \"" ID_A "\",\n"
    "    \"name\": \"teranode-1\",\n"
    "    \"addrs\": [\n"
    "      \"/ip4/127.0.0.1/tcp/9905\",\n"
    "      \"/ip6/::1/tcp/9905\"\n"
    "    ],\n"
    "    \"last_seen\": \"2026-11-29T23:16:40.123456789+01:00\"\n"
    "  },\n"
    "  {\n"
    "    \"id\": \"" ID_B "\",\n"
    "    \"addrs\": [\"/ip4/127.0.0.2/tcp/9905\"]\n"
    "  },\n"
    "  {\n"
    "    \"id\": \"QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN\",\n"
    "    \"addrs\": [\"/ip4/127.0.0.3/tcp/9905\"],\n"
    "    \"last_seen\": \"2026-11-28T00:00:00Z\"\n"
    "  }\n"
    "]\n";

START_TEST(test_parse_teranode)
{
	struct kad_cache_peer	*p;
	size_t			 n, skipped;
	char			 err[128];

	ck_assert_int_eq(kad_peercache_parse(teranode_file,
	    strlen(teranode_file), NOW, KAD_PEERCACHE_TTL_S, &p, &n, &skipped,
	    err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);	/* the third is older than 24 h */
	ck_assert_uint_eq(skipped, 0);
	ck_assert_str_eq(p[0].id, ID_A);
	ck_assert_str_eq(p[0].name, "teranode-1");
	ck_assert_uint_eq(p[0].naddrs, 2);
	ck_assert_str_eq(p[0].addrs[1], "/ip6/::1/tcp/9905");
	ck_assert_int_eq(p[0].last_seen, NOW - 9400);	/* 22:16:40Z */
	ck_assert_int_eq(p[1].last_seen, 0);
	kad_peercache_free(p, n);
}
END_TEST

START_TEST(test_garbage)
{
	static const char	*bad_files[] = { "", "{}", "nonsense",
	    "[1", "\"x\"", "null" };
	static const char	 bad_entries[] =
	    "[1, {\"id\": 5}, {\"id\": \"0OIl-not-base58-0OIl-0OIl\","
	    " \"addrs\": [\"/ip4/1.2.3.4/tcp/1\"]},"
	    " {\"id\": \"" ID_A "\", \"addrs\": \"x\"},"
	    " {\"id\": \"" ID_A "\", \"addrs\": [\"no-slash\", 7]},"
	    " {\"id\": \"" ID_A "\", \"addrs\": [\"/ip4/1.2.3.4/tcp/1\"],"
	    "  \"last_seen\": \"yesterday\"},"
	    " {\"id\": \"" ID_B "\", \"addrs\": [\"bad\", \"/ip4/1.2.3.4/tcp/2\"],"
	    "  \"last_seen\": \"0001-01-01T00:00:00Z\", \"name\": null}]";
	struct kad_cache_peer	*p;
	size_t			 n, skipped, i;
	char			 err[128];

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(kad_peercache_parse(bad_files[i],
		    strlen(bad_files[i]), NOW, KAD_PEERCACHE_TTL_S, &p, &n,
		    &skipped, err, sizeof(err)), -1);
		ck_assert_str_eq(err, "not a JSON array");
		ck_assert_ptr_null(p);
	}
	ck_assert_int_eq(kad_peercache_parse(bad_entries, strlen(bad_entries),
	    NOW, KAD_PEERCACHE_TTL_S, &p, &n, &skipped, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(skipped, 6);
	ck_assert_str_eq(p[0].id, ID_B);
	ck_assert_uint_eq(p[0].naddrs, 1);
	ck_assert_int_eq(p[0].last_seen, 0);
	kad_peercache_free(p, n);
}
END_TEST

/* save then load gives the same peers; the file is 0600 and atomic. */
START_TEST(test_save_load)
{
	struct kad_cache_peer	 in[2], *out;
	char			 dir[] = "/tmp/kad_peercache_XXXXXX", path[256];
	char			 err[256], *a0[] = { "/ip4/127.0.0.1/tcp/1" };
	char			*a1[] = { "/ip4/127.0.0.1/tcp/2", "/ip6/::1/tcp/2" };
	struct stat		 st;
	size_t			 n, skipped;
	FILE			*f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(in, 0, sizeof(in));
	strcpy(in[0].id, ID_A);
	strcpy(in[0].name, "quote\" and \\ and \n");
	in[0].addrs = a0;
	in[0].naddrs = 1;
	in[0].last_seen = NOW - 60;
	strcpy(in[1].id, ID_B);
	in[1].addrs = a1;
	in[1].naddrs = 2;
	in[1].last_seen = NOW - 120;
	ck_assert_int_eq(kad_peercache_save(dir, in, 2, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/" KAD_PEERCACHE_FILE, dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(kad_peercache_load(dir, NOW, &out, &n, &skipped, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(out[0].name, in[0].name);
	ck_assert_int_eq(out[1].last_seen, NOW - 120);
	ck_assert_str_eq(out[1].addrs[1], "/ip6/::1/tcp/2");
	kad_peercache_free(out, n);
	/* a day later, both are stale */
	ck_assert_int_eq(kad_peercache_load(dir, NOW + 86400, &out, &n,
	    &skipped, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	kad_peercache_free(out, n);
	/* garbage on disk: refused with a reason */
	f = fopen(path, "w");
	fputs("\x01\x02 garbage", f);
	fclose(f);
	ck_assert_int_eq(kad_peercache_load(dir, NOW, &out, &n, &skipped, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "not a JSON array");
	unlink(path);
	/* no file yet: no peers, no error */
	ck_assert_int_eq(kad_peercache_load(dir, NOW, &out, &n, &skipped, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(rmdir(dir), 0);
	/* a directory that does not exist cannot be written */
	ck_assert_int_eq(kad_peercache_save("/nonexistent/dir", in, 2, err,
	    sizeof(err)), -1);
}
END_TEST

START_TEST(test_format)
{
	struct kad_cache_peer	 p;
	char			*text, *a[] = { "/ip4/127.0.0.1/tcp/1" };

	memset(&p, 0, sizeof(p));
	strcpy(p.id, ID_A);
	p.addrs = a;
	p.naddrs = 1;
	p.last_seen = NOW;
	text = kad_peercache_format(&p, 1);
	ck_assert_str_eq(text, "[\n  {\n    \"id\": \"" ID_A "\",\n"
	    "    \"addrs\": [\n      \"/ip4/127.0.0.1/tcp/1\"\n    ],\n"
	    "    \"last_seen\": \"2026-11-30T00:53:20Z\"\n  }\n]");
	free(text);
	text = kad_peercache_format(NULL, 0);
	ck_assert_str_eq(text, "[]");
	free(text);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("kad_peercache");
	TCase	*tc = tcase_create("peercache");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_parse_teranode);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
