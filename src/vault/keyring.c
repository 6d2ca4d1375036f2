/*
 * keyring.c — master key ring (load, create, rotate) and user key wrapping.
 * Key material lives in sodium_malloc'd memory (guard pages, locked, wiped
 * on free) and never reaches a log line or an error message.
 */
#include "vault/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"

#define WRAP_VERSION 1
#define KEY_FILE_MAX 4096

struct master_key {
    unsigned char *key; /* sodium_malloc'd VAULT_KEY_BYTES */
    char id[VAULT_KEY_ID_CHARS + 1];
};

struct vault_keyring {
    pthread_mutex_t lock; /* guards keys[] while a file reload swaps them */
    struct master_key keys[VAULT_MAX_KEYS];
    size_t nkeys; /* keys[0] is the primary */
    char *file;   /* NULL when the keys came from the environment */
    struct stat file_seen; /* the key file as last read, to notice changes */
};

static void key_fingerprint(const unsigned char key[VAULT_KEY_BYTES],
                            char id[VAULT_KEY_ID_CHARS + 1])
{
    static const char label[] = "passagent master key id v1";
    unsigned char h[crypto_generichash_BYTES_MIN];
    crypto_generichash(h, sizeof(h), (const unsigned char *)label, sizeof(label) - 1, key,
                       VAULT_KEY_BYTES);
    sodium_bin2hex(id, VAULT_KEY_ID_CHARS + 1, h, VAULT_KEY_ID_CHARS / 2);
}

/* Decodes one key (64 hex digits or base64 of 32 bytes) from text[0..len). */
static int key_decode(const char *text, size_t len, unsigned char out[VAULT_KEY_BYTES])
{
    size_t bin_len = 0;
    const char *end = NULL;
    if (len == VAULT_KEY_BYTES * 2 &&
        sodium_hex2bin(out, VAULT_KEY_BYTES, text, len, NULL, &bin_len, &end) == 0 &&
        bin_len == VAULT_KEY_BYTES && end == text + len)
        return 0;
    if (sodium_base642bin(out, VAULT_KEY_BYTES, text, len, NULL, &bin_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        bin_len == VAULT_KEY_BYTES && end == text + len)
        return 0;
    sodium_memzero(out, VAULT_KEY_BYTES);
    return -1;
}

static void keys_clear(struct master_key *keys, size_t *nkeys)
{
    for (size_t i = 0; i < *nkeys; i++) {
        sodium_free(keys[i].key);
        keys[i].key = NULL;
    }
    *nkeys = 0;
}

static int keys_add(struct master_key *keys, size_t *nkeys, const unsigned char raw[VAULT_KEY_BYTES])
{
    if (*nkeys >= VAULT_MAX_KEYS)
        return -1;
    unsigned char *k = sodium_malloc(VAULT_KEY_BYTES);
    if (k == NULL)
        return -1;
    memcpy(k, raw, VAULT_KEY_BYTES);
    keys[*nkeys].key = k;
    key_fingerprint(k, keys[*nkeys].id);
    (*nkeys)++;
    return 0;
}

/* Parses a separator-delimited list of keys ('\n' for files, ',' for env). */
static int keys_parse_list(const char *text, char sep, struct master_key *keys, size_t *nkeys)
{
    const char *p = text;
    while (*p) {
        const char *line_end = strchr(p, sep);
        size_t len = line_end ? (size_t)(line_end - p) : strlen(p);
        const char *s = p;
        while (len && (*s == ' ' || *s == '\t' || *s == '\r')) {
            s++;
            len--;
        }
        while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
            len--;
        if (len && *s != '#') {
            unsigned char raw[VAULT_KEY_BYTES];
            int rc = key_decode(s, len, raw);
            if (rc == 0)
                rc = keys_add(keys, nkeys, raw);
            sodium_memzero(raw, sizeof(raw));
            if (rc != 0)
                return -1;
        }
        if (!line_end)
            break;
        p = line_end + 1;
    }
    return 0;
}

/* Writes the ring to its file atomically (temp file, fsync, rename), 0600. */
static int keyring_write_file(const char *path, struct master_key *keys, size_t nkeys,
                              struct err *e)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return err_set(e, ERR_INTERNAL, "master key file path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_INTERNAL, "cannot create %s: %s", tmp, strerror(errno));
    int rc = 0;
    for (size_t i = 0; i < nkeys && rc == 0; i++) {
        char hex[VAULT_KEY_BYTES * 2 + 2];
        sodium_bin2hex(hex, sizeof(hex), keys[i].key, VAULT_KEY_BYTES);
        size_t n = strlen(hex);
        hex[n++] = '\n';
        if (write(fd, hex, n) != (ssize_t)n)
            rc = -1;
        sodium_memzero(hex, sizeof(hex));
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        unlink(tmp);
        return err_set(e, ERR_INTERNAL, "cannot write master key file %s: %s", path,
                       strerror(errno));
    }
    return 0;
}

static int keyring_read_file(const char *path, struct master_key *keys, size_t *nkeys,
                             struct err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, ERR_INTERNAL, "cannot open master key file %s: %s", path,
                       strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, ERR_INTERNAL, "master key file %s is not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return err_set(e, ERR_INTERNAL,
                       "master key file %s is readable by others (mode %03o); chmod 600 it", path,
                       (unsigned)(st.st_mode & 0777));
    }
    char *text = sodium_malloc(KEY_FILE_MAX + 1);
    if (text == NULL) {
        close(fd);
        return err_set(e, ERR_INTERNAL, "out of memory");
    }
    ssize_t n = read(fd, text, KEY_FILE_MAX);
    close(fd);
    int rc = -1;
    if (n >= 0) {
        text[n] = '\0';
        rc = keys_parse_list(text, '\n', keys, nkeys);
    }
    sodium_free(text);
    if (rc != 0 || *nkeys == 0) {
        keys_clear(keys, nkeys);
        return err_set(e, ERR_INTERNAL,
                       "master key file %s must hold 32-byte keys, one per line (64 hex digits "
                       "or base64)",
                       path);
    }
    return 0;
}

