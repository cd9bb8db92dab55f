/*
 * Unit tests of the settings loader: golden files (tests/config/N.conf ->
 * N.expected, and Teranode settings pairs tests/config/tnN/ -> tnN/expected,
 * the `terap2pd -n` output), every validation error (each file in
 * tests/config/bad/ names the one line it must produce), the environment
 * overriding the files, contexts, ${} expansion and the typed getters.  Run
 * from the repository root.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "../../tools/settings_doc.h"

static char *
slurp(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*buf;
	long	 n;

	ck_assert_msg(fp != NULL, "cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

static void
env_clear(void)
{
	size_t	i;

	for (i = 0; i < config_nkeys; i++)
		unsetenv(config_keys[i].name);
	for (i = 0; i < config_naliases; i++)
		unsetenv(config_aliases[i].name);
	unsetenv("SETTINGS_CONTEXT");
	unsetenv("SETTINGS_APPLICATION");
	unsetenv("P2P_GRPC_PORT");
}

static void
setup(void)
{
	ck_assert_int_eq(chdir("tests/config"), 0);
	env_clear();
}

static char *
print_to_string(const struct config *cfg)
{
	char	*out;
	size_t	 len;
	FILE	*mem = open_memstream(&out, &len);

	config_print(cfg, mem);
	fclose(mem);
	return out;
}

/* Set each NAME=VALUE line of path in the environment. */
static void
env_load(const char *path)
{
	char	*text, *line, *save = NULL, *eq;

	if (access(path, F_OK) != 0)
		return;
	text = slurp(path);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		setenv(line, eq + 1, 1);
	}
	free(text);
}

START_TEST(golden_files)
{
	char		 conf[64], want_path[64], err[512], *out, *want;
	struct config	*cfg;
	int		 n, i;

	/* from the root, as `terap2pd -n -f tests/config/N.conf` names it */
	ck_assert_int_eq(chdir("../.."), 0);
	for (i = 1, n = 0; ; i++, n++) {
		snprintf(conf, sizeof(conf), "tests/config/%d.conf", i);
		if (access(conf, F_OK) != 0)
			break;
		snprintf(want_path, sizeof(want_path), "tests/config/%d.expected",
		    i);
		cfg = config_load(conf, 0, err, sizeof(err));
		ck_assert_msg(cfg != NULL, "%s: %s", conf, err);
		out = print_to_string(cfg);
		want = slurp(want_path);
		ck_assert_msg(strcmp(out, want) == 0, "%s differs from %s:\n%s",
		    conf, want_path, out);
		free(out);
		free(want);
		config_free(cfg);
	}
	ck_assert_int_ge(n, 3);
}
END_TEST

/*
 * tests/config/tnN/: Teranode's settings.conf + settings_local.conf (named
 * by -s, or by teranode_settings_dir in tnN/terap2p.conf when that exists),
 * the environment of tnN/env, and the expected `terap2pd -n` output.
 */
START_TEST(teranode_golden_pairs)
{
	char			 dir[64], own[96], path[96], err[512], *out, *want;
	struct config_opts	 o;
	struct config		*cfg;
	int			 n, i;

	ck_assert_int_eq(chdir("../.."), 0);
	for (i = 1, n = 0; ; i++, n++) {
		snprintf(dir, sizeof(dir), "tests/config/tn%d", i);
		if (access(dir, F_OK) != 0)
			break;
		env_clear();
		snprintf(path, sizeof(path), "%s/env", dir);
		env_load(path);
		snprintf(own, sizeof(own), "%s/terap2p.conf", dir);
		o.path = access(own, F_OK) == 0 ? own : NULL;
		o.settings_dir = o.path == NULL ? dir : NULL;
		o.use_env = 1;
		cfg = config_open(&o, err, sizeof(err));
		ck_assert_msg(cfg != NULL, "%s: %s", dir, err);
		out = print_to_string(cfg);
		snprintf(path, sizeof(path), "%s/expected", dir);
		want = slurp(path);
		ck_assert_msg(strcmp(out, want) == 0, "%s differs from %s:\n%s",
		    dir, path, out);
		free(out);
		free(want);
		config_free(cfg);
	}
	env_clear();
	ck_assert_int_ge(n, 2);
}
END_TEST

START_TEST(every_bad_file_fails_with_its_line)
{
	DIR		*d = opendir("bad");
	struct dirent	*de;
	char		 path[300], err[512], *text, *nl;
	struct config	*cfg;
	int		 n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".conf") == NULL)
			continue;
		snprintf(path, sizeof(path), "bad/%s", de->d_name);
		text = slurp(path);
		ck_assert_msg(strncmp(text, "# expect: ", 10) == 0,
		    "%s lacks '# expect:'", path);
		if ((nl = strchr(text, '\n')) != NULL)
			*nl = '\0';
		err[0] = '\0';
		cfg = config_load(path, 0, err, sizeof(err));
		ck_assert_msg(cfg == NULL, "%s was accepted", path);
		ck_assert_msg(strcmp(err, text + 10) == 0,
		    "%s: got '%s', want '%s'", path, err, text + 10);
		ck_assert_ptr_null(strchr(err, '\n'));
		free(text);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 15);
}
END_TEST

START_TEST(missing_file_is_an_error)
{
	char	err[512];

	ck_assert_ptr_null(config_load("nope.conf", 0, err, sizeof(err)));
	ck_assert_str_eq(err,
	    "cannot open config file nope.conf: No such file or directory");
}
END_TEST

