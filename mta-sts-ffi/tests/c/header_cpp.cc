// The header is usable from C++ (cpp_compat): types, enum constants and calls.
#include <cstdio>
#include <cstring>

#include "mta_sts.h"

int main() {
    const char *body = "version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 86400\n";
    mta_sts_policy *policy = nullptr;
    if (mta_sts_policy_parse(reinterpret_cast<const uint8_t *>(body), std::strlen(body), &policy) !=
        MTA_STS_STATUS_OK) {
        return 1;
    }
    mta_sts_mode mode = MTA_STS_MODE_NONE;
    bool ok = mta_sts_policy_mode(policy, &mode) == MTA_STS_STATUS_OK && mode == MTA_STS_MODE_TESTING;
    mta_sts_policy_free(policy);
    std::printf("header_cpp: %s\n", ok ? "ok" : "failed");
    return ok ? 0 : 1;
}
