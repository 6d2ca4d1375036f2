/*
 * text.h — the bytes of an uploaded export before any parsing: byte-order
 * marks, UTF-16 transcoding, UTF-8 validation and NUL refusal (with the byte
 * offset), and LastPass-style HTML entities (detected; decoded only when the
 * user asks).
 */
#ifndef PASSAGENT_IMPORT_TEXT_H
#define PASSAGENT_IMPORT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Turns in[0..len) into validated UTF-8 without a BOM. A UTF-16 LE/BE file
 * (with its BOM) is transcoded. Invalid UTF-8, a NUL byte or a broken
 * UTF-16 sequence: 400 IMPORT_ENCODING naming the byte offset. *out is
 * malloc'd and NUL-terminated (caller wipes and frees); *out_len excludes
 * the terminator. */
int text_normalize(const char *in, size_t len, char **out, size_t *out_len, struct err *e)
    __attribute__((warn_unused_result));

/* Offset of the first invalid UTF-8 sequence or NUL in p[0..len), or len
 * when all of it is valid UTF-8 without NUL. */
size_t text_utf8_invalid_at(const char *p, size_t len);

/* Whether s holds one of the entities &amp; &lt; &gt; &quot; &#39; &#NN;. */
bool text_has_entities(const char *s);

/* Decodes those entities in place (the text only shrinks). */
void text_decode_entities(char *s);

#endif
