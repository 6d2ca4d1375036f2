/* monitor.c — the background IMAP status check (see monitor.h). */
#include "imap/monitor.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "core/log.h"
#include "core/timefmt.h"
#include "imap/account.h"

struct imap_monitor {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_int stop;
    struct store *st;
    struct vault_keyring *kr;
    const struct imapc_settings *s;
};

struct page {
    struct store_imap_account rows[LIMIT_IMAP_CHECK_PAGE];
    size_t n;
};

static int page_add(void *ctx, const struct store_imap_account *a)
{
    struct page *p = ctx;
    p->rows[p->n++] = *a;
    return p->n == LIMIT_IMAP_CHECK_PAGE;
}

/* The status a login outcome proves, or NULL when it proves nothing. */
static const char *status_of(int rc, const struct err *e)
{
    if (rc == 0)
        return "active";
    return e->kind == ERR_UNPROCESSABLE ? "error" : NULL;
}

static void check_one(struct store *st, struct vault_keyring *kr, const struct imapc_settings *s,
                      const struct store_imap_account *row, const atomic_int *cancel)
{
    unsigned char dk[VAULT_KEY_BYTES];
    struct imap_mailbox m;
    if (vault_user_key_unwrap(kr, row->user_id, row->data_key, row->data_key_len,
                              row->data_key_id, dk) != 0 ||
        imap_mailbox_open(dk, row, &m) != 0) {
        sodium_memzero(dk, sizeof(dk));
        log_error("imap check: mailbox %s does not open", row->integration_id);
        return;
    }
    sodium_memzero(dk, sizeof(dk));
    struct imapc_account a = imap_mailbox_account(&m);
    struct err e = {0};
    int rc = imapc_login(s, &a, cancel, &e);
    imap_mailbox_clear(&m);
    const char *status = status_of(rc, &e);
    if (status == NULL) {
        log_warn("imap check: mailbox %s not checked: %s", row->integration_id, err_code(&e));
        return;
    }
    if (strcmp(status, row->status) == 0)
        return;
    int src = store_imap_status_set(st, row->integration_id, status, time_now());
    if (src == STORE_OK)
        log_info("imap check: mailbox %s is now %s%s%s", row->integration_id, status,
                 rc ? " after " : "", rc ? err_code(&e) : "");
    else if (src != STORE_NOT_FOUND)
        log_warn("imap check: status of mailbox %s not saved", row->integration_id);
}

void imap_monitor_check_all(struct store *st, struct vault_keyring *kr,
                            const struct imapc_settings *s, const atomic_int *cancel)
{
    struct page *p = malloc(sizeof(*p));
    char after[STORE_ID_LEN + 1] = "";
    if (p == NULL)
        return;
    for (;;) {
        p->n = 0;
        if (store_imap_visit(st, after, LIMIT_IMAP_CHECK_PAGE, page_add, p) != STORE_OK) {
            log_warn("imap check: cannot list mailboxes");
            break;
        }
        for (size_t i = 0; i < p->n && !(cancel && atomic_load(cancel)); i++)
            check_one(st, kr, s, &p->rows[i], cancel);
        if (p->n < LIMIT_IMAP_CHECK_PAGE || (cancel && atomic_load(cancel)))
            break;
        memcpy(after, p->rows[p->n - 1].integration_id, sizeof(after));
    }
    free(p);
}

static void *monitor_run(void *arg)
{
    struct imap_monitor *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!atomic_load(&m->stop)) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += m->s->check_interval_s;
        pthread_cond_timedwait(&m->wake, &m->lock, &until);
        if (atomic_load(&m->stop))
            break;
        pthread_mutex_unlock(&m->lock);
        imap_monitor_check_all(m->st, m->kr, m->s, &m->stop);
        pthread_mutex_lock(&m->lock);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int imap_monitor_start(struct store *st, struct vault_keyring *kr, const struct imapc_settings *s,
                       struct imap_monitor **out)
{
    *out = NULL;
    if (s->check_interval_s == 0)
        return 0;
    struct imap_monitor *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return -1;
    m->st = st;
    m->kr = kr;
    m->s = s;
    atomic_init(&m->stop, 0);
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);
    if (pthread_create(&m->thread, NULL, monitor_run, m) != 0) {
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->wake);
        free(m);
        return -1;
    }
    *out = m;
    return 0;
}

void imap_monitor_stop(struct imap_monitor **mp)
{
    struct imap_monitor *m = *mp;
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->lock);
    atomic_store(&m->stop, 1);
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->lock);
    pthread_cond_destroy(&m->wake);
    free(m);
    *mp = NULL;
}
