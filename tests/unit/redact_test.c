/* Unit tests of common/redact.c: every secret libpq knows of is masked. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "redact.h"

static void
expect(const char *in, const char *want)
{
	char	out[512];

	redact_url(in, out, sizeof(out));
	ck_assert_msg(strcmp(out, want) == 0, "redact(%s) = %s, want %s", in,
	    out, want);
}

START_TEST(postgres_uri_secrets)
{
	expect("postgres://db.example/terap2p?password=hunter2",
	    "postgres://db.example/terap2p?password=****");
	/* the query's password wins in libpq, and is masked too */
	expect("postgresql://u:hunter2@db/x?sslmode=require&password=p2&"
	    "sslpassword=p3", "postgresql://u:****@db/x?sslmode=require&"
	    "sslpassword=****");
	/* libpq decodes parameter names and values: so what is shown is */
	expect("postgres://db/x?pass%77ord=hunter2",
	    "postgres://db/x?password=****");
	expect("postgres://u@db:5432/x?connect_timeout=5",
	    "postgres://u@db:5432/x?connect_timeout=5");
	expect("postgres://u:a%40b@db/x", "postgres://u:****@db/x");
	expect("postgres://u:pw?x@db/x", "postgres://u:****@db/x");
	expect("postgres://[::1]:5432/x", "postgres://[::1]:5432/x");
	expect("postgres://u:pw@h1:1,h2:2/x",
	    "postgres://u:****@/x?host=h1,h2&port=1,2");
	/* a second '?' belongs to the value for libpq */
	expect("postgres://u@h?password=xyz@z", "postgres://u:****@h");
}
END_TEST

START_TEST(unknown_or_bad_is_hidden)
{
	/* libpq refuses an unknown parameter: hide everything after :// */
	expect("postgres://u:pw@db/x?secret_thing=1", "postgres://****");
	expect("postgres://db/x?password", "postgres://****");
}
END_TEST

START_TEST(keyword_form_and_others)
{
	expect("host=db password=hunter2 dbname=x",
	    "password=**** dbname=x host=db");
	expect("host=db sslpassword='a b'", "host=db sslpassword=****");
	expect("kafka://user:pw@broker:9092", "kafka://user:****@broker:9092");
	expect("sqlite:///var/lib/terap2p/bans.db",
	    "sqlite:///var/lib/terap2p/bans.db");
	expect("teranode/bitcoin/1.0.0/mainnet",
	    "teranode/bitcoin/1.0.0/mainnet");
	expect("", "");
}
END_TEST

START_TEST(never_overflows)
{
	char	out[16];

	redact_url("postgres://u:hunter2@db.example.org/x?password=y", out,
	    sizeof(out));
	ck_assert_uint_eq(strlen(out), sizeof(out) - 1);
	ck_assert_ptr_null(strstr(out, "hunter2"));
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("redact");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, postgres_uri_secrets);
	tcase_add_test(tc, unknown_or_bad_is_hidden);
	tcase_add_test(tc, keyword_form_and_others);
	tcase_add_test(tc, never_overflows);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
