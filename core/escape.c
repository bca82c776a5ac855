/*
 * core/escape.c - see core/escape.h.
 *
 * Why so much escaping in JSON: the same string literal is written into
 * JSON bodies, into JSONP scripts, into <script> elements of iframe
 * documents and into WebSocket text.  JSON itself only needs " \ and
 * control characters escaped, but inside an HTML <script> element the
 * HTML parser looks for "</script" and "<!--" before JavaScript ever
 * sees the text (WHATWG HTML, "Restrictions for contents of script
 * elements"), and U+2028/U+2029 ended string literals in JavaScript
 * before ES2019.  Escaping < > & and those two code points as \uXXXX
 * keeps the value identical for every JSON parser and harmless
 * everywhere else.
 */
#include "core/escape.h"

#include <stdio.h>

static int append_u_escape(struct buf *b, unsigned code)
{
    char tmp[8];
    snprintf(tmp, sizeof tmp, "\\u%04x", code);
    return buf_append(b, tmp, 6);
}

/* The escape for one ASCII byte, or NULL if it goes through as it is. */
static const char *json_short_escape(unsigned char ch)
{
    switch (ch) {
    case '"':  return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default:   return NULL;
    }
}

static int json_needs_u_escape(unsigned char ch)
{
    return ch < 0x20 || ch == 0x7F || ch == '<' || ch == '>' || ch == '&';
}

int escape_json_string(struct buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0;   /* start of the bytes copied unchanged */

    if (buf_append(b, "\"", 1) != 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        const char *esc = json_short_escape(p[i]);
        int is_line_sep = p[i] == 0xE2 && i + 2 < len && p[i + 1] == 0x80
                          && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9);
        if (esc == NULL && !json_needs_u_escape(p[i]) && !is_line_sep)
            continue;
        if (buf_append(b, s + run, i - run) != 0)
            return -1;
        if (esc != NULL) {
            if (buf_append_str(b, esc) != 0)
                return -1;
        } else if (is_line_sep) {
            if (append_u_escape(b, p[i + 2] == 0xA8 ? 0x2028 : 0x2029) != 0)
                return -1;
            i += 2;
        } else if (append_u_escape(b, p[i]) != 0) {
            return -1;
        }
        run = i + 1;
    }
    if (buf_append(b, s + run, len - run) != 0)
        return -1;
    return buf_append(b, "\"", 1);
}

int escape_html(struct buf *b, const char *s, size_t len)
{
    size_t run = 0;

    for (size_t i = 0; i < len; i++) {
        const char *ref;
        switch (s[i]) {
        case '&':  ref = "&amp;";  break;
        case '<':  ref = "&lt;";   break;
        case '>':  ref = "&gt;";   break;
        case '"':  ref = "&quot;"; break;
        case '\'': ref = "&#39;";  break;
        default:   continue;
        }
        if (buf_append(b, s + run, i - run) != 0 || buf_append_str(b, ref) != 0)
            return -1;
        run = i + 1;
    }
    return buf_append(b, s + run, len - run);
}
