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
#define LIMIT_STATIC_FILE (1024 * 1024) /* largest dashboard file served */
#define LIMIT_HEADER_COOKIE 8192u
#define LIMIT_JSON_DEPTH 32u
#define LIMIT_CONNECTIONS 1024u
#define LIMIT_CONNECTIONS_PER_IP 128u /* behind a proxy, raise PASSAGENT_MAX_CONNECTIONS_PER_IP */
#define LIMIT_CONNECTION_TIMEOUT_S 30u
#define LIMIT_SHUTDOWN_GRACE_S 10u

/* Accounts */
#define LIMIT_EMAIL_LEN 254u
#define LIMIT_PASSWORD_MIN_CHARS 8u
#define LIMIT_PASSWORD_MAX_BYTES 256u
#define LIMIT_SESSION_TTL_S (7 * 24 * 3600)
#define LIMIT_HASHES_IN_FLIGHT 2u /* Argon2id runs at once (64 MiB each) */
#define LIMIT_HASHES_WAITING 8u   /* more queued than this: 503 SERVER_BUSY */

/* Store */
#define LIMIT_DB_POOL 8u
#define LIMIT_DB_BUSY_TIMEOUT_MS 5000
#define LIMIT_HOUSEKEEPING_S 60u

/* Password import and the vault */
#define LIMIT_IMPORT_ENTRIES 5000u          /* entries per import (PRODUCT.md) */
#define LIMIT_IMPORT_FIELD_BYTES (256u * 1024u) /* one CSV field or JSON value */
#define LIMIT_IMPORT_FIELDS_PER_ROW 512u    /* 1Password 7 Mac writes 141 */
#define LIMIT_IMPORT_IDEMPOTENCY_S 3600     /* Idempotency-Key lifetime */
#define LIMIT_IMPORT_IDEMPOTENCY_KEY 128u   /* bytes of an Idempotency-Key */
#define LIMIT_IMPORT_PASSWORD 1024u         /* Bitwarden export password */
#define LIMIT_VAULT_PAGE_DEFAULT 1000u
#define LIMIT_VAULT_PAGE_MAX 2000u
#define LIMIT_IMPORT_KDF_MEMORY_MIB 256 /* Argon2id of a Bitwarden export */
#define LIMIT_IMPORT_KDF_IN_FLIGHT 2u   /* export key derivations at once */
#define LIMIT_MULTIPART_PARTS 8u
#define LIMIT_MULTIPART_HEADER 4096u        /* one part's header block */

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

/* OAuth (RFC 6749, 7636, 9700) */
#define LIMIT_OAUTH_STATE_TTL_S 600u         /* state, verifier, nonce: 10 minutes */
#define LIMIT_OAUTH_REPLY_MAX (64u * 1024u)  /* bytes of a provider reply we read */
#define LIMIT_OAUTH_TOKEN_MAX 8192u          /* bytes of one access/refresh token */
#define LIMIT_OAUTH_URL_MAX 2048u            /* a configured endpoint or built URL */
#define LIMIT_OAUTH_CONNECT_TIMEOUT_MS 5000L /* TCP + TLS connect to a provider */
#define LIMIT_OAUTH_TIMEOUT_S 10u            /* default whole-request timeout */
#define LIMIT_OAUTH_REVOKE_TIMEOUT_S 5u      /* revocation at disconnect, best effort */
#define LIMIT_OAUTH_LEASE_S 60u              /* refresh lease; outlives any request */
#define LIMIT_OAUTH_LEASE_POLL_MS 50u        /* waiters re-read the row this often */
#define LIMIT_OAUTH_REFRESH_INTERVAL_S 60u   /* background refresh pass, default */
#define LIMIT_OAUTH_REFRESH_MARGIN_S 300u    /* refresh tokens expiring this soon */
#define LIMIT_OAUTH_REFRESH_BATCH 32u        /* rows per background pass */
#define LIMIT_OAUTH_CLOCK_SKEW_S 120         /* tolerated for ID token exp/iat */

/* Offloaded work (outbound calls run here, not on HTTP threads) */
#define LIMIT_WORKERS_DEFAULT 128u /* threads, created on demand */
#define LIMIT_WORKERS_QUEUE 4096u  /* queued jobs before new ones are refused */

#endif
