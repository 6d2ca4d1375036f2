/*
 * bench_csv.c — raw throughput of the CSV reader (import/csv.c): parses a
 * generated Chrome-style export of N rows (quoted notes with commas and
 * line breaks every tenth row) R times and prints MB/s. Usage:
 * bench_csv [rows] [repeats]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "import/csv.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
    int reps = argc > 2 ? atoi(argv[2]) : 200;
    size_t cap = rows * 160 + 64, n = 0;
    char *d = malloc(cap);
    if (d == NULL)
        return 1;
    n += (size_t)snprintf(d + n, cap - n, "name,url,username,password,note\n");
    for (size_t i = 0; i < rows; i++)
        n += (size_t)snprintf(d + n, cap - n,
                              i % 10 ? "site%zu,https://site%zu.example/login,user%zu,pw-%zu-x,\n"
                                     : "site%zu,https://site%zu.example/login,user%zu,\"p,w\"\"%zu\","
                                       "\"a note, with\nlines\"\n",
                              i, i, i, i);
    struct csv_opts o = {.delim = ',', .max_records = rows + 2,
                         .max_field = LIMIT_IMPORT_FIELD_BYTES,
                         .max_fields = LIMIT_IMPORT_FIELDS_PER_ROW};
    double t0 = now_s();
    for (int r = 0; r < reps; r++) {
        struct csv_table t = {0};
        struct err e;
        if (csv_parse(&o, d, n, &t, &e) != 0 || t.nrecs != rows + 1) {
            fprintf(stderr, "parse failed: %s\n", e.msg);
            return 1;
        }
        csv_table_free(&t);
    }
    double dt = now_s() - t0;
    printf("%.1f\n", (double)n * reps / dt / 1e6);
    free(d);
    return 0;
}
