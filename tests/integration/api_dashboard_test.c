/*
 * Integration test of the dashboard page at "/" in a real browser: headless
 * Debian chromium, driven over the DevTools protocol by a small Node script
 * (Node's built-in WebSocket), loads the page from a running terap2pd and
 * the test asserts that the DOM shows the workers, the peers and bans of
 * the REST API and a live block announcement, gossiped by a js-libp2p peer
 * and heard by the real gossip worker, pushed through /p2p-ws while the
 * page is open.  The screenshot is kept as build/<variant>/artifacts/
 * dashboard.png.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "jspeer.h"
#include "util.h"

#define READY_MS	15000
#define KEY		"dash-key"

static int
free_port(void)
{
	struct sockaddr_in	sa;
	socklen_t		len = sizeof(sa);
	int			fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static const char	cdp_js[] =
"const fs = require('fs'), os = require('os');\n"
"const { spawn } = require('child_process');\n"
"const [chrome, url, shot] = process.argv.slice(2);\n"
"const dir = fs.mkdtempSync(os.tmpdir() + '/tp-chrome-');\n"
"const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n"
"const p = spawn(chrome, ['--headless', '--no-sandbox', '--disable-gpu',\n"
"  '--hide-scrollbars', '--window-size=1200,1000', '--no-first-run',\n"
"  '--remote-debugging-port=0', '--user-data-dir=' + dir, 'about:blank'],\n"
"  { stdio: ['ignore', 'ignore', 'pipe'] });\n"
"const quit = (code) => { p.kill('SIGKILL');\n"
"  try { fs.rmSync(dir, { recursive: true, force: true }); } catch (e) {}\n"
"  process.exit(code); };\n"
"setTimeout(() => { console.log('TIMEOUT'); quit(1); }, 25000);\n"
"let started = false, err = '';\n"
"p.stderr.on('data', (d) => { err += d;\n"
"  const m = /DevTools listening on (ws:\\S+)/.exec(err);\n"
"  if (m && !started) { started = true; run(m[1]).catch((e) => {\n"
"    console.log('ERROR ' + e); quit(1); }); } });\n"
"async function run(browser) {\n"
"  const ws = new WebSocket(browser);\n"
"  let id = 0; const pending = new Map();\n"
"  const send = (method, params = {}, sessionId) => new Promise((res) => {\n"
"    const i = ++id; pending.set(i, res);\n"
"    ws.send(JSON.stringify({ id: i, method, params, sessionId })); });\n"
"  ws.onmessage = (m) => { const o = JSON.parse(m.data);\n"
"    if (o.id && pending.has(o.id)) { pending.get(o.id)(o); pending.delete(o.id); } };\n"
"  await new Promise((r) => { ws.onopen = r; });\n"
"  const t = await send('Target.createTarget', { url: 'about:blank' });\n"
"  const a = await send('Target.attachToTarget',\n"
"    { targetId: t.result.targetId, flatten: true });\n"
"  const s = a.result.sessionId;\n"
"  const ev = async (expr) => (await send('Runtime.evaluate',\n"
"    { expression: expr, returnByValue: true }, s)).result.result.value;\n"
"  await send('Page.navigate', { url }, s);\n"
"  for (let i = 0; i < 150; i++) {\n"
"    await sleep(100);\n"
"    if (await ev('document.querySelector(\".ev-block\") && '\n"
"      + 'document.querySelectorAll(\"#workers tbody tr\").length > 0 && '\n"
"      + 'document.querySelectorAll(\"#bans tbody tr\").length > 0 ? 1 : 0')) break;\n"
"  }\n"
"  console.log('DOM ' + await ev('JSON.stringify({'\n"
"    + 'peers: document.getElementById(\"npeers\").textContent,'\n"
"    + 'bans: document.getElementById(\"nbans\").textContent,'\n"
"    + 'peer: document.querySelector(\"#peers tbody td\") ? '\n"
"    + 'document.querySelector(\"#peers tbody td\").textContent : \"\",'\n"
"    + 'ban: document.querySelector(\"#bans tbody td\") ? '\n"
"    + 'document.querySelector(\"#bans tbody td\").textContent : \"\",'\n"
"    + 'workers: document.querySelectorAll(\"#workers tbody tr\").length,'\n"
"    + 'block: (document.querySelector(\".ev-block\") || {}).textContent || \"\",'\n"
"    + 'stream: document.getElementById(\"ws\").textContent})'));\n"
"  const png = await send('Page.captureScreenshot', { format: 'png' }, s);\n"
"  fs.writeFileSync(shot, Buffer.from(png.result.data, 'base64'));\n"
"  quit(0);\n"
"}\n";

#define PREFIX	"teranode/bitcoin/1.0.0/mainnet"
#define HASH	"000000000000000000000000000000000000000000000000000000000000" \
		"0aa1"

/* js announces a block over gossip: the gossip worker hears it and the api
 * worker pushes it to the page's /p2p-ws stream. */
static void
js_block(struct jspeer *js)
{
	char	json[512];

	snprintf(json, sizeof(json), "{\"PeerID\":\"%s\",\"ClientName\":"
	    "\"js-node\",\"DataHubURL\":\"http://127.0.0.1:9/api/v1\","
	    "\"Hash\":\"" HASH "\",\"Height\":812345,\"Header\":\"\","
	    "\"Coinbase\":\"\"}", js->peer_id);
	jspeer_send_envelope(js, PREFIX "-block", json);
}

