/*
 * sql.h — ids of every SQL statement and the numbered schema migrations.
 * The text of each, in each dialect, lives side by side in sql.c.
 */
#ifndef PASSAGENT_SQL_H
#define PASSAGENT_SQL_H

#include <stddef.h>

enum sql_dialect { SQL_SQLITE, SQL_POSTGRES, SQL_DIALECT_COUNT };

enum sql_id {
    SQL_PING,
    SQL_MIGRATION_LOCK,
    SQL_MIGRATION_TABLE,
    SQL_MIGRATION_CURRENT,
    SQL_MIGRATION_RECORD,
    SQL_USER_INSERT,
    SQL_USER_KEY_IDS,
    SQL_MASTER_KEY_RETIRE,
    SQL_USER_BY_EMAIL,
    SQL_USER_BY_ID,
    SQL_USERS_NOT_UNDER_KEY,
    SQL_USER_REWRAP,
    SQL_SESSION_INSERT,
    SQL_SESSION_LOOKUP,
    SQL_SESSION_DELETE,
    SQL_SESSION_PURGE,
    SQL_RATELIMIT_HIT,
    SQL_RATELIMIT_PURGE,
    SQL_INTEGRATIONS_LIST,
    SQL_VAULT_INSERT,
    SQL_VAULT_LIST,
    SQL_VAULT_COUNT,
    SQL_VAULT_SECRETS,
    SQL_VAULT_DELETE,
    SQL_IMPORT_KEY_GET,
    SQL_IMPORT_KEY_PUT,
    SQL_IMPORT_KEY_PURGE,
    SQL_OAUTH_STATE_INSERT,
    SQL_OAUTH_STATE_TAKE,
    SQL_OAUTH_STATE_PURGE,
    SQL_OAUTH_UPSERT,
    SQL_OAUTH_GET,
    SQL_OAUTH_LEASE_CLAIM,
    SQL_OAUTH_TOKENS_UPDATE,
    SQL_OAUTH_LEASE_END,
    SQL_OAUTH_DELETE,
    SQL_OAUTH_DUE,
    SQL_IMAP_DELETE,
    SQL_IMAP_INTEGRATION_INSERT,
    SQL_IMAP_ACCOUNT_INSERT,
    SQL_IMAP_ACCOUNTS_PAGE,
    SQL_IMAP_STATUS_SET,
    SQL_COUNT
};

struct sql_migration {
    int version;
    const char *text[SQL_DIALECT_COUNT];
};

/* The text of statement id in dialect d. */
const char *sql_text(enum sql_id id, enum sql_dialect d);

extern const struct sql_migration sql_migrations[];
extern const size_t sql_migration_count;

#endif
