/* router.c — matching paths against route patterns ("{name}" = one segment). */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

static const char *const method_names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OTHER"};

const char *http_method_name(enum http_method m)
{
    return (m <= HTTP_OTHER) ? method_names[m] : "OTHER";
}

enum http_method http_method_parse(const char *name)
{
    for (int m = HTTP_GET; m < HTTP_OTHER; m++)
        if (strcmp(name, method_names[m]) == 0)
            return (enum http_method)m;
    return HTTP_OTHER;
}

int router_pattern_match(const char *pattern, const char *path, struct http_params *params)
{
    const char *p = pattern, *s = path;
    params->count = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            size_t seg_len = seg_end ? (size_t)(seg_end - s) : strlen(s);
            size_t name_len = close ? (size_t)(close - p - 1) : 0;
            if (close == NULL || seg_len == 0 || seg_len > HTTP_PARAM_MAX ||
                name_len > HTTP_PARAM_MAX || params->count >= HTTP_MAX_PARAMS)
                return 0;
            memcpy(params->items[params->count].name, p + 1, name_len);
            params->items[params->count].name[name_len] = '\0';
            memcpy(params->items[params->count].value, s, seg_len);
            params->items[params->count].value[seg_len] = '\0';
            params->count++;
            p = close + 1;
            s += seg_len;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

enum route_match_rc router_match(const struct route *routes, size_t nroutes,
                                 enum http_method method, const char *path,
                                 const struct route **out, struct http_params *params,
                                 char *allow, size_t allow_size)
{
    size_t used = 0;
    int path_seen = 0;
    if (allow_size)
        allow[0] = '\0';
    for (size_t i = 0; i < nroutes; i++) {
        struct http_params tmp;
        if (!router_pattern_match(routes[i].pattern, path, &tmp))
            continue;
        if (routes[i].method == method) {
            *out = &routes[i];
            *params = tmp;
            return ROUTE_FOUND;
        }
        path_seen = 1;
        if (allow_size > used) {
            int n = snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "",
                             http_method_name(routes[i].method));
            if (n > 0)
                used += (size_t)n < allow_size - used ? (size_t)n : allow_size - used - 1;
        }
    }
    return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

const char *http_param(const struct http_request *req, const char *name)
{
    for (size_t i = 0; i < req->params.count; i++)
        if (strcmp(req->params.items[i].name, name) == 0)
            return req->params.items[i].value;
    return NULL;
}