static int keyring_create_file(const char *path, struct master_key *keys, size_t *nkeys,
                               struct err *e)
{
    unsigned char raw[VAULT_KEY_BYTES];
    randombytes_buf(raw, sizeof(raw));
    int rc = keys_add(keys, nkeys, raw);
    sodium_memzero(raw, sizeof(raw));
    if (rc != 0)
        return err_set(e, ERR_INTERNAL, "out of memory");
    /* O_EXCL: two first starts racing must not each make a different key. */
    char hex[VAULT_KEY_BYTES * 2 + 2];
    sodium_bin2hex(hex, sizeof(hex), keys[0].key, VAULT_KEY_BYTES);
    size_t n = strlen(hex);
    hex[n++] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(hex, sizeof(hex));
        keys_clear(keys, nkeys);
        if (errno == EEXIST)
            return keyring_read_file(path, keys, nkeys, e);
        return err_set(e, ERR_INTERNAL, "cannot create master key file %s: %s", path,
                       strerror(errno));
    }
    rc = (write(fd, hex, n) == (ssize_t)n && fsync(fd) == 0) ? 0 : -1;
    sodium_memzero(hex, sizeof(hex));
    close(fd);
    if (rc != 0) {
        unlink(path);
        keys_clear(keys, nkeys);
        return err_set(e, ERR_INTERNAL, "cannot write master key file %s", path);
    }
    log_info("created master key file %s (mode 0600); back it up", path);
    return 0;
}

int vault_keyring_create(const struct vault_keyring_source *src, struct vault_keyring **out,
                         struct err *e)
{
    struct vault_keyring *kr = calloc(1, sizeof(*kr));
    if (kr == NULL)
        return err_set(e, ERR_INTERNAL, "out of memory");
    pthread_mutex_init(&kr->lock, NULL);
    int rc = 0;
    if (src->key_text && *src->key_text) {
        if (keys_parse_list(src->key_text, ',', kr->keys, &kr->nkeys) != 0 || kr->nkeys != 1)
            rc = err_set(e, ERR_INTERNAL,
                         "PASSAGENT_MASTER_KEY must be 32 bytes as 64 hex digits or base64");
        else if (src->previous_text && *src->previous_text &&
                 keys_parse_list(src->previous_text, ',', kr->keys, &kr->nkeys) != 0)
            rc = err_set(e, ERR_INTERNAL,
                         "PASSAGENT_MASTER_KEY_PREVIOUS must be a comma-separated list of "
                         "32-byte keys");
    } else if (src->key_file && *src->key_file) {
        kr->file = strdup(src->key_file);
        if (kr->file == NULL)
            rc = err_set(e, ERR_INTERNAL, "out of memory");
        else if (access(kr->file, F_OK) != 0 && errno == ENOENT && src->create_file)
            rc = keyring_create_file(kr->file, kr->keys, &kr->nkeys, e);
        else
            rc = keyring_read_file(kr->file, kr->keys, &kr->nkeys, e);
        if (rc == 0)
            stat(kr->file, &kr->file_seen);
    } else {
        rc = err_set(e, ERR_INTERNAL, "no master key: set PASSAGENT_MASTER_KEY or "
                                      "PASSAGENT_MASTER_KEY_FILE");
    }
    if (rc != 0) {
        vault_keyring_destroy(&kr);
        return -1;
    }
    *out = kr;
    return 0;
}

