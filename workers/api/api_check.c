/*
 * The api worker's settings check for `terap2pd -n` (called in the
 * supervisor binary, see supervisor.h): p2p_httpListenAddress parsed as
 * the worker parses it, and with securityLevelHTTP=1 a certificate and key
 * that load and match, as api_conn_tls_init() demands.  Nothing is bound.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "api.h"
#include "config.h"

static int
api_check_tls(const struct config *cfg, char *err, size_t errlen)
{
	const char	*cert = config_str(cfg, "server_certFile");
	const char	*key = config_str(cfg, "server_keyFile");
	SSL_CTX		*s;
	char		 e[256];
	int		 rc = -1;

	if (cert[0] == '\0' || key[0] == '\0') {
		snprintf(err, errlen, "securityLevelHTTP = 1 needs "
		    "server_certFile and server_keyFile");
		return -1;
	}
	if (access(cert, R_OK) == -1 || access(key, R_OK) == -1) {
		snprintf(err, errlen, "%s %s: %s", access(cert, R_OK) == -1 ?
		    "server_certFile" : "server_keyFile", access(cert, R_OK)
		    == -1 ? cert : key, strerror(errno));
		return -1;
	}
	if ((s = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "securityLevelHTTP: SSL_CTX_new failed");
		return -1;
	}
	if (SSL_CTX_use_certificate_chain_file(s, cert) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		snprintf(err, errlen, "server_certFile %s: not a PEM "
		    "certificate (%s)", cert, e);
	} else if (SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM) != 1
	    || SSL_CTX_check_private_key(s) != 1) {
		ERR_error_string_n(ERR_get_error(), e, sizeof(e));
		snprintf(err, errlen, "server_keyFile %s: not the PEM key of "
		    "server_certFile (%s)", key, e);
	} else
		rc = 0;
	SSL_CTX_free(s);
	ERR_clear_error();
	return rc;
}

int
api_check(const struct config *cfg, char *err, size_t errlen)
{
	const char		*addr = config_str(cfg, "p2p_httpListenAddress");
	struct sockaddr_storage	 ss;
	int			 sslen;

	if (api_conn_addr(addr, &ss, &sslen) == -1) {
		snprintf(err, errlen, "p2p_httpListenAddress \"%s\": not "
		    "host:port", addr);
		return -1;
	}
	if (config_int(cfg, "securityLevelHTTP") == 1)
		return api_check_tls(cfg, err, errlen);
	return 0;
}
