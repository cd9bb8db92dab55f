/*
 * The API worker: REST for admins, the /p2p-ws stream, the dashboard and
 * metrics.  It serves api.rep and calls the other workers' .rep sockets.
 * Today it is the process shell the HTTP server plugs into: its loop, its
 * IPC socket, READY, Health, Stats and a clean stop.
 */
#include "api.h"
#include "log.h"
#include "proc.h"

int
api_main(struct proc *p)
{
	struct api_ctx	a = { .p = p };

	p->hook_arg = &a;
	if (proc_serve(p) == -1)
		fatal_config("cannot serve api.rep under %s", p->run_dir);
	proc_ready(p);
	return proc_run(p);
}
