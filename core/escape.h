/*
 * core/escape.h - escaping for the contexts our data lands in.
 *
 * Data published by anyone ends up inside JSON, inside a <script>
 * element, inside an HTML page and inside an event stream.  Each context
 * has its own dangerous characters; this file is the one place that knows
 * them, so every technique escapes the same way.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>

#include "core/buf.h"

/* Append s (valid UTF-8) as a JSON string literal, quotes included.
 *
 * Beyond what JSON requires (" \ and controls) it also escapes < > & as
 * \u003c \u003e \u0026 and U+2028 / U+2029 as \u2028 \u2029, so the
 * same literal is safe inside an HTML <script> element (no "</script>",
 * no "<!--") and inside JavaScript source of any age (pre-ES2019
 * engines end a string at U+2028).  Returns 0, or -1 if b is full. */
int escape_json_string(struct buf *b, const char *s, size_t len);

/* Append s with & < > " ' replaced by character references, for HTML
 * text and quoted attribute values.  Returns 0, or -1 if b is full. */
int escape_html(struct buf *b, const char *s, size_t len);

#endif
