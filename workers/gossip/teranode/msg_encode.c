/*
 * Gossip worker: the encoder of Teranode's gossip messages, walking the
 * field tables of msg.c: the key names and order, and the values, as Go's
 * encoding/json writes Teranode's structs (HTML-safe strings, shortest
 * round-trip floats, omitempty where Go has it), and the gossip envelope
 * {"name", "data": base64} around them.  Pure: no I/O, no logging.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util.h"
#define TN_MSG_INTERNAL
#include "teranode/msg.h"

/* ---- encoding ------------------------------------------------------------ */

/* s as a Go JSON string (HTML-safe, \u2028/9 escaped, bad UTF-8 → U+FFFD). */
static char *
tmsg_go_quote(const char *s)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), o = 0;
	uint32_t		 c;
	char			*out = xmalloc(n * 6 + 3);
	int			 l;

	out[o++] = '"';
	while (n > 0) {
		l = tn_msg_check_utf8(p, n, &c);
		if (l < 0) {
			memcpy(out + o, "\\ufffd", 6);
			o += 6;
			l = 1;
		} else if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' ||
		    c == '\f') {
			out[o++] = '\\';
			out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' :
			    c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
		} else if (c < 0x20 || c == '<' || c == '>' || c == '&' ||
		    c == 0x2028 || c == 0x2029) {
			memcpy(out + o, "\\u", 2);
			out[o + 2] = hex[c >> 12 & 15];
			out[o + 3] = hex[c >> 8 & 15];
			out[o + 4] = hex[c >> 4 & 15];
			out[o + 5] = hex[c & 15];
			o += 6;
		} else {
			memcpy(out + o, p, (size_t)l);
			o += (size_t)l;
		}
		p += l;
		n -= (size_t)l;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* v as Go's encoding/json writes a float64 (shortest round trip, 'f' form
 * between 1e-6 and 1e21, else 'e' with e-7 rather than e-07). */
