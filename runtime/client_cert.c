#include "config.h"

/* TLS client certificates (client_cert.h). */

#include "client_cert.h"
#include "files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "log.h"

static crowd_cert *cert_tab;  /* one per distinct crowd_tls_desc, or the override alone */
static int cert_count;
static int cert_override;     /* cert_tab[0] is the command line's, for every user */

/* A PEM file's size limit: certificates and keys are a few KB. */
#define CERT_FILE_MAX (1u << 20)

/* OpenSSL's last reason, or what. */
static const char *cert_ssl_reason(const char *what)
{
  unsigned long e = ERR_peek_last_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  return r ? r : what;
}

/* A key with a passphrase cannot be read: say so rather than prompt. */
static int cert_no_pass(char *buf, int size, int rwflag, void *u)
{
  (void)buf;
  (void)size;
  (void)rwflag;
  (void)u;
  return -1;
}

/* Parse c's PEM bytes: the certificate (and any chain after it), the key,
 * and that they belong together.  0, or -1 with a message in msg. */
static int cert_parse(crowd_cert *c, char *msg, size_t size)
{
  BIO *b = BIO_new_mem_buf(c->cert_pem, (int)c->cert_len);
  if (b == NULL) {
    snprintf(msg, size, "out of memory");
    return -1;
  }
  ERR_clear_error();
  c->x509 = PEM_read_bio_X509(b, NULL, cert_no_pass, NULL);
  X509 *extra;
  while (c->x509 && (extra = PEM_read_bio_X509(b, NULL, cert_no_pass, NULL)) != NULL) {
    if ((c->chain == NULL && (c->chain = sk_X509_new_null()) == NULL) || !sk_X509_push(c->chain, extra)) {
      X509_free(extra);
      break;
    }
  }
  BIO_free(b);
  if (c->x509 == NULL) {
    snprintf(msg, size, "%s holds no PEM certificate (%s)", c->cert_path, cert_ssl_reason("no certificate"));
    return -1;
  }
  ERR_clear_error();
  b = BIO_new_mem_buf(c->key_pem, (int)c->key_len);
  if (b == NULL) {
    snprintf(msg, size, "out of memory");
    return -1;
  }
  c->pkey = PEM_read_bio_PrivateKey(b, NULL, cert_no_pass, NULL);
  BIO_free(b);
  if (c->pkey == NULL) {
    snprintf(msg, size, "%s holds no PEM private key, or one with a passphrase (%s)", c->key_path,
             cert_ssl_reason("no key"));
    return -1;
  }
  if (X509_check_private_key(c->x509, c->pkey) != 1) {
    snprintf(msg, size, "the key in %s does not belong to the certificate in %s", c->key_path, c->cert_path);
    return -1;
  }
  ERR_clear_error();
  return 0;
}

static void cert_free(crowd_cert *c)
{
  free(c->cert_path);
  free(c->key_path);
  free(c->cert_pem);
  if (c->key_pem) /* a private key: not left behind in freed memory */
    OPENSSL_cleanse(c->key_pem, c->key_len);
  free(c->key_pem);
  X509_free(c->x509);
  if (c->chain)
    sk_X509_pop_free(c->chain, X509_free);
  EVP_PKEY_free(c->pkey);
  memset(c, 0, sizeof *c);
}

