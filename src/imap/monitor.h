/*
 * monitor.h — keeps the status of stored IMAP mailboxes honest. A
 * background thread logs in to every stored mailbox once per
 * check interval (PASSAGENT_IMAP_CHECK_INTERVAL): a mailbox whose
 * credentials are refused becomes "error", one that logs in again becomes
 * "active"; network trouble leaves the status as it was (it says nothing
 * about the credentials).
 */
#ifndef PASSAGENT_IMAP_MONITOR_H
#define PASSAGENT_IMAP_MONITOR_H

#include "imap/client.h"
#include "store/store.h"
#include "vault/keyring.h"

struct imap_monitor;

/* Starts the thread (nothing when s->check_interval_s is 0; *out is then
 * NULL). All three pointers are borrowed and must outlive the monitor. */
int imap_monitor_start(struct store *st, struct vault_keyring *kr, const struct imapc_settings *s,
                       struct imap_monitor **out) __attribute__((warn_unused_result));

/* Stops the thread, aborting a login in progress; NULLs *m. */
void imap_monitor_stop(struct imap_monitor **m);

/* One pass over every stored mailbox (the thread's work; for tests). */
void imap_monitor_check_all(struct store *st, struct vault_keyring *kr,
                            const struct imapc_settings *s, const atomic_int *cancel);

#endif
