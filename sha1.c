/* sha1.c - RFC 3174.  Not built yet. */
#include "sha1.h"
