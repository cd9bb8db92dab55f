/*
 * Kafka for integration tests: a broker daemon on librdkafka's mock cluster
 * (tests/kafka_mock_broker, started per test), a producer of ours, and kcat
 * to read a topic from the outside.
 */
#ifndef KAFKA_HARNESS_H
#define KAFKA_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

struct broker {
	pid_t	pid;
	FILE	*in, *out;		/* its stdin / stdout */
	char	bootstrap[512];
};

struct kmsg {
	char	 key[128];
	uint8_t	*val;		/* owned */
	size_t	 len;
};

/* Start the broker next to $TERAP2PD with Teranode's topics; b->bootstrap. */
void		 broker_start(struct broker *b);
/* A fault-injection command ("down 1", "up 1"); waits for "ok". */
void		 broker_cmd(struct broker *b, const char *cmd);
void		 broker_stop(struct broker *b);
rd_kafka_t	*kt_producer(const struct broker *b);
/* Produce len bytes of val (taken over) on topic. */
void		 kt_produce(rd_kafka_t *rk, const char *topic, uint8_t *val,
		    size_t len);
/* Flush and destroy the producer. */
void		 kt_done(rd_kafka_t *rk);
/* Read up to cap messages of topic from the start, waiting for want. */
size_t		 kt_read(const struct broker *b, const char *topic, size_t want,
		    struct kmsg *out, size_t cap);
void		 kt_free(struct kmsg *m, size_t n);

#endif
