/*
 * Benchmarks: a real terap2pd for a bench program (see bench_daemon.h).
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_daemon.h"
#include "log.h"
#include "util.h"


uint64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

ipc_env *
call(struct daemon *d, const char *name, ipc_env *req)
{
	char	 url[256], err[256];
	ipc_env	*rep = NULL;

	ipc_url(d->run, name, url, sizeof(url));
	if (ipc_call_sync(url, req, 5000, &rep, err, sizeof(err)) == -1)
		fatal("%s: %s", name, err);
	if (rep->status != 0)
		fatal("%s: %s", name, rep->error);
	return rep;
}

int64_t
stat_of(struct daemon *d, const char *sock, const char *name)
{
	Tp__StatsReq	 s = TP__STATS_REQ__INIT;
	ipc_env		 req = TP__ENVELOPE__INIT, *rep;
	int64_t		 v = -1;
	size_t		 i;

	req.body_case = TP__ENVELOPE__BODY_STATS_REQ;
	req.stats_req = &s;
	rep = call(d, sock, &req);
	for (i = 0; i < rep->stats_rep->n_stats; i++)
		if (strcmp(rep->stats_rep->stats[i]->name, name) == 0)
			v = rep->stats_rep->stats[i]->value;
	ipc_env_free(rep);
	return v;
}

void
daemon_start(struct daemon *d, const char *bin, int port, const char *extra)
{
	char	conf[160], text[512];
	FILE	*fp;
	int	i, ready;

	snprintf(d->dir, sizeof(d->dir), "/tmp/tp-psb-XXXXXX");
	if (mkdtemp(d->dir) == NULL)
		fatal("mkdtemp");
	snprintf(d->run, sizeof(d->run), "%s/data/run", d->dir);
	snprintf(conf, sizeof(conf), "%s/terap2p.conf", d->dir);
	d->port = port;
	fp = fopen(conf, "w");
	fprintf(fp, "data_dir = %s/data\np2p_listen_addresses = 127.0.0.1\n"
	    "p2p_port = %d\np2p_httpListenAddress = 127.0.0.1:%d\n"
	    "log_level = warn\n", d->dir, port, port + 1000);
	if (strstr(extra, "p2p_grpcListenAddress") == NULL)
		fprintf(fp, "p2p_grpcListenAddress = 127.0.0.1:%d\n", port + 2000);
	/* no Teranode services around a bench daemon */
	if (strstr(extra, "blockchain_grpcAddress") == NULL)
		fprintf(fp, "blockchain_grpcAddress =\n");
	if (strstr(extra, "blockassembly_grpcAddress") == NULL)
		fprintf(fp, "blockassembly_grpcAddress =\n");
	fprintf(fp, "%s\n", extra);
	fclose(fp);
	if ((d->pid = fork()) == 0) {
		execl(bin, "terap2pd", "-d", "-f", conf, (char *)NULL);
		_exit(127);
	}
	/* few, patient polls: on a loaded machine a storm of 200 ms calls
	 * that time out kept the supervisor from hearing its workers; and
	 * every worker ready within 60 s, or the bench measures nothing */
	for (i = 0, ready = 0; i < 120 && !ready; i++) {
		Tp__SupStatusReq	s = TP__SUP_STATUS_REQ__INIT;
		ipc_env			req = TP__ENVELOPE__INIT, *rep = NULL;
		char			url[256], err[128];

		usleep(300000);
		req.body_case = TP__ENVELOPE__BODY_SUP_STATUS_REQ;
		req.sup_status_req = &s;
		ipc_url(d->run, "supervisor.rep", url, sizeof(url));
		if (ipc_call_sync(url, &req, 2000, &rep, err, sizeof(err)) == 0) {
			ready = rep->sup_status_rep->ready;
			ipc_env_free(rep);
		}
	}
	snprintf(text, sizeof(text), "%s/data/p2p.key", d->dir);
	if (!ready || access(text, F_OK) != 0)
		fatal("daemon on port %d not ready after 60 s", port);
}

void
daemon_stop(struct daemon *d)
{
	char	cmd[128];

	kill(d->pid, SIGTERM);
	waitpid(d->pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", d->dir);
}

