/* Unit tests for varint.c: round trips, minimality, bounds. */
#include <check.h>
#include <stdlib.h>

#include "libp2p/libp2p.h"

START_TEST(test_varint_known)
{
	uint8_t		buf[P2P_VARINT_MAX];
	static const uint8_t	p2p[] = { 0xa5, 0x03 };
	uint64_t	v;
	size_t		n;

	ck_assert_uint_eq(p2p_varint_encode(0, buf), 1);
	ck_assert_uint_eq(buf[0], 0);
	ck_assert_uint_eq(p2p_varint_encode(421, buf), 2);
	ck_assert_mem_eq(buf, p2p, 2);
	ck_assert_uint_eq(p2p_varint_size(421), 2);
	ck_assert_int_eq(p2p_varint_decode(p2p, 2, &v, &n), P2P_VARINT_OK);
	ck_assert_uint_eq(v, 421);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_varint_roundtrip)
{
	static const uint64_t	vals[] = { 1, 127, 128, 255, 300, 16383,
	    16384, 65535, 0xffffffffu, ((uint64_t)1 << 63) - 1 };
	uint8_t		buf[P2P_VARINT_MAX];
	uint64_t	v;
	size_t		i, n, used;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n = p2p_varint_encode(vals[i], buf);
		ck_assert_uint_le(n, P2P_VARINT_MAX);
		ck_assert_uint_eq(n, p2p_varint_size(vals[i]));
		ck_assert_int_eq(p2p_varint_decode(buf, n, &v, &used),
		    P2P_VARINT_OK);
		ck_assert_uint_eq(v, vals[i]);
		ck_assert_uint_eq(used, n);
		ck_assert_int_eq(p2p_varint_decode(buf, n - 1, &v, &used),
		    P2P_VARINT_SHORT);
	}
}
END_TEST

START_TEST(test_varint_reject)
{
	static const uint8_t	nonmin[] = { 0x81, 0x00 };
	static const uint8_t	zero2[] = { 0x80, 0x00 };
	static const uint8_t	toolong[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0xff, 0xff, 0x01 };
	uint64_t	v;
	size_t		n;

	ck_assert_int_eq(p2p_varint_decode(nonmin, 2, &v, &n),
	    P2P_VARINT_BAD);
	ck_assert_int_eq(p2p_varint_decode(zero2, 2, &v, &n),
	    P2P_VARINT_BAD);
	ck_assert_int_eq(p2p_varint_decode(toolong, sizeof(toolong), &v,
	    &n), P2P_VARINT_BAD);
	ck_assert_int_eq(p2p_varint_decode(toolong, 0, &v, &n),
	    P2P_VARINT_SHORT);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_varint");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_varint_known);
	tcase_add_test(tc, test_varint_roundtrip);
	tcase_add_test(tc, test_varint_reject);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
