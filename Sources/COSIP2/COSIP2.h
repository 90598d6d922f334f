// COSIP2: the libosip2 shim for SIPIngress (see ARCHITECTURE.md "libosip2").
// The osip headers use time_t and struct timeval without including their headers,
// so <time.h> and <sys/time.h> must come first.
#ifndef COSIP2_H
#define COSIP2_H

#include <time.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_port.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/sdp_message.h>

/// osip_free is a macro; Swift cannot call it.
static inline void cosip_free(void *pointer) {
    osip_free(pointer);
}

/// Number of elements in an osip list (NULL-safe).
static inline int cosip_list_size(const osip_list_t *list) {
    return list == NULL ? 0 : osip_list_size(list);
}

/// Element `index` of an osip list, or NULL.
static inline void *cosip_list_get(const osip_list_t *list, int index) {
    return list == NULL ? NULL : osip_list_get(list, index);
}

#endif
