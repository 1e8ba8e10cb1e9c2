// EVBUS_UNDER_ASAN: defined when this translation unit is built with
// AddressSanitizer (GCC's -fsanitize=address defines __SANITIZE_ADDRESS__;
// clang reports it through __has_feature), for the few tests whose bounds
// on memory or page faults ASan's own shadow and quarantine would break.
#ifndef EVBUS_TESTS_TESTUTIL_SANITIZERS_H_
#define EVBUS_TESTS_TESTUTIL_SANITIZERS_H_

#if defined(__SANITIZE_ADDRESS__)
#define EVBUS_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVBUS_UNDER_ASAN 1
#endif
#endif

#endif  // EVBUS_TESTS_TESTUTIL_SANITIZERS_H_
