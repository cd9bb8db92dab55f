/*
 * kafka_mock_broker: a Kafka-protocol broker for tests and benchmarks, on
 * librdkafka's mock cluster.  It starts the cluster, creates the topics it
 * is given, prints one line `bootstrap=<host:port,...>` on stdout, then
 * obeys commands read from stdin, one a line, answering `ok` or `error`:
 *   down <broker-id>|all   the broker stops answering (connections closed)
 *   up <broker-id>|all     it answers again
 *   quit                   (or end of input, or SIGTERM) stop
 *
 *   kafka_mock_broker [-b brokers] [-t topic[:partitions]]...
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static int
broker_set(rd_kafka_mock_cluster_t *mc, int nbrokers, const char *which,
    int up)
{
	int	id, lo, hi;

	if (strcmp(which, "all") == 0) {
		lo = 1;
		hi = nbrokers;
	} else if ((lo = hi = atoi(which)) < 1 || lo > nbrokers)
		return -1;
	for (id = lo; id <= hi; id++)
		if ((up ? rd_kafka_mock_broker_set_up(mc, id) :
		    rd_kafka_mock_broker_set_down(mc, id)) != 0)
			return -1;
	return 0;
}

static void
create_topic(rd_kafka_mock_cluster_t *mc, char *spec)
{
	char	*colon = strchr(spec, ':');
	int	 parts = 1;

	if (colon != NULL) {
		*colon = '\0';
		parts = atoi(colon + 1) > 0 ? atoi(colon + 1) : 1;
	}
	if (rd_kafka_mock_topic_create(mc, spec, parts, 1) != 0)
		fprintf(stderr, "kafka_mock_broker: cannot create %s\n", spec);
}

int
main(int argc, char **argv)
{
	rd_kafka_conf_t		*conf = rd_kafka_conf_new();
	rd_kafka_mock_cluster_t	*mc;
	rd_kafka_t		*rk;
	char			 line[256], arg[64], err[256];
	int			 ch, nbrokers = 1, rc;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt(argc, argv, "b:t:")) != -1) {
		if (ch == 'b')
			nbrokers = atoi(optarg) > 0 ? atoi(optarg) : 1;
		else if (ch != 't') {
			fprintf(stderr, "usage: kafka_mock_broker [-b n] "
			    "[-t topic[:partitions]]...\n");
			return 2;
		}
	}
	rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "kafka_mock_broker: %s\n", err);
		return 1;
	}
	if ((mc = rd_kafka_mock_cluster_new(rk, nbrokers)) == NULL) {
		fprintf(stderr, "kafka_mock_broker: no mock cluster\n");
		return 1;
	}
	optind = 1;
	while ((ch = getopt(argc, argv, "b:t:")) != -1)
		if (ch == 't')
			create_topic(mc, optarg);
	printf("bootstrap=%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		rc = -1;
		if (sscanf(line, "down %63s", arg) == 1)
			rc = broker_set(mc, nbrokers, arg, 0);
		else if (sscanf(line, "up %63s", arg) == 1)
			rc = broker_set(mc, nbrokers, arg, 1);
		else if (strncmp(line, "quit", 4) == 0)
			break;
		printf("%s\n", rc == 0 ? "ok" : "error");
		fflush(stdout);
	}
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