void vault_keyring_destroy(struct vault_keyring **krp)
{
    struct vault_keyring *kr = *krp;
    if (kr == NULL)
        return;
    keys_clear(kr->keys, &kr->nkeys);
    pthread_mutex_destroy(&kr->lock);
    free(kr->file);
    free(kr);
    *krp = NULL;
}

const char *vault_keyring_primary_id(const struct vault_keyring *kr) { return kr->keys[0].id; }

bool vault_keyring_is_file(const struct vault_keyring *kr) { return kr->file != NULL; }

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* With kr->lock held: re-reads a file-backed ring when the file changed
 * since it was last read (another process rotated the key). Keys already
 * in memory stay when the new file cannot be read. */
static void keyring_refresh_locked(struct vault_keyring *kr)
{
    struct stat st;
    if (kr->file == NULL || stat(kr->file, &st) != 0 || same_file(&st, &kr->file_seen))
        return;
    kr->file_seen = st;
    struct master_key fresh[VAULT_MAX_KEYS];
    size_t nfresh = 0;
    struct err e;
    if (keyring_read_file(kr->file, fresh, &nfresh, &e) != 0) {
        log_warn("master key reload failed: %s", e.msg);
        return;
    }
    keys_clear(kr->keys, &kr->nkeys);
    memcpy(kr->keys, fresh, sizeof(fresh[0]) * nfresh);
    kr->nkeys = nfresh;
    log_info("master key file changed; reloaded (%zu keys, primary %s)", nfresh, kr->keys[0].id);
}

/* Copies the key with this id into out, re-reading a changed key file when
 * the id is unknown. */
static int keyring_find(struct vault_keyring *kr, const char *key_id,
                        unsigned char out[VAULT_KEY_BYTES])
{
    int found = -1;
    pthread_mutex_lock(&kr->lock);
    for (int attempt = 0; attempt < 2 && found != 0; attempt++) {
        if (attempt == 1)
            keyring_refresh_locked(kr);
        for (size_t i = 0; i < kr->nkeys; i++) {
            if (strcmp(kr->keys[i].id, key_id) == 0) {
                memcpy(out, kr->keys[i].key, VAULT_KEY_BYTES);
                found = 0;
                break;
            }
        }
    }
    pthread_mutex_unlock(&kr->lock);
    return found;
}

/* The current primary key and its id, after noticing a rotation made by
 * another process: new keys must never be wrapped under a retired key. */
static void keyring_primary(struct vault_keyring *kr, unsigned char mk[VAULT_KEY_BYTES],
                            char key_id[VAULT_KEY_ID_CHARS + 1])
{
    pthread_mutex_lock(&kr->lock);
    keyring_refresh_locked(kr);
    memcpy(mk, kr->keys[0].key, VAULT_KEY_BYTES);
    memcpy(key_id, kr->keys[0].id, VAULT_KEY_ID_CHARS + 1);
    pthread_mutex_unlock(&kr->lock);
}

size_t vault_keyring_previous_ids(struct vault_keyring *kr,
                                  char ids[VAULT_MAX_KEYS][VAULT_KEY_ID_CHARS + 1])
{
    pthread_mutex_lock(&kr->lock);
    size_t n = kr->nkeys ? kr->nkeys - 1 : 0;
    for (size_t i = 0; i < n; i++)
        memcpy(ids[i], kr->keys[i + 1].id, VAULT_KEY_ID_CHARS + 1);
    pthread_mutex_unlock(&kr->lock);
    return n;
}

bool vault_keyring_has(struct vault_keyring *kr, const char *key_id)
{
    unsigned char k[VAULT_KEY_BYTES];
    int found = keyring_find(kr, key_id, k);
    sodium_memzero(k, sizeof(k));
    return found == 0;
}

static void wrap_ad(const char *user_id, const char *key_id, unsigned char *ad, size_t *ad_len)
{
    /* "passagent/user-key/v1" NUL user_id NUL key_id; lengths are bounded by
     * the caller (ids are short), the buffer is sized for the worst case. */
    static const char label[] = "passagent/user-key/v1";
    size_t n = 0;
    memcpy(ad, label, sizeof(label));
    n += sizeof(label);
    size_t ul = strnlen(user_id, 64), kl = strnlen(key_id, VAULT_KEY_ID_CHARS);
    memcpy(ad + n, user_id, ul);
    n += ul;
    ad[n++] = '\0';
    memcpy(ad + n, key_id, kl);
    n += kl;
    *ad_len = n;
}

static int wrap_with(const unsigned char mk[VAULT_KEY_BYTES], const char *key_id,
                     const char *user_id, const unsigned char dk[VAULT_KEY_BYTES],
                     unsigned char wrapped[VAULT_WRAPPED_BYTES])
{
    unsigned char ad[128];
    size_t ad_len;
    wrap_ad(user_id, key_id, ad, &ad_len);
    wrapped[0] = WRAP_VERSION;
    unsigned char *nonce = wrapped + 1;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen = 0;
    return crypto_aead_xchacha20poly1305_ietf_encrypt(
        wrapped + 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, dk, VAULT_KEY_BYTES,
        ad, ad_len, NULL, nonce, mk);
}

