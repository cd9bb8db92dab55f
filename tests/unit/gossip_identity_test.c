/*
 * Unit tests for identity.c: the peer-id spec vectors (Part C1 of
 * libp2p-wire.md), the seed 00..1f vector, the three hex key forms, the
 * p2p.key file and peer ID text parsing.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libp2p/libp2p.h"

#define C1_PRIV	"080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
#define C1_PUB	"080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
#define C1_ID	"12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq"
#define C1_ID_HEX	"0024080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
#define C1_SEED	"7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d"
#define C1_PKHEX	"1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"

static size_t
unhex(const char *s, uint8_t *out)
{
	size_t	i, n = strlen(s) / 2;

	for (i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

START_TEST(test_seed_vector)
{
	struct p2p_identity	id;
	uint8_t			seed[32];
	size_t			i;

	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	ck_assert_int_eq(p2p_identity_from_seed(&id, seed), 0);
	ck_assert_str_eq(id.peer_id_text,
	    "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB");
	for (i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x61 + i);
	ck_assert_int_eq(p2p_identity_from_seed(&id, seed), 0);
	ck_assert_str_eq(id.peer_id_text,
	    "12D3KooWJywTtrwD4j4YNvoHhVkt3JwbhZCDGcuWiMtX5NdsL3Me");
	p2p_identity_fini(&id);
}
END_TEST

START_TEST(test_spec_vector)
{
	struct p2p_identity	id;
	uint8_t			want[128], pb[P2P_PRIVKEY_PB_LEN];
	uint8_t			pub[P2P_PUBKEY_PB_LEN], pk[32];
	size_t			n;

	ck_assert_int_eq(p2p_identity_from_hex(&id, C1_PRIV,
	    strlen(C1_PRIV)), 0);
	ck_assert_str_eq(id.peer_id_text, C1_ID);
	n = unhex(C1_ID_HEX, want);
	ck_assert_uint_eq(id.peer_id.len, n);
	ck_assert_mem_eq(id.peer_id.bytes, want, n);
	p2p_identity_pubkey_encode(id.pk, pub);
	n = unhex(C1_PUB, want);
	ck_assert_mem_eq(pub, want, n);
	p2p_identity_privkey_encode(&id, pb);
	n = unhex(C1_PRIV, want);
	ck_assert_uint_eq(n, sizeof(pb));
	ck_assert_mem_eq(pb, want, n);
	ck_assert_int_eq(p2p_identity_pubkey_decode(pub, sizeof(pub), pk), 0);
	ck_assert_mem_eq(pk, id.pk, 32);
	ck_assert_int_eq(p2p_identity_peer_id_pubkey(&id.peer_id, pk), 0);
	ck_assert_mem_eq(pk, id.pk, 32);
	/* secp256k1 keys are libp2p keys but not ours. */
	ck_assert_int_eq(p2p_identity_from_hex(&id,
	    "0802122053DADF1D5A164D6B4ACDB15E24AA4C5B1D3461BDBD42ABEDB0A4404D56CED8FB",
	    72), P2P_IDENTITY_ETYPE);
	n = unhex("08021221037777e994e452c21604f91de093ce415f5432f701dd8cd1a7a6fea0e630bfca99",
	    want);
	ck_assert_int_eq(p2p_identity_pubkey_decode(want, n, pk), -1);
}
END_TEST

START_TEST(test_hex_forms)
{
	struct p2p_identity	id;
	char			hex[400];

	snprintf(hex, sizeof(hex), " %s%s\n", C1_SEED, C1_PKHEX);
	ck_assert_int_eq(p2p_identity_from_hex(&id, hex, strlen(hex)), 0);
	ck_assert_str_eq(id.peer_id_text, C1_ID);
	snprintf(hex, sizeof(hex), "%s%s%s", C1_SEED, C1_PKHEX, C1_PKHEX);
	ck_assert_int_eq(p2p_identity_from_hex(&id, hex, strlen(hex)), 0);
	ck_assert_str_eq(id.peer_id_text, C1_ID);
	/* Upper case is hex too. */
	snprintf(hex, sizeof(hex), "%s%s", C1_SEED,
	    "1ED1E8FAE2C4A144B8BE8FD4B47BF3D3B34B871C3CACF6010F0E42D474FCE27E");
	ck_assert_int_eq(p2p_identity_from_hex(&id, hex, strlen(hex)), 0);
	/* Wrong duplicate public key. */
	snprintf(hex, sizeof(hex), "%s%s%s", C1_SEED, C1_PKHEX, C1_SEED);
	ck_assert_int_eq(p2p_identity_from_hex(&id, hex, strlen(hex)),
	    P2P_IDENTITY_EMISMATCH);
	snprintf(hex, sizeof(hex), "%s%s", C1_SEED, C1_SEED);
	ck_assert_int_eq(p2p_identity_from_hex(&id, hex, strlen(hex)),
	    P2P_IDENTITY_EMISMATCH);
	ck_assert_int_eq(p2p_identity_from_hex(&id, C1_SEED, 64),
	    P2P_IDENTITY_ELEN);
	ck_assert_int_eq(p2p_identity_from_hex(&id, "zz", 2),
	    P2P_IDENTITY_EHEX);
	ck_assert_int_eq(p2p_identity_from_hex(&id, "abc", 3),
	    P2P_IDENTITY_EHEX);
	ck_assert_int_eq(p2p_identity_from_hex(&id, "", 0),
	    P2P_IDENTITY_ELEN);
	memset(hex, 'a', sizeof(hex));
	ck_assert_int_eq(p2p_identity_from_hex(&id, hex, sizeof(hex)),
	    P2P_IDENTITY_ELEN);
	ck_assert_str_ne(p2p_identity_strerror(P2P_IDENTITY_ELEN), "");
}
END_TEST

