/*
 * Teranode's blockchain + block-assembly services as an independent gRPC
 * stack (tests/interop/fake_blockchain.mjs on @grpc/grpc-js), driven like
 * the js-libp2p peers: the struct jspeer and jspeer_cmd / jspeer_wait /
 * jspeer_stop of jspeer.h.
 */
#ifndef CHAINFAKE_H
#define CHAINFAKE_H

#include "jspeer.h"

/*
 * Start the fake on 127.0.0.1:port (0: any free port) with blocks 1..height
 * and FSM state fsm; returns its port.  The chain is deterministic, so a
 * fake restarted with the same height has the same blocks.
 */
int	chainfake_start(struct jspeer *, int port, int height, const char *fsm);
/* A new block (display hash, height) or, invalid, an invalid one. */
void	chainfake_block(struct jspeer *, int invalid, char hash[65]);
/* A command whose answer must say ok; returns the answer line. */
const char *chainfake_cmd(struct jspeer *, const char *cmd, const char *extra);

#endif
