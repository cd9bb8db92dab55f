/*
 * API worker: the dashboard page served at "/".  One static HTML/JS file,
 * workers/api/dashboard.html, compiled in (build/gen/api_dashboard_html.c)
 * so the binary needs nothing on disk.
 */
#include "api.h"

extern const char	api_dashboard_html[];
extern const size_t	api_dashboard_html_len;

void
api_rest_dashboard(struct api_conn *c)
{
	api_conn_reply(c, 200, "text/html; charset=utf-8", api_dashboard_html,
	    api_dashboard_html_len, "Content-Security-Policy: default-src "
	    "'self' 'unsafe-inline'; connect-src 'self' ws: wss:\r\n");
}
