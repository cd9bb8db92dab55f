/*
 * Unit tests for workers/ban_manager/ban_manager_addr.c: every accepted
 * address form, the bad-input list of issue 3 and the canonical key text.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../workers/ban_manager/ban_manager.h"

static enum bans_addr_err
parse(const char *s, struct bans_prefix *p)
{
	return bans_addr_parse(s, strlen(s), p);
}

static void
expect_key(const char *in, const char *key, const char *cidr)
{
	struct bans_prefix p;
	char k[BANS_KEY_MAX], c[BANS_KEY_MAX];

	ck_assert_msg(parse(in, &p) == BANS_ADDR_OK, "%s rejected", in);
	bans_addr_key(&p, k);
	bans_addr_cidr(&p, c);
	ck_assert_str_eq(k, key);
	ck_assert_str_eq(c, cidr);
}

static void
expect_err(const char *in, enum bans_addr_err want)
{
	struct bans_prefix p;
	enum bans_addr_err e = parse(in, &p);

	ck_assert_msg(e == want, "%s: got %d (%s) want %d", in, e,
	    bans_addr_strerror(e), want);
	ck_assert_int_eq(p.family, 0);
}

START_TEST(test_accepted_forms)
{
	expect_key("1.2.3.4", "1.2.3.4", "1.2.3.4/32");
	expect_key("127.0.0.1:8333", "127.0.0.1", "127.0.0.1/32");
	expect_key("10.0.0.0/24", "10.0.0.0/24", "10.0.0.0/24");
	expect_key("10.1.2.3/8", "10.0.0.0/8", "10.0.0.0/8");
	expect_key("10.1.2.3/32", "10.1.2.3", "10.1.2.3/32");
	expect_key("0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0");
	expect_key("::1", "::1", "::1/128");
	expect_key("[::1]:9905", "::1", "::1/128");
	expect_key("[2001:db8::1]", "2001:db8::1", "2001:db8::1/128");
	expect_key("2001:DB8::/32", "2001:db8::/32", "2001:db8::/32");
	expect_key("2001:db8:ffff::/33", "2001:db8:8000::/33",
	    "2001:db8:8000::/33");
	expect_key("::ffff:1.2.3.4", "1.2.3.4", "1.2.3.4/32");
	expect_key("::ffff:10.0.0.0/104", "10.0.0.0/8", "10.0.0.0/8");
	expect_key("/ip4/1.2.3.4/tcp/9905", "1.2.3.4", "1.2.3.4/32");
	expect_key("/ip6/2001:db8::5/tcp/9905/p2p/12D3Koo", "2001:db8::5",
	    "2001:db8::5/128");
	expect_key("1.2.3.4:0", "1.2.3.4", "1.2.3.4/32");
	expect_key("1.2.3.4:65535", "1.2.3.4", "1.2.3.4/32");
}
END_TEST

START_TEST(test_bad_input)
{
	char big[BANS_ADDR_MAX + 2];

	expect_err("", BANS_ADDR_EMPTY);
	expect_err("invalid", BANS_ADDR_BADIP);
	expect_err("10.0.0.0/33", BANS_ADDR_BADPREFIX);
	expect_err("::/129", BANS_ADDR_BADPREFIX);
	expect_err("10.0.0.0/", BANS_ADDR_BADPREFIX);
	expect_err("10.0.0.0/-1", BANS_ADDR_BADPREFIX);
	expect_err("10.0.0.0/8x", BANS_ADDR_BADPREFIX);
	expect_err("1.2.3.4:99999", BANS_ADDR_BADPORT);
	expect_err("1.2.3.4:", BANS_ADDR_BADPORT);
	expect_err("1.2.3.4:80a", BANS_ADDR_BADPORT);
	expect_err("[::1]:70000", BANS_ADDR_BADPORT);
	expect_err("[::1", BANS_ADDR_BADIP);
	expect_err("[::1]x", BANS_ADDR_BADIP);
	expect_err("1.2.3", BANS_ADDR_BADIP);
	expect_err("256.1.1.1", BANS_ADDR_BADIP);
	expect_err(" 1.2.3.4", BANS_ADDR_BADIP);
	expect_err("fe80::1%eth0", BANS_ADDR_ZONE);
	expect_err("/dns4/example.com/tcp/1", BANS_ADDR_HOSTNAME);
	expect_err("/ip4/::1/tcp/1", BANS_ADDR_BADIP);
	expect_err("/ip6/1.2.3.4", BANS_ADDR_BADIP);
	expect_err("/ip4", BANS_ADDR_BADIP);
	expect_err("/tcp/1", BANS_ADDR_BADIP);
	expect_err("example.com", BANS_ADDR_BADIP);
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_err(big, BANS_ADDR_TOOLONG);
}
END_TEST

START_TEST(test_embedded_nul)
{
	struct bans_prefix p;

	ck_assert_int_eq(bans_addr_parse("1.2.3.4\0x", 9, &p), BANS_ADDR_BADIP);
	/* len bounds the read: "1.2.3.45" cut to "1.2.3.4" */
	ck_assert_int_eq(bans_addr_parse("1.2.3.45", 7, &p), BANS_ADDR_OK);
	ck_assert_int_eq(p.addr[3], 4);
}
END_TEST

