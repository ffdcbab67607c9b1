/* net.h — listening sockets (net.c). */
#ifndef SQLAMBDA_SERVE_NET_H
#define SQLAMBDA_SERVE_NET_H
#include <stddef.h>
/* Splits "HOST:PORT" (IPv4 host; "localhost" allowed). 0 or -1 with err. */
int parse_listen(const char *spec, char *host, size_t hostlen, int *port, char *err, size_t errlen);
/* A listening TCP socket (CLOEXEC); *bound_port gets the actual port. */
int listen_tcp(const char *host, int port, int *bound_port, char *err, size_t errlen);
#endif
