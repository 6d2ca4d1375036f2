/*
 * static_api.c — the dashboard's files (web/ in the repository): pages at
 * "/" and "/dashboard/{page}", assets at "/assets/{file}". Only single path
 * segments reach here (the router never lets a "/" into a parameter) and
 * each must be a plain file name, so nothing outside the web folder can be
 * named; the file is opened without following a final symlink. Every page
 * carries a strict Content-Security-Policy (no inline script or style).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "core/limits.h"
#include "core/log.h"

#define CSP                                                                                    \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

bool api_static_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || name[0] == '.' || strstr(name, "..") != NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return http_content_type(name) != NULL;
}

static void security_headers(struct api_call *c)
{
    http_response_header(c->resp, "Content-Security-Policy", "%s", CSP);
    http_response_header(c->resp, "X-Frame-Options", "DENY");
    http_response_header(c->resp, "Referrer-Policy", "no-referrer");
    http_response_header(c->resp, "Cross-Origin-Opener-Policy", "same-origin");
}

/* Reads dir/name (name already checked) into a malloc'd buffer. Returns 0,
 * or -1 with errno (ENOENT for anything that is not a regular file). */
static int read_file(const char *root, const char *dir, const char *name, char **out,
                     size_t *len)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s%s%s", root, dir, dir[0] ? "/" : "", name) >=
        (int)sizeof(path))
        return errno = ENAMETOOLONG, -1;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > LIMIT_STATIC_FILE) {
        close(fd);
        return errno = ENOENT, -1;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size ? size : 1);
    if (buf == NULL) {
        close(fd);
        return errno = ENOMEM, -1;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

static void serve(struct api_call *c, const char *dir, const char *name)
{
    security_headers(c);
    char *body = NULL;
    size_t len = 0;
    if (!api_static_name_ok(name) || c->app->web_dir == NULL || c->app->web_dir[0] == '\0') {
        api_fail(c, ERR_NOT_FOUND, "no such page or file");
        return;
    }
    if (read_file(c->app->web_dir, dir, name, &body, &len) != 0) {
        if (errno != ENOENT && errno != ELOOP && errno != ENOTDIR)
            log_warn("req=%s static file %s/%s: %s", c->req->request_id, dir, name,
                     strerror(errno));
        api_fail(c, ERR_NOT_FOUND, "no such page or file");
        return;
    }
    http_response_raw(c->resp, 200, http_content_type(name), body, len);
}

/* "/" is the sign-in page; "/dashboard/{page}" is web/{page}.html. */
void api_static_page(struct api_call *c)
{
    const char *page = http_param(c->req, "page");
    char name[80];
    if (page == NULL)
        page = "index";
    if (strchr(page, '.') != NULL || snprintf(name, sizeof(name), "%s.html", page) >=
                                         (int)sizeof(name)) {
        security_headers(c);
        api_fail(c, ERR_NOT_FOUND, "no such page or file");
        return;
    }
    serve(c, "", name);
}

void api_static_asset(struct api_call *c)
{
    serve(c, "assets", http_param(c->req, "file"));
}

void api_static_dashboard(struct api_call *c)
{
    security_headers(c);
    http_response_header(c->resp, "Location", "/dashboard/integrations");
    api_reply(c, 302, json_pack("{s:s}", "location", "/dashboard/integrations"));
}
