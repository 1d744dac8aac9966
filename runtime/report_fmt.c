/* report_fmt.c — shared formatting and file helpers of the reports (see
 * report_fmt.h). */
#include "config.h"

#include "report_fmt.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Python's float repr ---- */

/* The shortest "%.*e" that reads back as v: digits (no dot) and exponent. */
static void shortest_digits(double v, char digits[24], int *exp10)
{
    char tmp[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is "d[.ddd]e[+-]XX" */
    size_t n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && n < 23)
            digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

const char *crowd_fmt_pyfloat(char buf[40], double v)
{
    if (isnan(v))
        return strcpy(buf, "nan");
    if (isinf(v))
        return strcpy(buf, v < 0 ? "-inf" : "inf");
    char *o = buf;
    if (signbit(v)) {
        *o++ = '-';
        v = -v;
    }
    if (v == 0) {
        strcpy(o, "0.0");
        return buf;
    }
    char d[24];
    int e;
    shortest_digits(v, d, &e);
    int nd = (int)strlen(d);
    if (e < -4 || e >= 16) { /* scientific: 1e-05, 1.5e+16 */
        *o++ = d[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        snprintf(o, 16, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (e < 0) { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int i = -1; i > e; i--)
            *o++ = '0';
        memcpy(o, d, (size_t)nd + 1);
    } else { /* ddd.ddd, at least one digit after the dot */
        for (int i = 0; i <= e; i++)
            *o++ = i < nd ? d[i] : '0';
        *o++ = '.';
        if (nd > e + 1) {
            memcpy(o, d + e + 1, (size_t)(nd - e - 1));
            o += nd - e - 1;
        } else {
            *o++ = '0';
        }
        *o = '\0';
    }
    return buf;
}

/* ---- CSV ---- */

void crowd_fmt_csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- UTF-8 ---- */

/* Decodes one code point at s; returns its byte length, or 0 when the
 * bytes there are not valid UTF-8 (overlong forms and surrogates too). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0 || c > 0xF4)
        return 0;
    uint32_t v = c & (0x7Fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    static const uint32_t min_of_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (v < min_of_len[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

void crowd_fmt_json_string(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        uint32_t cp;
        size_t n = utf8_next(s, &cp);
        if (n == 0) {
            cp = 0xFFFD;
            n = 1;
        }
        s += n;
        switch (cp) {
        case '"': fputs("\\\"", f); continue;
        case '\\': fputs("\\\\", f); continue;
        case '\n': fputs("\\n", f); continue;
        case '\r': fputs("\\r", f); continue;
        case '\t': fputs("\\t", f); continue;
        case '\b': fputs("\\b", f); continue;
        case '\f': fputs("\\f", f); continue;
        default: break;
        }
        if (cp >= 0x20 && cp < 0x7F && cp != '<' && cp != '>' && cp != '&')
            fputc((int)cp, f);
        else if (cp < 0x10000)
            fprintf(f, "\\u%04x", (unsigned)cp);
        else
            fprintf(f, "\\u%04x\\u%04x", 0xD800u + ((cp - 0x10000u) >> 10),
                    0xDC00u + ((cp - 0x10000u) & 0x3FFu));
    }
    fputc('"', f);
}

/* ---- HTML ---- */

void crowd_fmt_html(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        uint32_t cp;
        size_t n = utf8_next(s, &cp);
        if (n == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F) {
            fputs("&#xFFFD;", f);
            s += n ? n : 1;
            continue;
        }
        switch (cp) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fwrite(s, 1, n, f); break;
        }
        s += n;
    }
}

/* ---- files ---- */

int crowd_fmt_mkdirs_for(const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    char *slash = strrchr(buf, '/');
    if (slash == NULL || slash == buf)
        return 0;
    *slash = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = c;
        if (c == '\0')
            break;
    }
    struct stat sb;
    if (stat(buf, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* The file mode a plain fopen would give (0666 less the umask). */
static mode_t file_mode(void)
{
    static mode_t mode = (mode_t)-1;
    if (mode == (mode_t)-1) {
        mode_t mask = umask(022);
        umask(mask);
        mode = 0666 & ~mask;
    }
    return mode;
}

FILE *crowd_fmt_atomic_open(const char *path, char *tmp, size_t tmp_size)
{
    if ((size_t)snprintf(tmp, tmp_size, "%s.tmp.XXXXXX", path) >= tmp_size) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkstemp(tmp);
    if (fd < 0)
        return NULL;
    if (fchmod(fd, file_mode()) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (f == NULL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
    }
    return f;
}

int crowd_fmt_atomic_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    int e = bad ? EIO : 0;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

void crowd_fmt_atomic_abort(FILE *f, const char *tmp)
{
    fclose(f);
    unlink(tmp);
}

int crowd_fmt_check_writable(const char *path)
{
    if (crowd_fmt_mkdirs_for(path) != 0)
        return -1;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    char tmp[PATH_MAX];
    FILE *f = crowd_fmt_atomic_open(path, tmp, sizeof tmp);
    if (f == NULL)
        return -1;
    crowd_fmt_atomic_abort(f, tmp);
    return 0;
}

const char *crowd_fmt_iso_utc(char buf[32], double epoch)
{
    time_t t = (time_t)floor(epoch);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        strcpy(buf, "1970-01-01T00:00:00Z");
    return buf;
}