START_TEST(test_key_file)
{
	struct p2p_identity	a, b;
	char			dir[] = "/tmp/p2p_identity_XXXXXX";
	char			path[256], buf[256];
	struct stat		st;
	FILE			*f;
	int			created;
	size_t			n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/p2p.key", dir);
	ck_assert_int_eq(p2p_identity_load(&a, path), P2P_IDENTITY_EIO);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(p2p_identity_load_or_create(&a, path, &created), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, 192);
	ck_assert_int_eq(p2p_identity_load_or_create(&b, path, &created), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_str_eq(a.peer_id_text, b.peer_id_text);
	ck_assert_mem_eq(a.sk, b.sk, 64);
	/* A broken file is an error, never silently replaced. */
	f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	ck_assert_int_eq(p2p_identity_load_or_create(&b, path, &created),
	    P2P_IDENTITY_EHEX);
	f = fopen(path, "w");
	fprintf(f, "%s\n", C1_PRIV);
	fclose(f);
	ck_assert_int_eq(p2p_identity_load(&b, path), 0);
	ck_assert_str_eq(b.peer_id_text, C1_ID);
	f = fopen(path, "r");
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_gt(n, 0);
	unlink(path);
	rmdir(dir);
	p2p_identity_fini(&a);
	p2p_identity_fini(&b);
}
END_TEST

START_TEST(test_peer_id_text)
{
	struct p2p_peer_id	id, id2;
	uint8_t			want[64], pk[32];
	char			text[P2P_PEER_ID_TEXT_MAX];
	size_t			n;
	const char		*ed = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";
	const char		*qm = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
	const char		*cid = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";

	ck_assert_int_eq(p2p_identity_peer_id_parse(ed, strlen(ed), &id), 0);
	n = unhex("0024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b",
	    want);
	ck_assert_uint_eq(id.len, n);
	ck_assert_mem_eq(id.bytes, want, n);
	ck_assert_int_eq(p2p_identity_peer_id_format(&id, text, sizeof(text)),
	    0);
	ck_assert_str_eq(text, ed);
	ck_assert_int_eq(p2p_identity_peer_id_pubkey(&id, pk), 0);
	ck_assert_mem_eq(pk, want + 6, 32);

	ck_assert_int_eq(p2p_identity_peer_id_parse(qm, strlen(qm), &id), 0);
	n = unhex("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9",
	    want);
	ck_assert_uint_eq(id.len, n);
	ck_assert_mem_eq(id.bytes, want, n);
	ck_assert_int_eq(p2p_identity_peer_id_pubkey(&id, pk), -1);
	ck_assert_int_eq(p2p_identity_peer_id_parse(cid, strlen(cid), &id2),
	    0);
	ck_assert(p2p_identity_peer_id_equal(&id, &id2));

	/* Garbage, truncation, a wrong multihash length, an unknown hash. */
	ck_assert_int_eq(p2p_identity_peer_id_parse("", 0, &id), -1);
	ck_assert_int_eq(p2p_identity_peer_id_parse(ed, strlen(ed) - 1, &id),
	    -1);
	ck_assert_int_eq(p2p_identity_peer_id_parse("12D3KooW0", 9, &id),
	    -1);
	ck_assert_int_eq(p2p_identity_peer_id_parse("b", 1, &id), -1);
	ck_assert_int_eq(p2p_identity_peer_id_parse("bafz!", 5, &id), -1);
	ck_assert_int_eq(p2p_identity_peer_id_parse("3mJr7AoUXx2Wqd", 14,
	    &id), -1);
	n = unhex("1320aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    want);
	ck_assert_int_eq(p2p_identity_peer_id_check(want, n), -1);
	n = unhex("0000", want);
	ck_assert_int_eq(p2p_identity_peer_id_check(want, n), -1);
}
END_TEST

START_TEST(test_sign_verify)
{
	struct p2p_identity	id;
	uint8_t			sig[64];

	ck_assert_int_eq(p2p_identity_generate(&id), 0);
	ck_assert_int_eq(strncmp(id.peer_id_text, "12D3KooW", 8), 0);
	p2p_identity_sign(&id, (const uint8_t *)"abc", 3, sig);
	ck_assert_int_eq(p2p_identity_verify(id.pk, (const uint8_t *)"abc",
	    3, sig), 0);
	sig[0] ^= 1;
	ck_assert_int_eq(p2p_identity_verify(id.pk, (const uint8_t *)"abc",
	    3, sig), -1);
	p2p_identity_fini(&id);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("p2p_identity");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, test_seed_vector);
	tcase_add_test(tc, test_spec_vector);
	tcase_add_test(tc, test_hex_forms);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_peer_id_text);
	tcase_add_test(tc, test_sign_verify);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
