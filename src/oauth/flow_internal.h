/*
 * flow_internal.h — helpers shared by the files of src/oauth/ (not for
 * other modules).
 */
#ifndef PASSAGENT_OAUTH_FLOW_INTERNAL_H
#define PASSAGENT_OAUTH_FLOW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "oauth/flow.h"
#include "oauth/token.h"

/* chars characters of base64url randomness (chars*6 bits) into out. */
void oauth_random_text(char *out, size_t chars);
void oauth_hash_text(const char *text, unsigned char out[STORE_TOKEN_HASH_BYTES]);
void oauth_redirect_uri(const struct oauth_ctx *o, const char *provider, char *out,
                        size_t outsz);

/* POSTs form (grant parameters; client credentials are added here) to the
 * token endpoint and parses the reply into *r (release it either way).
 * *status gets the HTTP status. Transport and parse failures: -1 with e. */
int oauth_token_post(const struct oauth_ctx *o, const struct oauth_provider *p,
                     struct buf *form, struct oauth_token_reply *r, long *status,
                     struct err *e) __attribute__((warn_unused_result));

/* Seals token for column of integration row id. */
int oauth_seal_token(const unsigned char dk[VAULT_KEY_BYTES], const char *row_id,
                     const char *user_id, const char *column, const char *token,
                     unsigned char **out, size_t *out_len) __attribute__((warn_unused_result));

/* Exchanges the code, learns the e-mail, seals and stores the tokens.
 * Returns NULL, or the short error code for the redirect. */
const char *oauth_exchange_and_store(const struct oauth_ctx *o, const struct oauth_provider *p,
                                     const char *user_id, const unsigned char dk[VAULT_KEY_BYTES],
                                     const char *code, const char *verifier, const char *nonce,
                                     int64_t now);

#endif
