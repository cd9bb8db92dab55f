/*
 * libFuzzer target for yamux.c: the input is a run of 12-byte
 * headers (payload bytes are skipped as the session says) fed to a client
 * or server session, with local opens, sends and consumes mixed in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "libp2p/libp2p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fz_local(struct p2p_yamux_session *s, const struct p2p_yamux_event *ev)
{
	struct p2p_yamux_hdr	h;
	uint32_t		id, n;
	int			upd;

	if (ev->events & P2P_YAMUX_EV_DATA)
		(void)p2p_yamux_stream_consumed(s, ev->stream_id, ev->length,
		    &h, &upd);
	n = p2p_yamux_stream_send_max(s, ev->stream_id);
	if (n > P2P_YAMUX_FRAME_DATA_MAX)
		abort();
	if (n > 0 && p2p_yamux_stream_send(s, ev->stream_id, n, &h) != 0)
		abort();
	if (ev->length % 7 == 0)
		(void)p2p_yamux_stream_open(s, &id, &h);
	if (ev->length % 11 == 0)
		(void)p2p_yamux_stream_close(s, ev->stream_id, &h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct p2p_yamux_session	s;
	struct p2p_yamux_event		ev;
	struct p2p_yamux_hdr			h;
	size_t					skip;

	if (size == 0)
		return 0;
	p2p_yamux_session_init(&s, data[0] & 1, (size_t)(data[0] >> 1) % 8);
	data++;
	size--;
	while (size >= P2P_YAMUX_HDR_LEN) {
		if (p2p_yamux_hdr_decode(data, size, &h) != 0)
			break;
		data += P2P_YAMUX_HDR_LEN;
		size -= P2P_YAMUX_HDR_LEN;
		if (p2p_yamux_session_recv(&s, &h, &ev) != 0)
			break;
		if (s.nstreams > s.max_streams)
			abort();
		if (ev.events & (P2P_YAMUX_EV_DATA | P2P_YAMUX_EV_DISCARD)) {
			skip = ev.length < size ? ev.length : size;
			data += skip;
			size -= skip;
		}
		fz_local(&s, &ev);
	}
	return 0;
}
