/*
 * Small utilities used by several processes: allocation that cannot fail
 * (fatal on OOM), hex and base64, monotonic and wall-clock time, durations.
 */
#ifndef TP_UTIL_H
#define TP_UTIL_H

#include <stddef.h>
#include <stdint.h>

void	*xmalloc(size_t n);
void	*xcalloc(size_t nmemb, size_t n);
void	*xrealloc(void *p, size_t n);
char	*xstrdup(const char *s);

/* Milliseconds from a monotonic clock / since the epoch. */
uint64_t	util_mono_ms(void);
uint64_t	util_wall_ms(void);

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void	util_hex_encode(const uint8_t *in, size_t len, char *out);
/* Decode hex text (either case, even length) into out; -1 on bad input. */
int	util_hex_decode(const char *in, size_t inlen, uint8_t *out,
	    size_t outcap, size_t *outlen);

/* Standard base64 with padding; out needs util_b64_encoded_len(len)+1. */
size_t	util_b64_encoded_len(size_t len);
void	util_b64_encode(const uint8_t *in, size_t len, char *out);
/* Decode standard base64 (padding required); -1 on bad input or overflow. */
int	util_b64_decode(const char *in, size_t inlen, uint8_t *out,
	    size_t outcap, size_t *outlen);

/*
 * Parse a Go-style duration ("24h", "500ms", "1m30s", "0") into
 * milliseconds.  Sub-millisecond units (ns, us) must add up to whole ms.
 * -1 on bad input.
 */
int	util_duration_parse(const char *s, uint64_t *ms);
/* Format ms as the shortest Go-style duration ("24h0m0s" -> "24h"). */
void	util_duration_format(uint64_t ms, char *out, size_t outlen);

/*
 * Check that s[0..n) is strict UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF).  0 if valid; -1 with *bad (may be NULL) the
 * offset of the first invalid byte.
 */
int	util_utf8_check(const char *s, size_t n, size_t *bad);

/* Create a directory and its parents with mode; 0 if it exists. */
int	util_mkdirs(const char *path, unsigned mode);

#endif