/* Read and check one pair into c.  what names it in errors. */
static int cert_load_one(crowd_cert *c, const char *cert, const char *key, const char *dir, const char *what,
                         FILE *err)
{
  char msg[768];
  c->cert_path = crowd_file_path(cert, dir);
  c->key_path = crowd_file_path(key, dir);
  if (c->cert_path == NULL || c->key_path == NULL) {
    fprintf(err, "crowd: error: %s: out of memory\n", what);
    return -1;
  }
  if ((c->cert_pem = crowd_file_read(c->cert_path, CERT_FILE_MAX, &c->cert_len)) == NULL) {
    fprintf(err, "crowd: error: %s: cannot read the client certificate %s: %s\n", what, c->cert_path,
            errno == EINVAL || errno == EFBIG ? "not a regular file of at most 1 MiB" : strerror(errno));
    return -1;
  }
  if ((c->key_pem = crowd_file_read(c->key_path, CERT_FILE_MAX, &c->key_len)) == NULL) {
    fprintf(err, "crowd: error: %s: cannot read the client key %s: %s\n", what, c->key_path,
            errno == EINVAL || errno == EFBIG ? "not a regular file of at most 1 MiB" : strerror(errno));
    return -1;
  }
  if (cert_parse(c, msg, sizeof msg) != 0) {
    fprintf(err, "crowd: error: %s: %s\n", what, msg);
    return -1;
  }
  return 0;
}

int crowd_certs_load(const crowd_scenario_desc *sc, const char *cert_path, const char *key_path, FILE *err)
{
  crowd_certs_free();
  if ((cert_path != NULL) != (key_path != NULL)) {
    fprintf(err, "crowd: error: argument %s: needs %s too (the same file if it holds both)\n",
            cert_path ? "--client-cert" : "--client-key", cert_path ? "--client-key" : "--client-cert");
    return -1;
  }
  int n = cert_path ? 1 : 0;
  for (int i = 0; !cert_path && i < sc->nusers; i++)
    n += sc->users[i].tls != NULL;
  if (n == 0)
    return 0;
  cert_tab = calloc((size_t)n, sizeof *cert_tab);
  if (cert_tab == NULL) {
    fprintf(err, "crowd: error: out of memory for the client certificates\n");
    return -1;
  }
  int rc = 0;
  if (cert_path) {
    cert_override = 1;
    cert_count = 1;
    rc = cert_load_one(&cert_tab[0], cert_path, key_path, NULL, "--client-cert", err);
  }
  for (int i = 0; !cert_path && rc == 0 && i < sc->nusers; i++) {
    const crowd_tls_desc *d = sc->users[i].tls;
    int seen = d == NULL;
    for (int k = 0; !seen && k < cert_count; k++)
      seen = cert_tab[k].desc == d;
    if (seen)
      continue;
    char what[512];
    snprintf(what, sizeof what, "user %s (%s)", sc->users[i].name, d->site ? d->site : "?");
    crowd_cert *c = &cert_tab[cert_count++];
    c->desc = d;
    rc = cert_load_one(c, d->cert, d->key, d->dir, what, err);
  }
  if (rc != 0) {
    crowd_certs_free();
    return -1;
  }
  for (int k = 0; k < cert_count; k++)
    crowd_log(CROWD_LOG_DEBUG, "crowd.tls", "client certificate %s (key %s)", cert_tab[k].cert_path,
              cert_tab[k].key_path);
  return 0;
}

void crowd_certs_free(void)
{
  for (int i = 0; i < cert_count; i++)
    cert_free(&cert_tab[i]);
  free(cert_tab);
  cert_tab = NULL;
  cert_count = 0;
  cert_override = 0;
}

const crowd_cert *crowd_cert_for(const crowd_user_desc *d)
{
  if (cert_count == 0)
    return NULL;
  if (cert_override)
    return &cert_tab[0];
  for (int k = 0; d && d->tls && k < cert_count; k++)
    if (cert_tab[k].desc == d->tls)
      return &cert_tab[k];
  return NULL;
}

int crowd_cert_use(const crowd_cert *c, SSL *ssl)
{
  if (SSL_use_certificate(ssl, c->x509) != 1 || SSL_use_PrivateKey(ssl, c->pkey) != 1)
    return -1;
  for (int i = 0; c->chain && i < sk_X509_num(c->chain); i++)
    if (SSL_add1_chain_cert(ssl, sk_X509_value(c->chain, i)) != 1)
      return -1;
  return 0;
}
