/*
 * The gossip worker: the libp2p host, the gossipsub router and the Teranode
 * topics.  It serves gossip.rep (Publish, GetPeers, ConnectPeer, ...) and
 * emits BlockSeen, SubtreeSeen, PeerConnected ... on gossip.pub.  Today it
 * is the process shell those parts plug into: its loop, its IPC sockets,
 * READY, Health, Stats and a clean stop.
 */
#include "gossip.h"
#include "log.h"
#include "proc.h"

static void
gossip_stop(void *arg)
{
	struct gossip_ctx	*g = arg;

	log_debug("gossip: closing gossip.pub");
	g->pub = NULL;		/* closed with the IPC hub */
}

int
gossip_main(struct proc *p)
{
	struct gossip_ctx	g = { .p = p };

	p->hook_arg = &g;
	p->stop = gossip_stop;
	if (proc_serve(p) == -1)
		fatal_config("cannot serve gossip.rep under %s", p->run_dir);
	if ((g.pub = ipc_pub_open(p->ipc, "gossip.pub")) == NULL)
		fatal_config("cannot publish gossip.pub under %s", p->run_dir);
	proc_ready(p);
	return proc_run(p);
}
