/*
 * The Kafka bridge worker: Teranode's Kafka topics in and out.  It serves
 * kafka.rep (ProduceSyncTrigger, Status) and emits the local node's
 * notifications on kafka.pub.  Today it is the process shell the producers
 * and consumers plug into: its loop, its IPC sockets, READY, Health, Stats
 * and a clean stop.
 */
#include "kafka_bridge.h"
#include "log.h"
#include "proc.h"

int
kafka_main(struct proc *p)
{
	struct kafka_ctx	k = { .p = p };

	p->hook_arg = &k;
	if (proc_serve(p) == -1)
		fatal_config("cannot serve kafka.rep under %s", p->run_dir);
	if ((k.pub = ipc_pub_open(p->ipc, "kafka.pub")) == NULL)
		fatal_config("cannot publish kafka.pub under %s", p->run_dir);
	proc_ready(p);
	return proc_run(p);
}
