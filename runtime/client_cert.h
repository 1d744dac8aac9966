/* client_cert.h — TLS client certificates: a user's :client-cert and
 * :client-key (or the scenario's), or --client-cert and --client-key for
 * every user.
 *
 * Ownership: the module owns the certificates.  crowd_certs_load (from
 * crowd_main, before any load and before --processes forks) reads and
 * checks every pair once; the clients then read them from the event loop's
 * thread, through crowd_request.cert (set by crowd_req_begin from
 * crowd_cert_for); crowd_certs_free releases them at the end.
 */
#ifndef CROWD_CLIENT_CERT_H
#define CROWD_CLIENT_CERT_H

#include <stddef.h>
#include <stdio.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <crowd/crowd.h>

typedef struct crowd_cert {
  char *cert_path, *key_path;     /* resolved */
  char *cert_pem, *key_pem;       /* the files' bytes: libcurl's blobs */
  size_t cert_len, key_len;
  X509 *x509;                     /* the certificate (the fast client) */
  STACK_OF(X509) *chain;          /* the certificates after it in its file, or NULL */
  EVP_PKEY *pkey;                 /* its private key */
  const crowd_tls_desc *desc;     /* the scenario's pair it is, or NULL (the command line's) */
} crowd_cert;

/* Read every user class's pair, or only cert_path and key_path when given
 * (both or neither: the command line's, for every user).  Returns 0, or -1
 * after printing "crowd: error: ..." to err. */
int crowd_certs_load(const crowd_scenario_desc *sc, const char *cert_path, const char *key_path,
                     FILE *err);
void crowd_certs_free(void);

/* The certificate users of class d present, or NULL (d may be NULL). */
const crowd_cert *crowd_cert_for(const crowd_user_desc *d);

/* Present c on the TLS connection ssl.  0, or -1 (OpenSSL's error queue). */
int crowd_cert_use(const crowd_cert *c, SSL *ssl);

#endif
