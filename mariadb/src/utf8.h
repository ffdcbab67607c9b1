/*
 * utf8.h — strict UTF-8 check for the bytes MariaDB hands the UDFs (it
 * passes no character set with UDF arguments) and for Lambda's responses.
 */
#ifndef MDB_UTF8_H
#define MDB_UTF8_H

#include <stddef.h>

/* Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF), or len when
 * all of s[0..len) is valid. */
size_t mdb_utf8_invalid_at(const char *s, size_t len);

#endif /* MDB_UTF8_H */
