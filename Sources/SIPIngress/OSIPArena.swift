#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import COSIP2

/// A per-thread bump arena that libosip2 allocates from while `OSIPCodec` parses one message or
/// session description (the arena itself is C, in `COSIP2.h`: a thread-local is what makes it
/// cheap, and Swift has none).
///
/// libosip2 builds every header, URI and parameter of a message as its own `malloc`ed object and
/// frees them one by one: for a carrier INVITE about 6.5 KiB in a few hundred blocks, and glibc's
/// `malloc` and `free` were about 45 % of libosip2's parse (Benchmarks/README.md, finding G).
/// Within `withArena`, libosip2's allocator hooks (`osip_set_allocators`) hand out 16-byte
/// aligned blocks from one 64 KiB buffer per thread; freeing one does nothing, and the buffer is
/// reused from its start when the outermost scope ends; when every block of a parse is in the
/// buffer, the codec skips `osip_message_free`'s walk over them altogether. Nothing allocated
/// inside a scope may be used after it: `OSIPCodec` copies what it keeps into Swift values
/// before returning, on the same thread.
///
/// Outside a scope, and for a parse that outgrows the buffer, the hooks pass through to
/// `malloc`/`realloc`/`free`; `free` tells the two apart by address. Under AddressSanitizer (the
/// fuzzing builds) the hooks are not installed, so the sanitizer still checks every libosip2
/// allocation on its own.
enum OSIPArena {
    /// Whether the hooks are installed; `OSIPCodec.parserReady` reads it once, after `parser_init`.
    static let installed: Bool = {
        guard dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") == nil else { return false }
        osip_set_allocators(cosip_arena_malloc, cosip_arena_realloc, cosip_arena_free)
        return true
    }()

    /// Runs `body` with libosip2 allocating from this thread's arena; scopes nest.
    static func withArena<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        guard begin() else { return try body() }
        defer { end() }
        return try body()
    }

    /// Whether every libosip2 block of the scopes open now lies in this thread's arena, so the
    /// scope's end reclaims it: freeing an osip structure block by block (`osip_message_free`
    /// walks every header, URI and parameter) can then be skipped. False outside a scope, when
    /// the hooks are off, and once a block had to come from `malloc`.
    @inline(never)
    static func holdsEverything() -> Bool { cosip_arena_holds_everything() != 0 }

    /// The heap blocks libosip2 took through the hooks on this thread and has not freed.
    @inline(never)
    static func heapBlocks() -> Int { cosip_arena_heap_blocks() }

    /// The bytes handed out by this thread's arena in the scopes open now.
    @inline(never)
    static func bytesInUse() -> Int { cosip_arena_in_use() }

    /// A block of `byteCount` bytes from this thread's arena inside a scope (the scope's end
    /// reclaims it), else from `malloc`; give it back with `release`.
    @inline(never)
    static func allocate(byteCount: Int) -> UnsafeMutableRawPointer? { cosip_arena_malloc(byteCount) }

    /// Gives back a block from `allocate` (nothing to do for one in the arena).
    @inline(never)
    static func release(_ block: UnsafeMutableRawPointer) { cosip_arena_free(block) }

    // Every call into the arena's C functions stays in this file and out of line: the compiler
    // gives each file that uses a header's static function its own copy of it and of its
    // thread-local, and the hooks installed above are this file's copies.
    @inline(never)
    private static func begin() -> Bool { installed && cosip_arena_begin() != 0 }

    @inline(never)
    private static func end() { cosip_arena_end() }
}
