/* assert for hullvm programs. A failed assertion prints "Assertion failed: " with the
 * expression, the source file's name and the line, then calls abort, which stops the program
 * with the WebAssembly trap 'unreachable'. Defining NDEBUG turns assert off. This header may
 * be included again with NDEBUG changed, as the C standard allows. */
#undef assert
#ifdef NDEBUG
#define assert(condition) ((void)0)
#else
#define assert(condition) \
    ((condition) ? (void)0 : __hullvm_assert_fail(#condition, __FILE_NAME__, __LINE__))
#endif

#ifndef HULLVM_ASSERT_H
#define HULLVM_ASSERT_H
__attribute__((noreturn)) void __hullvm_assert_fail(const char *condition, const char *file,
                                                    int line);
#ifndef __cplusplus
#define static_assert _Static_assert
#endif
#endif