START_TEST(test_contains)
{
	struct bans_prefix net, a;

	parse("10.0.0.0/24", &net);
	parse("10.0.0.77", &a);
	ck_assert(bans_addr_contains(&net, &a));
	parse("10.0.1.1", &a);
	ck_assert(!bans_addr_contains(&net, &a));
	parse("10.0.0.0/23", &a);
	ck_assert(!bans_addr_contains(&net, &a));
	parse("::a00:1", &a);
	ck_assert(!bans_addr_contains(&net, &a));
	parse("2001:db8::/29", &net);
	parse("2001:dbf:1::1", &a);
	ck_assert(bans_addr_contains(&net, &a));
	parse("2001:dc0::1", &a);
	ck_assert(!bans_addr_contains(&net, &a));
}
END_TEST

START_TEST(test_peer_and_reason)
{
	char big[BANS_PEER_MAX + 2];

	ck_assert(bans_addr_is_peer_id(
	    "12D3KooWJ7jM8jYZ5cNbsFb8LxgE8wyd6kUUJjU4pUFqchbJM7wA"));
	ck_assert(bans_addr_is_peer_id("A"));
	ck_assert(!bans_addr_is_peer_id(""));
	ck_assert(!bans_addr_is_peer_id("0OIl"));
	ck_assert(!bans_addr_is_peer_id("1.2.3.4"));
	ck_assert(!bans_addr_is_peer_id("abc def"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!bans_addr_is_peer_id(big));
	ck_assert(bans_addr_reason_ok("manual ban: spam"));
	ck_assert(bans_addr_reason_ok(""));
	ck_assert(!bans_addr_reason_ok("a\nb"));
	ck_assert(bans_addr_reason_ok("spam \xe2\x82\xac"));	/* euro sign */
	ck_assert(!bans_addr_reason_ok("bad \xff byte"));
	ck_assert(!bans_addr_reason_ok("cut \xe2\x82"));
	ck_assert_str_eq(bans_addr_strerror(BANS_ADDR_BADPREFIX),
	    "invalid subnet prefix length");
	ck_assert_str_eq(bans_addr_strerror((enum bans_addr_err)99),
	    "unknown address error");
}
END_TEST

START_TEST(test_too_broad)
{
	static const struct { const char *s; int broad; } v[] = {
		{ "0.0.0.0/0", 1 }, { "::/0", 1 }, { "10.0.0.0/7", 1 },
		{ "10.0.0.0/8", 0 }, { "1.2.3.4", 0 }, { "2001::/31", 1 },
		{ "2001::/32", 0 }, { "::ffff:0.0.0.0/96", 1 },
	};
	struct bans_prefix p;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(bans_addr_parse(v[i].s, strlen(v[i].s), &p),
		    BANS_ADDR_OK);
		ck_assert_msg(bans_addr_too_broad(&p) == v[i].broad, "%s",
		    v[i].s);
	}
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("ban_manager_addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_accepted_forms);
	tcase_add_test(tc, test_too_broad);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_contains);
	tcase_add_test(tc, test_peer_and_reason);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
