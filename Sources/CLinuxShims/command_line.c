// The command line for Swift's `CommandLine`, as the C library hands it over.
//
// With the Swift runtime linked statically (the hooks, lxc-passthrough), the
// runtime's own definition of `_swift_stdlib_getUnsafeArgvArgc` comes with a
// static constructor that finds argv by reading and sscanf-ing every line of
// /proc/self/maps, at every start whether the program looks at its arguments
// or not: 190,000 instructions and a file the kernel writes out, in programs
// that run at every container start. Defining the function here keeps the
// linker from taking that object (CommandLine.cpp.o) out of libswiftCore.a;
// glibc passes argc and argv to the functions of .init_array, before any
// Swift code runs. Against the shared runtime (debug builds, tests) the
// runtime binds its own hidden definition and this one goes unused.
//
// Should a later runtime take its object in all the same, the link fails
// with a duplicate symbol: never a silent second reader.

static int savedCount;
static char **savedArguments;

static void saveArguments(int count, char **arguments, char **environment) {
    (void)environment;
    savedCount = count;
    savedArguments = arguments;
}

__attribute__((section(".init_array"), used))
static void (*const saveArgumentsAtStart)(int, char **, char **) = saveArguments;

static char *noArguments[] = { 0 };

/// The runtime's `_swift_stdlib_getUnsafeArgvArgc` (swiftcall: the stdlib
/// declares it with `@_silgen_name`).
__attribute__((swiftcall, visibility("hidden")))
char **_swift_stdlib_getUnsafeArgvArgc(int *outArgLen) {
    if (!savedArguments) {
        *outArgLen = 0;
        return noArguments;
    }
    *outArgLen = savedCount;
    return savedArguments;
}
