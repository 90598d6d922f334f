// COSIP2: the libosip2 shim for SIPIngress (see ARCHITECTURE.md "libosip2").
// The osip headers use time_t and struct timeval without including their headers,
// so <time.h> and <sys/time.h> must come first.
#ifndef COSIP2_H
#define COSIP2_H

#include <time.h>
#include <sys/time.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <osipparser2/osip_port.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_message.h>
#include <osipparser2/sdp_message.h>

/// osip_malloc is a macro; Swift cannot call it. Blocks for libosip2 to own (and free).
static inline void *cosip_malloc(size_t size) {
    return osip_malloc(size);
}

/// osip_free is a macro; Swift cannot call it.
static inline void cosip_free(void *pointer) {
    osip_free(pointer);
}

/// Number of elements in an osip list (NULL-safe).
static inline int cosip_list_size(const osip_list_t *list) {
    return list == NULL ? 0 : osip_list_size(list);
}

/// Element `index` of an osip list, or NULL.
static inline void *cosip_list_get(const osip_list_t *list, int index) {
    return list == NULL ? NULL : osip_list_get(list, index);
}

/* A per-thread bump arena that libosip2 allocates from while one message or session
 * description is parsed: OSIPArena.swift explains it and is the only file that may use these.
 * Each Swift file that uses a static function of this header gets its own copy of it and of the
 * thread-local state below (also in an optimised build: it compiles the files in parallel), so a
 * call from another file would see another, unrelated arena. */
enum { COSIP_ARENA_CAPACITY = 64 * 1024 };

typedef struct {
    char *base;
    size_t used;
    int depth;
    /* Whether a block of the open scopes came from malloc (the buffer was full). */
    int spilled;
    /* Heap blocks the hooks handed out on this thread and have not had back (for the tests). */
    long heap_blocks;
} cosip_arena_t;

/* The state lives in function-local statics: Swift emits the functions of a header it uses,
 * not its file-scope variables. */
static inline cosip_arena_t *cosip_arena_state(void) {
    /* initial-exec: a load at a fixed offset from the thread pointer, not the general-dynamic
     * model's call (the header is compiled as position-independent code). */
    static __thread cosip_arena_t arena __attribute__((tls_model("initial-exec")));
    return &arena;
}

static inline pthread_key_t *cosip_arena_key(void) {
    static pthread_key_t key;
    return &key;
}

static void cosip_arena_release(void *base) { free(base); }
static void cosip_arena_make_key(void) { pthread_key_create(cosip_arena_key(), cosip_arena_release); }

static inline int cosip_arena_owns(const void *pointer) {
    const char *base = cosip_arena_state()->base;
    return base != NULL && (const char *)pointer >= base && (const char *)pointer < base + COSIP_ARENA_CAPACITY;
}

/* osip_malloc's way out of the arena (no open scope, or its buffer is full), kept out of line so
 * that the bump below needs no stack frame (about a tenth of each call). */
__attribute__((noinline)) static void *cosip_arena_malloc_heap(cosip_arena_t *arena, size_t size) {
    if (arena->depth > 0) arena->spilled = 1;
    void *block = malloc(size);
    if (block != NULL) arena->heap_blocks += 1;
    return block;
}

/* osip_malloc: 16-byte aligned blocks from the arena inside a scope, else malloc. */
static inline void *cosip_arena_malloc(size_t size) {
    cosip_arena_t *arena = cosip_arena_state();
    size_t rounded = size == 0 ? 16 : (size + 15) & ~(size_t)15;
    if (arena->depth > 0 && rounded <= COSIP_ARENA_CAPACITY - arena->used) {
        void *block = arena->base + arena->used;
        arena->used += rounded;
        return block;
    }
    return cosip_arena_malloc_heap(arena, size);
}

/* osip_free: nothing for an arena block (the scope's end reclaims it), else free. */
static inline void cosip_arena_free(void *pointer) {
    if (pointer == NULL || cosip_arena_owns(pointer)) return;
    cosip_arena_state()->heap_blocks -= 1;
    free(pointer);
}

/* osip_realloc: an arena block moves with its bytes (at most up to the buffer's end, an upper
 * bound of its size); a heap block goes to realloc. */
static inline void *cosip_arena_realloc(void *pointer, size_t size) {
    if (pointer == NULL) return cosip_arena_malloc(size);
    if (!cosip_arena_owns(pointer)) {
        if (cosip_arena_state()->depth > 0) cosip_arena_state()->spilled = 1;
        return realloc(pointer, size);
    }
    size_t left = (size_t)(cosip_arena_state()->base + COSIP_ARENA_CAPACITY - (char *)pointer);
    void *moved = cosip_arena_malloc(size);
    if (moved != NULL) memmove(moved, pointer, size < left ? size : left);
    return moved;
}

/* Opens a scope on this thread (scopes nest); 0 when its buffer cannot be allocated. The buffer
 * is allocated on the thread's first scope and freed when the thread exits. */
static inline int cosip_arena_begin(void) {
    cosip_arena_t *arena = cosip_arena_state();
    if (arena->base == NULL) {
        arena->base = malloc(COSIP_ARENA_CAPACITY);
        if (arena->base == NULL) return 0;
        static pthread_once_t key_once = PTHREAD_ONCE_INIT;
        pthread_once(&key_once, cosip_arena_make_key);
        pthread_setspecific(*cosip_arena_key(), arena->base);
    }
    if (arena->depth == 0) arena->spilled = 0;
    arena->depth += 1;
    return 1;
}

/* Whether every block of the open scopes lies in the buffer: then the outermost scope's end
 * reclaims them all, and freeing them one by one can be skipped. */
static inline int cosip_arena_holds_everything(void) {
    cosip_arena_t *arena = cosip_arena_state();
    return arena->depth > 0 && !arena->spilled;
}

/* Heap blocks handed out on this thread and not yet freed. */
static inline long cosip_arena_heap_blocks(void) { return cosip_arena_state()->heap_blocks; }

/* The bytes handed out in the scopes open now. */
static inline size_t cosip_arena_in_use(void) { return cosip_arena_state()->used; }

/* Closes a scope; the outermost one makes the whole buffer free again. */
static inline void cosip_arena_end(void) {
    cosip_arena_t *arena = cosip_arena_state();
    arena->depth -= 1;
    if (arena->depth == 0) arena->used = 0;
}

#endif
