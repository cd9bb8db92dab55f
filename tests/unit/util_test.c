/* Unit tests of common/util.c: hex, base64, durations, mkdirs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

START_TEST(hex_round_trip)
{
	uint8_t	in[256], out[256];
	char	text[513];
	size_t	i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	util_hex_encode(in, sizeof(in), text);
	ck_assert_uint_eq(strlen(text), 512);
	ck_assert_int_eq(util_hex_decode(text, 512, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 256);
	ck_assert_mem_eq(in, out, 256);
	ck_assert_int_eq(util_hex_decode("DEADbeef", 8, out, 4, &n), 0);
	ck_assert_uint_eq(out[0], 0xde);
	ck_assert_uint_eq(out[3], 0xef);
}
END_TEST

START_TEST(hex_rejects_garbage)
{
	uint8_t	out[8];
	size_t	n;

	ck_assert_int_eq(util_hex_decode("abc", 3, out, 8, &n), -1);
	ck_assert_int_eq(util_hex_decode("zz", 2, out, 8, &n), -1);
	ck_assert_int_eq(util_hex_decode("0011223344556677aa", 18, out, 8, &n),
	    -1);
}
END_TEST

START_TEST(b64_vectors)
{
	/* RFC 4648 section 10 */
	static const char	*plain[] = { "", "f", "fo", "foo", "foob",
				    "fooba", "foobar" };
	static const char	*enc[] = { "", "Zg==", "Zm8=", "Zm9v",
				    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char			 text[16];
	uint8_t			 out[16];
	size_t			 i, n;

	for (i = 0; i < 7; i++) {
		util_b64_encode((const uint8_t *)plain[i], strlen(plain[i]),
		    text);
		ck_assert_str_eq(text, enc[i]);
		ck_assert_uint_eq(util_b64_encoded_len(strlen(plain[i])),
		    strlen(enc[i]));
		ck_assert_int_eq(util_b64_decode(enc[i], strlen(enc[i]), out,
		    sizeof(out), &n), 0);
		ck_assert_uint_eq(n, strlen(plain[i]));
		ck_assert_mem_eq(out, plain[i], n);
	}
}
END_TEST

START_TEST(b64_rejects_garbage)
{
	uint8_t	out[16];
	size_t	n;

	ck_assert_int_eq(util_b64_decode("Zm9", 3, out, 16, &n), -1);
	ck_assert_int_eq(util_b64_decode("Zm9!", 4, out, 16, &n), -1);
	ck_assert_int_eq(util_b64_decode("=m9v", 4, out, 16, &n), -1);
	ck_assert_int_eq(util_b64_decode("Zg==Zg==", 8, out, 16, &n), -1);
	ck_assert_int_eq(util_b64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
}
END_TEST

START_TEST(duration_parse)
{
	uint64_t	ms;

	ck_assert_int_eq(util_duration_parse("24h", &ms), 0);
	ck_assert_uint_eq(ms, 86400000);
	ck_assert_int_eq(util_duration_parse("500ms", &ms), 0);
	ck_assert_uint_eq(ms, 500);
	ck_assert_int_eq(util_duration_parse("1m30s", &ms), 0);
	ck_assert_uint_eq(ms, 90000);
	ck_assert_int_eq(util_duration_parse("1h1m1s1ms", &ms), 0);
	ck_assert_uint_eq(ms, 3661001);
	ck_assert_int_eq(util_duration_parse("0", &ms), 0);
	ck_assert_uint_eq(ms, 0);
	ck_assert_int_eq(util_duration_parse("2000us", &ms), 0);
	ck_assert_uint_eq(ms, 2);
	ck_assert_int_eq(util_duration_parse("1500us", &ms), -1);
	ck_assert_int_eq(util_duration_parse("", &ms), -1);
	ck_assert_int_eq(util_duration_parse("10", &ms), -1);
	ck_assert_int_eq(util_duration_parse("h", &ms), -1);
	ck_assert_int_eq(util_duration_parse("-5s", &ms), -1);
	ck_assert_int_eq(util_duration_parse("5 s", &ms), -1);
	ck_assert_int_eq(util_duration_parse("5d", &ms), -1);
	ck_assert_int_eq(util_duration_parse("10ns", &ms), -1);
	ck_assert_int_eq(util_duration_parse("99999999999999999999h", &ms),
	    -1);
	ck_assert_int_eq(util_duration_parse("9999999999999h", &ms), -1);
}
END_TEST

START_TEST(duration_format)
{
	char	buf[32];

	util_duration_format(86400000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "24h");
	util_duration_format(90500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1m30s500ms");
	util_duration_format(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0s");
}
END_TEST

START_TEST(utf8_strict)
{
	size_t	bad = 99;

	ck_assert_int_eq(util_utf8_check("ascii \xc3\xa9 \xf0\x9f\x98\x80", 13,
	    NULL), 0);
	ck_assert_int_eq(util_utf8_check("a\xc0\xaf" "b", 4, &bad), -1);
	ck_assert_uint_eq(bad, 1);		/* overlong '/' */
	ck_assert_int_eq(util_utf8_check("\xed\xa0\x80", 3, &bad), -1);
	ck_assert_uint_eq(bad, 0);		/* a surrogate */
	ck_assert_int_eq(util_utf8_check("\xf4\x90\x80\x80", 4, NULL), -1);
	ck_assert_int_eq(util_utf8_check("ab\xe2\x82", 4, &bad), -1);
	ck_assert_uint_eq(bad, 2);		/* cut short */
	ck_assert_int_eq(util_utf8_check("\xff", 1, NULL), -1);
}
END_TEST

START_TEST(mkdirs_nested)
{
	char		tmpl[] = "/tmp/tp-util-XXXXXX", path[128];
	struct stat	st;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/a/b/c", tmpl);
	ck_assert_int_eq(util_mkdirs(path, 0700), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(util_mkdirs(path, 0700), 0);	/* exists: fine */
	snprintf(path, sizeof(path), "rm -rf %s", tmpl);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("util");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, hex_round_trip);
	tcase_add_test(tc, hex_rejects_garbage);
	tcase_add_test(tc, b64_vectors);
	tcase_add_test(tc, b64_rejects_garbage);
	tcase_add_test(tc, duration_parse);
	tcase_add_test(tc, duration_format);
	tcase_add_test(tc, utf8_strict);
	tcase_add_test(tc, mkdirs_nested);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
