/*
 * A real js-libp2p peer (tests/interop/peer.mjs under Node) for the interop
 * tests: start it, send it JSON commands, wait for the JSON lines it prints.
 */
#ifndef JSPEER_H
#define JSPEER_H

#include <sys/types.h>

struct jspeer {
	pid_t	 pid;
	int	 in_fd, out_fd;
	char	 peer_id[64];
	char	 addr[160];		/* its listen multiaddr incl. /p2p/ */
	char	*log;
	size_t	 len, cap, seen;
	int	 next_id;
};

/* Start a peer with extra arguments (NULL-terminated); waits for it to listen. */
void	jspeer_start(struct jspeer *, const char *const *args);
/* The same with another script speaking the same line protocol (its first
 * line: {"event":"listening","peer":...,"addrs":[...]}). */
void	jspeer_start_script(struct jspeer *, const char *script,
	    const char *const *args);
/* Send {"id":N,"cmd":cmd,<extra>} and wait for its answer line; returns it. */
const char *jspeer_cmd(struct jspeer *, const char *cmd, const char *extra,
	    int ms);
/* Wait for a line containing all of a and b (b may be NULL); returns it. */
const char *jspeer_wait(struct jspeer *, const char *a, const char *b, int ms);
/* Ask js to dial addr; its answer line (\"ok\":true or false). */
const char *jspeer_dial(struct jspeer *, const char *addr);
/* Publish {"name":"js-node","data":base64(json)} on topic (Teranode's
 * envelope); asserts js took it. */
void	jspeer_send_envelope(struct jspeer *, const char *topic,
	    const char *json);
/* Wait until peer_id is in js's gossipsub mesh of topic; 0 or -1. */
int	jspeer_wait_mesh(struct jspeer *, const char *topic,
	    const char *peer_id, int ms);
void	jspeer_stop(struct jspeer *);

#endif
