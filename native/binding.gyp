{
  "targets": [
    {
      "target_name": "koodrive_sha256",
      "sources": ["sha256_addon.c"],
      "cflags": ["-O2", "-Wall"],
      "defines": ["NAPI_VERSION=8", "OPENSSL_SUPPRESS_DEPRECATED"],
      "xcode_settings": { "OTHER_LDFLAGS": ["-undefined", "dynamic_lookup"] }
    }
  ]
}
