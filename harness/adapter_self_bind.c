/*
 * adapter_self_bind.c — a loaded allocator's calls to its own exported
 * functions reach itself. Gauntlet loads an allocator with dlopen beside
 * glibc, and the loader binds each of the library's references to a symbol
 * in the global scope first: a library whose realloc(NULL, n) calls its own
 * `malloc` through the PLT (jemalloc 5.1.0) gets glibc's block, and its next
 * free of that block crashes, where the same library serving a process (linked
 * or preloaded, as in every deployment and in the C reproducer) calls itself.
 * So each GOT slot of the library holding a function it defines is pointed
 * at its own definition, unless the executable defines that name (the
 * harness's own mmap for fail_maps; a sanitizer's interceptors): the order a
 * preloaded library gets, the executable first.
 */
#include "internal.h"

#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__)

/* The loaded image's tables, from its dynamic section (the loader has made
 * these addresses absolute on x86-64; an offset is made so too). */
struct image {
    ElfW(Addr) base;
    const ElfW(Sym) * symbols;
    const char *names;
    const ElfW(Rela) * tables[2];
    size_t sizes[2];                  /* bytes */
    uintptr_t relro_start, relro_end; /* made read-only after relocation: 0, 0 if none */
};

/* The image's RELRO range, from its program headers. */
static int find_relro(struct dl_phdr_info *info, size_t size, void *context)
{
    (void)size;
    struct image *im = context;
    if (info->dlpi_addr != im->base) return 0;
    for (unsigned i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
            im->relro_start = im->base + info->dlpi_phdr[i].p_vaddr;
            im->relro_end = im->relro_start + info->dlpi_phdr[i].p_memsz;
        }
    return 1;
}

static const void *absolute(const struct image *im, ElfW(Addr) address)
{
    return (const void *)(address < im->base ? address + im->base : address);
}

static bool read_image(const struct link_map *map, struct image *im)
{
    memset(im, 0, sizeof *im);
    im->base = map->l_addr;
    bool plt_is_rela = true;
    for (const ElfW(Dyn) *d = map->l_ld; d->d_tag != DT_NULL; d++) {
        switch (d->d_tag) {
        case DT_SYMTAB: im->symbols = absolute(im, d->d_un.d_ptr); break;
        case DT_STRTAB: im->names = absolute(im, d->d_un.d_ptr); break;
        case DT_JMPREL: im->tables[0] = absolute(im, d->d_un.d_ptr); break;
        case DT_PLTRELSZ: im->sizes[0] = d->d_un.d_val; break;
        case DT_RELA: im->tables[1] = absolute(im, d->d_un.d_ptr); break;
        case DT_RELASZ: im->sizes[1] = d->d_un.d_val; break;
        case DT_PLTREL: plt_is_rela = d->d_un.d_val == DT_RELA; break;
        default: break;
        }
    }
    dl_iterate_phdr(find_relro, im);
    return im->symbols && im->names && plt_is_rela;
}

/* Whether the executable itself defines `name`: then it comes first for a
 * preloaded library too. */
static bool executable_defines(const char *name)
{
    void *global = dlsym(RTLD_DEFAULT, name);
    Dl_info where, main_program;
    void *main_handle = dlopen(NULL, RTLD_NOW);
    bool first = false;
    if (global && main_handle && dladdr(global, &where)) {
        struct link_map *main_map = NULL;
        if (dlinfo(main_handle, RTLD_DI_LINKMAP, &main_map) == 0 && main_map &&
            dladdr((void *)main_map->l_ld, &main_program))
            first = where.dli_fbase == main_program.dli_fbase;
    }
    if (main_handle) dlclose(main_handle);
    return first;
}

/* Writes `value` into a slot, on a page the loader may have made read-only
 * (the whole pages of RELRO, as ld.so rounds them): writable for the write. */
static bool write_slot(const struct image *im, ElfW(Addr) * slot, ElfW(Addr) value)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)slot & ~(page - 1);
    if (start < (im->relro_start & ~(page - 1)) || start >= (im->relro_end & ~(page - 1))) {
        *slot = value;
        return true;
    }
    if (mprotect((void *)start, page, PROT_READ | PROT_WRITE) != 0) return false;
    *slot = value;
    mprotect((void *)start, page, PROT_READ);
    return true;
}

bool adapter_bind_to_itself(void *handle)
{
    struct link_map *map = NULL;
    struct image im;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == NULL || !read_image(map, &im))
        return false;
    bool all = true;
    for (unsigned t = 0; t < 2; t++) {
        if (im.tables[t] == NULL) continue;
        size_t count = im.sizes[t] / sizeof(ElfW(Rela));
        for (size_t i = 0; i < count; i++) {
            const ElfW(Rela) *r = &im.tables[t][i];
            unsigned type = (unsigned)ELF64_R_TYPE(r->r_info);
            if (type != R_X86_64_JUMP_SLOT && type != R_X86_64_GLOB_DAT) continue;
            const ElfW(Sym) *s = &im.symbols[ELF64_R_SYM(r->r_info)];
            if (s->st_shndx == SHN_UNDEF || s->st_value == 0 ||
                ELF64_ST_TYPE(s->st_info) != STT_FUNC)
                continue;
            ElfW(Addr) own = im.base + s->st_value, *slot = (ElfW(Addr) *)(im.base + r->r_offset);
            if (*slot == own) continue;
            all = !executable_defines(im.names + s->st_name) && write_slot(&im, slot, own) && all;
        }
    }
    return all;
}

#else

bool adapter_bind_to_itself(void *handle)
{
    (void)handle;
    return false;
}

#endif