static void
tmsg_go_float(double v, char *out, size_t cap)
{
	char	tmp[40], dig[24];
	int	prec, nd = 0, e, i, o = 0, pt;
	char	*p;

	if (!isfinite(v) || v == 0) {
		snprintf(out, cap, "%s", signbit(v) && v == 0 ? "-0" : "0");
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
	for (p = tmp; *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			dig[nd++] = *p;
	e = atoi(p + 1);
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	if (v < 0)
		out[o++] = '-';
	if ((v < 0 ? -v : v) < 1e-6 || (v < 0 ? -v : v) >= 1e21) {
		out[o++] = dig[0];
		if (nd > 1)
			out[o++] = '.';
		for (i = 1; i < nd; i++)
			out[o++] = dig[i];
		snprintf(out + o, cap - (size_t)o, e < 0 && e > -10 ? "e-%d" :
		    "e%+03d", e < 0 && e > -10 ? -e : e);
		return;
	}
	pt = e + 1;			/* digits before the point */
	if (pt <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (i = 0; i < -pt; i++)
			out[o++] = '0';
		for (i = 0; i < nd; i++)
			out[o++] = dig[i];
	} else {
		for (i = 0; i < pt || i < nd; i++) {
			if (i == pt)
				out[o++] = '.';
			out[o++] = i < nd ? dig[i] : '0';
		}
	}
	out[o] = '\0';
}

static int	tmsg_encode_obj(const struct tmsg_field *tab, size_t n,
		    const void *base, cJSON *obj);

/* Add one field to obj, unless it is omitempty and empty. */
static int
tmsg_put(const struct tmsg_field *f, const void *base, cJSON *obj)
{
	const char	*p = (const char *)base + f->off;
	const void	*p2 = (const char *)base + f->off2;
	const char	(*list)[TN_MSG_HASH_MAX + 1];
	char		 num[48] = "null", *q = NULL;
	cJSON		*item = NULL, *e;
	size_t		 i, cnt;
	int		 empty = 0;

	switch (f->type) {
	case T_STR:
		empty = *p == '\0';
		break;
	case T_STRP:
		empty = *(char *const *)(const void *)p == NULL;
		break;
	case T_U32:
		empty = *(const uint32_t *)(const void *)p == 0;
		snprintf(num, sizeof(num), "%" PRIu32,
		    *(const uint32_t *)(const void *)p);
		break;
	case T_U64:
		empty = *(const uint64_t *)(const void *)p == 0;
		snprintf(num, sizeof(num), "%" PRIu64,
		    *(const uint64_t *)(const void *)p);
		break;
	case T_I64:
		empty = *(const int64_t *)(const void *)p == 0;
		snprintf(num, sizeof(num), "%" PRId64,
		    *(const int64_t *)(const void *)p);
		break;
	case T_F64:
		empty = *(const double *)(const void *)p == 0;
		tmsg_go_float(*(const double *)(const void *)p, num,
		    sizeof(num));
		break;
	case T_F64P:
	case T_BA:
		empty = !*(const int *)(const void *)p;
		if (!empty && f->type == T_F64P)
			tmsg_go_float(*(const double *)p2, num, sizeof(num));
		break;
	case T_HASHES:
		empty = *(const size_t *)p2 == 0;
		break;
	}
	if (empty && f->omitempty)
		return TN_MSG_OK;
	switch (f->type) {
	case T_STR:
		q = tmsg_go_quote(p);
		break;
	case T_STRP:
		q = tmsg_go_quote(empty ? "" : *(char *const *)(const void *)p);
		break;
	case T_BA:
		if ((item = cJSON_CreateObject()) == NULL)
			return TN_MSG_ENOMEM;
		if (tmsg_encode_obj(tn_msg_block_assembly_fields,
		    tn_msg_block_assembly_nfields, p2, item) !=
		    TN_MSG_OK) {
			cJSON_Delete(item);
			return TN_MSG_ENOMEM;
		}
		break;
	case T_HASHES:
		if ((item = cJSON_CreateArray()) == NULL)
			return TN_MSG_ENOMEM;
		cnt = *(const size_t *)p2;
		memcpy(&list, p, sizeof(list));
		for (i = 0; i < cnt; i++) {
			q = tmsg_go_quote(list[i]);
			e = cJSON_CreateRaw(q);
			free(q);
			q = NULL;
			if (e == NULL || !cJSON_AddItemToArray(item, e)) {
				cJSON_Delete(e);
				cJSON_Delete(item);
				return TN_MSG_ENOMEM;
			}
		}
		break;
	default:
		q = xstrdup(num);
	}
	if (item != NULL) {
		if (!cJSON_AddItemToObject(obj, f->key, item)) {
			cJSON_Delete(item);
			return TN_MSG_ENOMEM;
		}
		return TN_MSG_OK;
	}
	item = cJSON_AddRawToObject(obj, f->key, q);
	free(q);
	return item != NULL ? TN_MSG_OK : TN_MSG_ENOMEM;
}

static int
tmsg_encode_obj(const struct tmsg_field *tab, size_t n, const void *base,
    cJSON *obj)
{
	size_t	i;
	int	rc;

	for (i = 0; i < n; i++)
		if ((rc = tmsg_put(&tab[i], base, obj)) != TN_MSG_OK)
			return rc;
	return TN_MSG_OK;
}

/* Print obj unformatted into a malloc'ed string; takes ownership of obj. */
static int
tmsg_print(cJSON *obj, char **out, size_t *outlen)
{
	char	*s = cJSON_PrintUnformatted(obj);

	cJSON_Delete(obj);
	if (s == NULL)
		return TN_MSG_ENOMEM;
	*out = xstrdup(s);	/* cJSON's allocator may not be ours */
	cJSON_free(s);
	if (outlen != NULL)
		*outlen = strlen(*out);
	return TN_MSG_OK;
}

int
tn_msg_encode(const struct tn_msg *m, char **out, size_t *outlen)
{
	cJSON	*obj;
	int	 rc;

	*out = NULL;
	if (m->kind <= TN_MSG_NONE || m->kind > TN_MSG_KIND_MAX)
		return TN_MSG_EKIND;
	if ((obj = cJSON_CreateObject()) == NULL)
		return TN_MSG_ENOMEM;
	rc = tmsg_encode_obj(tn_msg_kinds[m->kind].fields, tn_msg_kinds[m->kind].nfields,
	    &m->u, obj);
	if (rc != TN_MSG_OK) {
		cJSON_Delete(obj);
		return rc;
	}
	return tmsg_print(obj, out, outlen);
}

int
tn_msg_envelope_encode(const char *name, const uint8_t *data, size_t len,
    char **out, size_t *outlen)
{
	cJSON	*obj, *item;
	char	*q, *b64;

	*out = NULL;
	if ((obj = cJSON_CreateObject()) == NULL)
		return TN_MSG_ENOMEM;
	q = tmsg_go_quote(name);
	item = cJSON_AddRawToObject(obj, "name", q);
	free(q);
	b64 = xmalloc(util_b64_encoded_len(len) + 3);
	b64[0] = '"';
	util_b64_encode(data, len, b64 + 1);
	strcat(b64, "\"");
	if (item != NULL)
		item = cJSON_AddRawToObject(obj, "data", b64);
	free(b64);
	if (item == NULL) {
		cJSON_Delete(obj);
		return TN_MSG_ENOMEM;
	}
	return tmsg_print(obj, out, outlen);
}

int
tn_msg_seal(const struct tn_msg *m, const char *client_name,
    char **out, size_t *outlen)
{
	char	*json;
	size_t	 len;
	int	 rc;

	*out = NULL;
	if ((rc = tn_msg_encode(m, &json, &len)) != TN_MSG_OK)
		return rc;
	rc = tn_msg_envelope_encode(client_name, (const uint8_t *)json,
	    len, out, outlen);
	free(json);
	return rc;
}
