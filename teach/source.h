/*
 * teach/source.h - the server's own source, for reading beside the
 * article (www/source.html): GET /source/files lists every server source
 * file by layer, GET /source?file=NAME serves one of them.
 */
#ifndef SOURCE_H
#define SOURCE_H

#include "routes.h"

enum {
    SOURCE_NAME_MAX = 64,      /* bytes of a file= value */
    SOURCE_LIST_MAX = 16384    /* bytes of the /source/files answer */
};

route_handler source_handle, source_files_handle;

#endif
