/* libosip2's own cost for benchmark 09's carrier INVITE (Benchmarks/README.md, finding G):
 * osip_message_parse + osip_message_free, nothing else — the floor under any SIP path that
 * parses with libosip2, as issue 3's "parse + dispatch <= 20 us" target must.
 *
 *   cc -O2 osip_floor.c -o osip_floor $(pkg-config --cflags --libs libosip2) && ./osip_floor
 *
 * The message is benchmark 09's SIPPath.invite(7) (Benchmarks/HotPaths/SIPPath.swift). */
#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void) {
  static const char sdp[] =
      "v=0\r\no=- 83427 83427 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"
      "m=audio 407 RTP/AVP 0 8 9 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:9 G722/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
      "a=ptime:20\r\na=maxptime:150\r\na=sendrecv\r\n";
  char message[4096];
  snprintf(message, sizeof message,
           "INVITE sip:+918045678901@203.0.113.5:5060;transport=udp SIP/2.0\r\n"
           "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK7a7f3c2e1;rport\r\n"
           "Via: SIP/2.0/UDP 198.51.100.30:5060;branch=z9hG4bK7b19d;received=198.51.100.30\r\n"
           "Record-Route: <sip:198.51.100.20;lr;ftag=as7>\r\nMax-Forwards: 69\r\n"
           "From: \"+14155550100\" <sip:+14155550100@198.51.100.30>;tag=as7c1d2\r\n"
           "To: <sip:+918045678901@203.0.113.5>\r\nCall-ID: 7-5c1f09a3b7e24d61@198.51.100.30\r\n"
           "CSeq: 102 INVITE\r\nContact: <sip:+14155550100@198.51.100.20:5060;transport=udp>\r\n"
           "P-Asserted-Identity: <sip:+14155550100@198.51.100.30>\r\n"
           "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, UPDATE, INFO, NOTIFY\r\n"
           "Supported: replaces, timer\r\nSession-Expires: 1800;refresher=uac\r\nMin-SE: 90\r\n"
           "User-Agent: CarrierSBC 4.2\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(sdp), sdp);
  size_t length = strlen(message);
  parser_init();
  enum { rounds = 5, iterations = 200000 };
  for (int round = 0; round < rounds; round++) {
    double start = seconds();
    for (int i = 0; i < iterations; i++) {
      osip_message_t *parsed;
      if (osip_message_init(&parsed) != 0 || osip_message_parse(parsed, message, length) != 0) {
        fprintf(stderr, "parse failed\n");
        return 1;
      }
      osip_message_free(parsed);
    }
    printf("round %d: %.2f us per parse + free (%zu-byte INVITE)\n", round + 1,
           (seconds() - start) / iterations * 1e6, length);
  }
  return 0;
}
