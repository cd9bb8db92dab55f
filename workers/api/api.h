/*
 * The API worker's private header: its context, shared by the api_*.c
 * files of this worker only.
 */
#ifndef API_H
#define API_H

struct proc;

struct api_ctx {
	struct proc	*p;		/* borrowed: the worker run-time */
};

int	api_main(struct proc *);

#endif