START_TEST(dashboard_in_chromium)
{
	struct daemon	 d;
	char		 conf[256], js[256], shot[512], tmp[256], cmd[1024];
	char		 line[4096], dom[4096] = "", out[1024];
	const char	*chrome = "/usr/bin/chromium";
	const char	*ban[] = { "/usr/bin/curl", "-s", "-H", "Authorization: "
			    "Bearer " KEY, "-H", "Content-Type: application/json",
			    "-d", "{\"addr\":\"203.0.113.0/24\",\"reason\":\"dash\"}",
			    cmd, NULL };
	FILE		*fp, *p;
	int		 port = free_port(), p2p = free_port(), fd, status;
	struct stat	 st;
	struct jspeer	 jsp;
	static const char *const gossip[] = { "--gossip", NULL };
	char		 pid[64], dial[256], want[256];
	const char	*l;

	ck_assert_msg(access(chrome, X_OK) == 0, "%s missing: scripts/deps.sh "
	    "test installs it", chrome);
	snprintf(conf, sizeof(conf), "p2p_httpListenAddress = 127.0.0.1:%d\n"
	    "p2p_port = %d\np2p_listen_addresses = 127.0.0.1\napi_key = " KEY
	    "\np2p_allow_private_ips = true\n", port, p2p);
	h_start(&d, conf);
	ck_assert_msg(h_wait_log(&d, "supervisor", "msg=\"ready\"", READY_MS) ==
	    0, "daemon not ready");
	for (int i = 0; i < 250 && h_count_log(&d, "api", "serving HTTP") == 0;
	    i++)
		usleep(20000);
	snprintf(cmd, sizeof(cmd), "http://127.0.0.1:%d/api/v1/bans", port);
	h_run(ban, out, sizeof(out));
	/* a real peer: a js-libp2p node connected to the daemon */
	ck_assert_ptr_nonnull(l = strstr(d.log, "gossip: peer ID "));
	sscanf(l + 16, "%63[^\"]", pid);
	jspeer_start(&jsp, gossip);
	ck_assert_ptr_nonnull(jspeer_cmd(&jsp, "subscribe", "\"topic\":\""
	    PREFIX "-block\"", 5000));
	snprintf(dial, sizeof(dial), "\"addr\":\"/ip4/127.0.0.1/tcp/%d/p2p/%s\"",
	    p2p, pid);
	l = jspeer_cmd(&jsp, "dial", dial, 10000);
	ck_assert_msg(l != NULL && strstr(l, "\"ok\":true"), "dial: %s",
	    l != NULL ? l : "");
	ck_assert_msg(jspeer_wait_mesh(&jsp, PREFIX "-block", pid, 15000) == 0,
	    "daemon not in js's block mesh");
	snprintf(js, sizeof(js), "%s/cdp.js", d.dir);
	ck_assert_ptr_nonnull(fp = fopen(js, "w"));
	fputs(cdp_js, fp);
	fclose(fp);
	snprintf(tmp, sizeof(tmp), "%s", h_binary());
	snprintf(shot, sizeof(shot), "%s/artifacts", dirname(tmp));
	mkdir(shot, 0755);
	strncat(shot, "/dashboard.png", sizeof(shot) - strlen(shot) - 1);
	unlink(shot);
	snprintf(cmd, sizeof(cmd), "node --no-warnings --experimental-websocket "
	    "%s %s http://127.0.0.1:%d/ %s", js, chrome, port, shot);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	fd = fileno(p);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 250 && dom[0] == '\0'; i++) {
		usleep(100000);
		if (i % 5 == 0)
			js_block(&jsp);	/* live, while the page is open */
		while (fgets(line, sizeof(line), p) != NULL)
			if (strncmp(line, "DOM ", 4) == 0 || strncmp(line,
			    "ERROR", 5) == 0 || strncmp(line, "TIMEOUT", 7) == 0)
				snprintf(dom, sizeof(dom), "%s", line);
	}
	fcntl(fd, F_SETFL, 0);
	while (fgets(line, sizeof(line), p) != NULL)
		if (dom[0] == '\0')
			snprintf(dom, sizeof(dom), "%s", line);
	status = pclose(p);
	ck_assert_msg(strncmp(dom, "DOM ", 4) == 0, "no DOM: %s", dom);
	ck_assert_msg(strstr(dom, "\"workers\":4") != NULL, "%s", dom);
	ck_assert_msg(strstr(dom, "\"peers\":\"1\"") != NULL, "%s", dom);
	snprintf(want, sizeof(want), "\"peer\":\"%s\"", jsp.peer_id);
	ck_assert_msg(strstr(dom, want) != NULL, "%s", dom);
	snprintf(want, sizeof(want), "block 812345 %s  from %s", HASH,
	    jsp.peer_id);
	ck_assert_msg(strstr(dom, want) != NULL, "%s", dom);
	jspeer_stop(&jsp);
	ck_assert_msg(strstr(dom, "\"bans\":\"1\"") != NULL, "%s", dom);
	ck_assert_msg(strstr(dom, "\"ban\":\"203.0.113.0/24\"") != NULL, "%s",
	    dom);
	ck_assert_msg(strstr(dom, "\"stream\":\"stream: live\"") != NULL, "%s",
	    dom);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(stat(shot, &st), 0);
	ck_assert_int_gt(st.st_size, 10000);
	fprintf(stderr, "  screenshot: %s\n", shot);
	h_stop(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("api_dashboard");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, dashboard_in_chromium);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
