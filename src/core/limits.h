/*
 * limits.h — every size, count and duration limit of passagent in one place.
 * Changing a limit here changes it everywhere; nothing else hard-codes these.
 */
#ifndef PASSAGENT_LIMITS_H
#define PASSAGENT_LIMITS_H

/* HTTP */
#define LIMIT_BODY_SMALL (16u * 1024u)           /* auth and small JSON bodies */
#define LIMIT_BODY_IMPORT (32u * 1024u * 1024u)  /* password import uploads */
#define LIMIT_BODY_DRAIN (4u * 1024u * 1024u) /* dropped past a limit, then close */
#define LIMIT_URL_LEN 2048u
#define LIMIT_HEADER_COOKIE 8192u
#define LIMIT_JSON_DEPTH 32u
#define LIMIT_CONNECTIONS 1024u
#define LIMIT_CONNECTION_TIMEOUT_S 30u
#define LIMIT_SHUTDOWN_GRACE_S 10u

/* Accounts */
#define LIMIT_EMAIL_LEN 254u
#define LIMIT_PASSWORD_MIN_CHARS 8u
#define LIMIT_PASSWORD_MAX_BYTES 256u
#define LIMIT_SESSION_TTL_S (7 * 24 * 3600)
#define LIMIT_HASHES_IN_FLIGHT 2u /* Argon2id runs at once (64 MiB each) */

/* Store */
#define LIMIT_DB_POOL 8u
#define LIMIT_DB_BUSY_TIMEOUT_MS 5000
#define LIMIT_HOUSEKEEPING_S 60u

/* IMAP mailboxes */
#define LIMIT_IMAP_USERNAME_MAX 320u  /* bytes */
#define LIMIT_IMAP_PASSWORD_MAX 1024u /* bytes */
#define LIMIT_IMAP_CONNECT_TIMEOUT_S 15u /* defaults; PASSAGENT_IMAP_*_TIMEOUT */
#define LIMIT_IMAP_REPLY_TIMEOUT_S 15u
#define LIMIT_IMAP_TIMEOUT_MAX_S 120u
#define LIMIT_IMAP_CHECK_INTERVAL_S 3600u /* background status check */
#define LIMIT_IMAP_CHECK_PAGE 64u         /* mailboxes read per query */
#define LIMIT_IMAP_CONNECT_COUNT 10u      /* connect attempts per user ... */
#define LIMIT_IMAP_CONNECT_WINDOW_S 900u  /* ... per 15 minutes */

/* Rate-limit defaults (PRODUCT.md): count per window seconds */
#define LIMIT_RL_AUTH_COUNT 10u
#define LIMIT_RL_AUTH_WINDOW_S 900u
#define LIMIT_RL_REVEAL_COUNT 30u
#define LIMIT_RL_REVEAL_WINDOW_S 60u
#define LIMIT_RL_GENERAL_COUNT 100u
#define LIMIT_RL_GENERAL_WINDOW_S 60u

#endif