START_TEST(environment_overrides_file)
{
	struct config	*cfg;
	char		 err[512];

	setenv("p2p_port", "4242", 1);
	setenv("network", "regtest", 1);
	cfg = config_load("2.conf", 1, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 4242);
	ck_assert_str_eq(config_str(cfg, "topic_prefix"),
	    "teranode/bitcoin/1.0.0/regtest");
	config_free(cfg);
	cfg = config_load("2.conf", 0, err, sizeof(err));
	ck_assert_int_eq(config_int(cfg, "p2p_port"), 19905);
	config_free(cfg);
	setenv("p2p_port", "x", 1);
	ck_assert_ptr_null(config_load("2.conf", 1, err, sizeof(err)));
	ck_assert_str_eq(err, "p2p_port: 'x' is not an integer (environment)");
	unsetenv("p2p_port");
	unsetenv("network");
}
END_TEST

START_TEST(typed_getters)
{
	const struct cfg_list	*l;
	struct config		*cfg;
	char			 err[512];

	cfg = config_load("2.conf", 0, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	l = config_list(cfg, "p2p_listen_addresses");
	ck_assert_uint_eq(l->n, 3);
	ck_assert_str_eq(l->v[0], "0.0.0.0");
	ck_assert_str_eq(l->v[1], "::");
	ck_assert_str_eq(l->v[2], "127.0.0.1");
	ck_assert_uint_eq(config_duration_ms(cfg, "p2p_ban_duration"),
	    5400000);
	ck_assert_int_eq(config_bool(cfg, "p2p_share_private_addresses"), 1);
	ck_assert_int_eq(config_bool(cfg, "p2p_allow_private_ips"), 0);
	ck_assert_str_eq(config_str(cfg, "clientName"), "node one");
	ck_assert_str_eq(config_str(cfg, "data_dir"), "/srv/terap2p");
	ck_assert_str_eq(config_str(cfg, "run_dir"), "/srv/terap2p/run");
	ck_assert_uint_eq(config_list(cfg, "p2p_advertise_addresses")->n, 0);
	config_free(cfg);
}
END_TEST

START_TEST(text_loader_limits)
{
	char	*big, err[512];
	size_t	 n = 5000;

	big = malloc(n + 32);
	memcpy(big, "clientName = ", 13);
	memset(big + 13, 'a', n);
	big[13 + n] = '\0';
	ck_assert_ptr_null(config_load_text(big, strlen(big), "big", 0, err,
	    sizeof(err)));
	ck_assert_str_eq(err, "big:1: longer than 4096 bytes");
	ck_assert_ptr_null(config_load_text("p2p_port = 1\0x", 14, "nul", 0,
	    err, sizeof(err)));
	ck_assert_str_eq(err, "nul:1: contains a NUL byte");
	free(big);
}
END_TEST

/* etc/terap2p.conf and etc/settings_local.conf load; the docs name every key. */
START_TEST(shipped_files_load_and_docs_name_every_key)
{
	struct config_opts	 o = { "etc/terap2p.conf", "etc", 0 };
	struct config		*cfg;
	char			*readme, *conf, want[128], err[512];
	size_t			 i;

	ck_assert_int_eq(chdir("../.."), 0);
	cfg = config_open(&o, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_str_eq(config_str(cfg, "clientName"), "my-teranode");
	ck_assert_str_eq(config_str(cfg, "KAFKA_HOSTS"), "embedded");
	ck_assert_str_eq(config_str(cfg, "data_dir"), "./data");
	config_free(cfg);
	readme = slurp("docs/settings.md");
	conf = slurp("etc/terap2p.conf");
	for (i = 0; i < config_nkeys; i++) {
		snprintf(want, sizeof(want), "| `%s` |", config_keys[i].name);
		ck_assert_msg(strstr(readme, want) != NULL,
		    "docs/settings.md lacks %s", config_keys[i].name);
		snprintf(want, sizeof(want), "\n#%s =", config_keys[i].name);
		ck_assert_msg(strstr(conf, want) != NULL || strcmp(
		    config_keys[i].name, "data_dir") == 0,
		    "etc/terap2p.conf lacks %s", config_keys[i].name);
	}
	free(readme);
	free(conf);
}
END_TEST

/*
 * docs/settings.md's tables are what the generator writes from the table
 * today: a key added, changed or removed without `make docs` fails here.
 */
START_TEST(settings_doc_is_up_to_date)
{
	char	*doc, *table, *want;

	ck_assert_int_eq(chdir("../.."), 0);
	doc = slurp("docs/settings.md");
	ck_assert_ptr_nonnull(table = settings_doc_render());
	ck_assert_ptr_nonnull(want = settings_doc_splice(doc, table));
	ck_assert_msg(strcmp(doc, want) == 0,
	    "docs/settings.md is out of date: run make docs");
	ck_assert_ptr_nonnull(strstr(doc, "| `p2p_port` | integer 1..65535 | "
	    "`9905` | libp2p TCP port |\n"));
	ck_assert_ptr_null(settings_doc_splice("no markers", table));
	free(want);
	free(table);
	free(doc);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, golden_files);
	tcase_add_test(tc, teranode_golden_pairs);
	tcase_add_test(tc, every_bad_file_fails_with_its_line);
	tcase_add_test(tc, missing_file_is_an_error);
	tcase_add_test(tc, environment_overrides_file);
	tcase_add_test(tc, typed_getters);
	tcase_add_test(tc, text_loader_limits);
	tcase_add_test(tc, shipped_files_load_and_docs_name_every_key);
	tcase_add_test(tc, settings_doc_is_up_to_date);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
