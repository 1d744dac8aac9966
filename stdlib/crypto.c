#include "config.h"

/* Hash built-ins (builtins.def) on OpenSSL's libcrypto, which the fast
 * client links already: digests in lower-case hexadecimal. */

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <crowd/crowd.h>

#include "stdlib/bi.h"

int crowd_fn_sha256(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  char tmp[48], hex[2 * EVP_MAX_MD_SIZE + 1];
  const char *p;
  size_t len;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  crowd_bi_text(&args[0], tmp, sizeof tmp, &p, &len);
  if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1) {
    crowd_task_error(u, site, "sha256: the digest failed");
    return -1;
  }
  crowd_bi_hex(md, mdlen, hex);
  crowd_val_str(out, hex, 2 * (size_t)mdlen);
  return 0;
}

int crowd_fn_hmac_sha256(crowd_user *u, const char *site, crowd_val *out, const crowd_val *args, int nargs)
{
  (void)nargs;
  char tk[48], tm[48], hex[2 * EVP_MAX_MD_SIZE + 1];
  const char *k, *m;
  size_t klen, mlen;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  crowd_bi_text(&args[0], tk, sizeof tk, &k, &klen);
  crowd_bi_text(&args[1], tm, sizeof tm, &m, &mlen);
  if (klen > 0x7fffffff ||
      HMAC(EVP_sha256(), k, (int)klen, (const unsigned char *)m, mlen, md, &mdlen) == NULL) {
    crowd_task_error(u, site, "hmac-sha256: the digest failed");
    return -1;
  }
  crowd_bi_hex(md, mdlen, hex);
  crowd_val_str(out, hex, 2 * (size_t)mdlen);
  return 0;
}
