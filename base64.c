/* base64.c - RFC 4648.  Not built yet. */
#include "base64.h"
