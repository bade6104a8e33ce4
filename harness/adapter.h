/*
 * adapter.h — what the adapters (adapter_*.c) share among themselves; the rest
 * of the harness sees only `struct allocator` and allocator_open().
 */
#ifndef GAUNTLET_ADAPTER_H
#define GAUNTLET_ADAPTER_H

#include "gauntlet.h"

/* dlsym restricted to symbols the library itself defines (not its dependencies). */
void *adapter_own_symbol(void *handle, const char *name);
/* Binds the standard calls; fails only when malloc or free is missing. */
bool adapter_bind_standard(struct allocator *a, void *handle, char *err, size_t err_len);
void *adapter_open_library(const char *path, const char *label, char *err, size_t err_len);

/* One per named allocator, plus so:PATH. Each fills a (name already set). */
bool adapter_open_glibc(struct allocator *a, char *err, size_t err_len);
bool adapter_open_jemalloc(struct allocator *a, char *err, size_t err_len);
bool adapter_open_mimalloc(struct allocator *a, char *err, size_t err_len);
bool adapter_open_tcmalloc(struct allocator *a, char *err, size_t err_len);
bool adapter_open_so(struct allocator *a, const char *path, char *err, size_t err_len);

/* Fills a->version from whatever the library reveals (mallctl, mi_version, …). */
void adapter_describe_version(struct allocator *a);
/* Which family a library belongs to by its marker symbols: "jemalloc",
 * "mimalloc", "tcmalloc", "glibc" or NULL. */
const char *adapter_family(void *handle);

#endif