int vault_user_key_new(struct vault_keyring *kr, const char *user_id,
                       unsigned char dk[VAULT_KEY_BYTES],
                       unsigned char wrapped[VAULT_WRAPPED_BYTES],
                       char key_id[VAULT_KEY_ID_CHARS + 1])
{
    unsigned char mk[VAULT_KEY_BYTES];
    keyring_primary(kr, mk, key_id);
    crypto_aead_xchacha20poly1305_ietf_keygen(dk);
    int rc = wrap_with(mk, key_id, user_id, dk, wrapped);
    sodium_memzero(mk, sizeof(mk));
    return rc;
}

int vault_user_key_unwrap(struct vault_keyring *kr, const char *user_id, const void *wrapped,
                          size_t wrapped_len, const char *key_id,
                          unsigned char dk[VAULT_KEY_BYTES])
{
    const unsigned char *w = wrapped;
    if (wrapped_len != VAULT_WRAPPED_BYTES || w[0] != WRAP_VERSION ||
        strlen(key_id) != VAULT_KEY_ID_CHARS)
        return -1;
    unsigned char mk[VAULT_KEY_BYTES];
    if (keyring_find(kr, key_id, mk) != 0)
        return -1;
    unsigned char ad[128];
    size_t ad_len;
    wrap_ad(user_id, key_id, ad, &ad_len);
    unsigned long long dlen = 0;
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        dk, &dlen, NULL, w + 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
        wrapped_len - 1 - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad, ad_len, w + 1, mk);
    sodium_memzero(mk, sizeof(mk));
    return (rc == 0 && dlen == VAULT_KEY_BYTES) ? 0 : -1;
}

int vault_user_key_rewrap(struct vault_keyring *kr, const char *user_id, const void *wrapped,
                          size_t wrapped_len, const char *key_id,
                          unsigned char out[VAULT_WRAPPED_BYTES],
                          char out_key_id[VAULT_KEY_ID_CHARS + 1])
{
    unsigned char dk[VAULT_KEY_BYTES], mk[VAULT_KEY_BYTES];
    if (vault_user_key_unwrap(kr, user_id, wrapped, wrapped_len, key_id, dk) != 0)
        return -1;
    keyring_primary(kr, mk, out_key_id);
    int rc = wrap_with(mk, out_key_id, user_id, dk, out);
    sodium_memzero(dk, sizeof(dk));
    sodium_memzero(mk, sizeof(mk));
    return rc;
}

int vault_keyring_rotate_file(struct vault_keyring *kr, struct err *e)
{
    if (kr->file == NULL)
        return err_set(e, ERR_INTERNAL, "the master key comes from the environment: set the new "
                                        "key as PASSAGENT_MASTER_KEY and the old one as "
                                        "PASSAGENT_MASTER_KEY_PREVIOUS, then run rotate-master-key");
    unsigned char raw[VAULT_KEY_BYTES];
    randombytes_buf(raw, sizeof(raw));
    pthread_mutex_lock(&kr->lock);
    int rc = 0;
    if (kr->nkeys >= VAULT_MAX_KEYS) {
        rc = err_set(e, ERR_INTERNAL, "too many keys in %s; finish the last rotation first",
                     kr->file);
    } else {
        memmove(&kr->keys[1], &kr->keys[0], sizeof(kr->keys[0]) * kr->nkeys);
        size_t one = 0;
        if (keys_add(kr->keys, &one, raw) != 0) {
            memmove(&kr->keys[0], &kr->keys[1], sizeof(kr->keys[0]) * kr->nkeys);
            rc = err_set(e, ERR_INTERNAL, "out of memory");
        } else {
            kr->nkeys++;
            rc = keyring_write_file(kr->file, kr->keys, kr->nkeys, e);
            if (rc == 0)
                stat(kr->file, &kr->file_seen);
        }
    }
    pthread_mutex_unlock(&kr->lock);
    sodium_memzero(raw, sizeof(raw));
    return rc;
}

int vault_keyring_drop_previous(struct vault_keyring *kr, struct err *e)
{
    if (kr->file == NULL)
        return 0;
    pthread_mutex_lock(&kr->lock);
    int rc = keyring_write_file(kr->file, kr->keys, 1, e);
    if (rc == 0) {
        stat(kr->file, &kr->file_seen);
        size_t extra = kr->nkeys - 1;
        keys_clear(kr->keys + 1, &extra);
        kr->nkeys = 1;
    }
    pthread_mutex_unlock(&kr->lock);
    return rc;
}
