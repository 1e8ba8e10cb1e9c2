// Generated credentials of every built-in secret pattern format
// (core/secret_patterns.h), and look-alikes that must not be redacted, for the
// redaction tests and the torture suite's byte scan.
#ifndef EVBUS_TESTS_TESTUTIL_SECRET_TOKENS_H_
#define EVBUS_TESTS_TESTUTIL_SECRET_TOKENS_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace evbus::testutil {

struct SecretToken {
  std::string rule;   // the built-in that must fire
  std::string value;  // the whole token
};

class TokenMaker {
 public:
  explicit TokenMaker(std::uint32_t seed) : rng_(seed) {}

  std::string Chars(std::string_view alphabet, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[rng_() % alphabet.size()]);
    return s;
  }
  std::string Alnum(std::size_t n) { return Chars(kAlnum, n); }
  std::string Base64Url(std::size_t n) { return Chars(kBase64Url, n); }

  // One token of each built-in format (some formats twice, in variants).
  std::vector<SecretToken> All() {
    std::vector<SecretToken> t;
    for (std::string_view p : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
      t.push_back({"github_token", std::string(p) + Alnum(36)});
    }
    t.push_back({"github_fine_grained_token", "github_pat_" + Alnum(22) + "_" + Alnum(59)});
    t.push_back({"gitlab_token", "glpat-" + Base64Url(20)});
    t.push_back({"aws_access_key_id", "AKIA" + Chars(kUpperDigits, 16)});
    t.push_back({"aws_access_key_id", "ASIA" + Chars(kUpperDigits, 16)});
    for (std::string_view p : {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"}) {
      t.push_back({"slack_token", std::string(p) + Chars("0123456789", 12) + "-" + Alnum(24)});
    }
    t.push_back({"openai_api_key", "sk-" + Alnum(48)});
    t.push_back({"openai_api_key", "sk-proj-" + Base64Url(120)});
    t.push_back({"anthropic_api_key", "sk-ant-api03-" + Base64Url(93) + "AA"});
    t.push_back({"google_api_key", "AIza" + Base64Url(35)});
    t.push_back({"stripe_secret_key", "sk_live_" + Alnum(24)});
    t.push_back({"stripe_secret_key", "rk_live_" + Alnum(99)});
    t.push_back(
        {"jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + Base64Url(40) + "." + Base64Url(43)});
    t.push_back({"private_key", PemKey("RSA PRIVATE KEY")});
    t.push_back({"private_key", PemKey("OPENSSH PRIVATE KEY")});
    t.push_back({"private_key", PemKey("PRIVATE KEY")});
    return t;
  }

  std::string PemKey(std::string_view label) {
    std::string key = "-----BEGIN " + std::string(label) + "-----\n";
    for (int line = 0; line < 3; ++line) key += Chars(kBase64, 64) + "\n";
    key += Chars(kBase64, 20) + "==\n-----END " + std::string(label) + "-----";
    return key;
  }

  static constexpr std::string_view kAlnum =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static constexpr std::string_view kBase64Url =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  static constexpr std::string_view kBase64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

 private:
  std::mt19937 rng_;
};

// Text that resembles a token but is none (docs/redaction.md, "False
// positives"): every one must come out of redaction unchanged.
inline std::vector<std::string> LookAlikes() {
  return {
      "ghp_short",
      "ghp_0123456789abcdefghij",                  // 20 characters after the prefix: too short
      "task-management-service-configuration-v2",  // "sk-" inside a word
      "pip install sk-learn scikit-learn",
      "AKIAEXAMPLE",
      "XAKIAIOSFODNN7EXAMPLE12",           // AKIA inside a longer word
      "AKIAiosfodnn7example",              // lower case
      "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  // Stripe test key (not live)
      "AIzaShort",
      "glpat-short",
      "xoxb-123",
      "github_pat_tooshort",
      "eyJhbGciOiJIUzI1NiJ9",  // a JWT header alone
      "commit 3f786850e387550fdab836ed7e6dc881de23001b",
      "id 123e4567-e89b-12d3-a456-426614174000",
      "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC "
      "KEY-----",
      "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END "
      "CERTIFICATE-----",
      "-----BEGIN RSA PRIVATE KEY----- (the key itself was not printed)",
  };
}

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TESTUTIL_SECRET_TOKENS_H_
