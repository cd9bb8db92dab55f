/* Unit tests for base58.c: known strings, zeros, bad input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

START_TEST(test_base58_known)
{
	static const uint8_t	hello[] = "Hello World!";
	static const uint8_t	lead[] = { 0, 0, 0x28, 0x7f, 0xb4, 0xcd };
	char		text[64];
	uint8_t		out[64];
	size_t		n;

	ck_assert_int_eq(p2p_base58_encode(hello, 12, text, sizeof(text)),
	    0);
	ck_assert_str_eq(text, "2NEpo7TZRRrLZSi2U");
	ck_assert_int_eq(p2p_base58_decode(text, strlen(text), out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 12);
	ck_assert_mem_eq(out, hello, 12);
	ck_assert_int_eq(p2p_base58_encode(lead, sizeof(lead), text,
	    sizeof(text)), 0);
	ck_assert_str_eq(text, "11233QC4");
	ck_assert_int_eq(p2p_base58_decode("11233QC4", 8, out, sizeof(out),
	    &n), 0);
	ck_assert_uint_eq(n, sizeof(lead));
	ck_assert_mem_eq(out, lead, sizeof(lead));
	ck_assert_int_eq(p2p_base58_encode(lead, 0, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "");
}
END_TEST

START_TEST(test_base58_reject)
{
	uint8_t	out[200], big[P2P_BASE58_IN_MAX + 1];
	char	text[400];
	size_t	n;

	ck_assert_int_eq(p2p_base58_decode("0OIl", 4, out, sizeof(out), &n),
	    -1);
	ck_assert_int_eq(p2p_base58_decode("ab\0c", 4, out, sizeof(out), &n),
	    -1);
	ck_assert_int_eq(p2p_base58_decode("", 0, out, sizeof(out), &n), -1);
	ck_assert_int_eq(p2p_base58_decode("zzzz", 4, out, 2, &n), -1);
	memset(big, 0xff, sizeof(big));
	ck_assert_int_eq(p2p_base58_encode(big, sizeof(big), text,
	    sizeof(text)), -1);
	ck_assert_int_eq(p2p_base58_encode(big, 10, text, 5), -1);
	memset(text, 'z', sizeof(text));
	ck_assert_int_eq(p2p_base58_decode(text, sizeof(text), out,
	    sizeof(out), &n), -1);
	ck_assert_int_eq(p2p_base58_decode(text, 177, out, sizeof(out), &n),
	    -1);
}
END_TEST

START_TEST(test_base58_roundtrip_max)
{
	uint8_t	in[P2P_BASE58_IN_MAX], out[P2P_BASE58_IN_MAX];
	char	text[256];
	size_t	i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xff - i);
	ck_assert_int_eq(p2p_base58_encode(in, sizeof(in), text,
	    sizeof(text)), 0);
	ck_assert_int_eq(p2p_base58_decode(text, strlen(text), out,
	    sizeof(out), &n), 0);
	ck_assert_uint_eq(n, sizeof(in));
	ck_assert_mem_eq(in, out, n);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_base58");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_base58_known);
	tcase_add_test(tc, test_base58_reject);
	tcase_add_test(tc, test_base58_roundtrip_max);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
