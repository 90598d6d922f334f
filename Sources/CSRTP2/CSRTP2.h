// CSRTP2: the libsrtp2 shim for RTPMedia (RFC 3711 SRTP, keyed by SDES, RFC 4568).
// Debian: libsrtp2-dev. Only Sources/RTPMedia/SRTPContext.swift imports it.
#ifndef CSRTP2_H
#define CSRTP2_H

#include <srtp2/srtp.h>

#endif
