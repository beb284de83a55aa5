/*
 * SHA-256 with an exposed chaining state, for koodrive-backup's hashCtx.
 *
 * It links no crypto library of its own: SHA256_Init/Update/Final resolve at load time against
 * the OpenSSL that the running node binary exports (SHA extensions, assembly). The SHA256_CTX
 * lives in a buffer owned by JavaScript, so there is nothing to free and one call per update.
 * Everything is synchronous: callers pass large buffers (~1 MiB) so each crossing is amortised.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#if defined(__has_include)
#  if __has_include(<openssl/sha.h>)
#    include <openssl/sha.h>
#    define HAVE_OPENSSL_SHA_H 1
#  endif
#endif

#ifndef HAVE_OPENSSL_SHA_H
/* OpenSSL's public layout, unchanged since 0.9.8; used when Node's headers lack OpenSSL's. */
typedef struct SHA256state_st {
  unsigned int h[8];
  unsigned int Nl, Nh;
  unsigned int data[16];
  unsigned int num, md_len;
} SHA256_CTX;
int SHA256_Init(SHA256_CTX *c);
int SHA256_Update(SHA256_CTX *c, const void *data, size_t len);
int SHA256_Final(unsigned char *md, SHA256_CTX *c);
#endif

#define THROW(env, msg) do { napi_throw_error((env), "KOODRIVE_SHA256", (msg)); return NULL; } while (0)

/* Returns the bytes of typed-array argument `index`, checking its kind and minimum length. */
static void *typed_arg(napi_env env, napi_value *argv, size_t argc, size_t index,
                       napi_typedarray_type want, size_t min_bytes, size_t *out_bytes) {
  bool is_typed = false;
  if (index >= argc || napi_is_typedarray(env, argv[index], &is_typed) != napi_ok || !is_typed) return NULL;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_get_typedarray_info(env, argv[index], &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  size_t bytes = (type == napi_uint32_array) ? length * 4 : length;
  if (type != want || bytes < min_bytes) return NULL;
  if (out_bytes) *out_bytes = bytes;
  /* Zero-length views may carry a NULL pointer; give callers something non-NULL. */
  return data ? data : (void *)"";
}

static SHA256_CTX *ctx_arg(napi_env env, napi_value *argv, size_t argc) {
  void *p = typed_arg(env, argv, argc, 0, napi_uint8_array, sizeof(SHA256_CTX), NULL);
  if (p && ((uintptr_t)p % sizeof(unsigned int)) != 0) return NULL;
  return (SHA256_CTX *)p;
}

static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  SHA256_CTX *c = ctx_arg(env, argv, argc);
  if (!c) THROW(env, "init(ctx): ctx must be an aligned Uint8Array of ctxSize bytes");
  SHA256_Init(c);
  return NULL;
}

static napi_value js_update(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  SHA256_CTX *c = ctx_arg(env, argv, argc);
  size_t len = 0;
  void *data = typed_arg(env, argv, argc, 1, napi_uint8_array, 0, &len);
  if (!c || !data) THROW(env, "update(ctx, data): data must be a Uint8Array");
  SHA256_Update(c, data, len);
  return NULL;
}

static napi_value js_get_state(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  SHA256_CTX *c = ctx_arg(env, argv, argc);
  uint32_t *out = typed_arg(env, argv, argc, 1, napi_uint32_array, 32, NULL);
  if (!c || !out) THROW(env, "getState(ctx, out): out must be a Uint32Array(8)");
  for (int i = 0; i < 8; i++) out[i] = c->h[i];
  napi_value num;
  napi_create_uint32(env, c->num, &num);
  return num;
}

static napi_value js_set_state(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  SHA256_CTX *c = ctx_arg(env, argv, argc);
  uint32_t *words = typed_arg(env, argv, argc, 1, napi_uint32_array, 32, NULL);
  double bytes = -1;
  if (argc < 3 || napi_get_value_double(env, argv[2], &bytes) != napi_ok) bytes = -1;
  if (!c || !words) THROW(env, "setState(ctx, words, bytes): words must be a Uint32Array(8)");
  /* 2^53 bytes is far beyond any file; a multiple of 64 keeps the buffer empty (num = 0). */
  if (!(bytes >= 0) || bytes > 9007199254740991.0 || (uint64_t)bytes % 64 != 0) THROW(env, "setState: bytes must be a non-negative multiple of 64");
  SHA256_Init(c);
  for (int i = 0; i < 8; i++) c->h[i] = words[i];
  uint64_t bits = (uint64_t)bytes * 8u;
  c->Nl = (unsigned int)(bits & 0xffffffffu);
  c->Nh = (unsigned int)(bits >> 32);
  c->num = 0;
  return NULL;
}

static napi_value js_final(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  SHA256_CTX *c = ctx_arg(env, argv, argc);
  unsigned char *out = typed_arg(env, argv, argc, 1, napi_uint8_array, 32, NULL);
  if (!c || !out) THROW(env, "final(ctx, out): out must be a Uint8Array(32)");
  SHA256_Final(out, c);
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    { "init", NULL, js_init, NULL, NULL, NULL, napi_enumerable, NULL },
    { "update", NULL, js_update, NULL, NULL, NULL, napi_enumerable, NULL },
    { "getState", NULL, js_get_state, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setState", NULL, js_set_state, NULL, NULL, NULL, napi_enumerable, NULL },
    { "final", NULL, js_final, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  napi_value size;
  napi_create_uint32(env, (uint32_t)sizeof(SHA256_CTX), &size);
  napi_set_named_property(env, exports, "ctxSize", size);
  return exports;
}
