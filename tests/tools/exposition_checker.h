// A checker for Prometheus' text exposition format 0.0.4, for tests of
// `evbus inspect --prometheus`: validates the grammar (metric and label
// names, quoted and escaped label values, float values), that HELP and TYPE
// come before a family's samples and each family is written in one block,
// and evbus' naming rules (evbus_ prefix, counters and only counters end in
// _total). Returns the samples so tests can check values.
#ifndef EVBUS_TESTS_TOOLS_EXPOSITION_CHECKER_H_
#define EVBUS_TESTS_TOOLS_EXPOSITION_CHECKER_H_

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace evbus::testutil {

struct Exposition {
  std::vector<std::string> problems;         // empty: valid
  std::map<std::string, double> samples;     // "name{labels as written}" -> value
  std::map<std::string, std::string> types;  // family -> type
};

inline bool IsMetricName(const std::string& s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

inline bool IsLabelName(const std::string& s) {
  return IsMetricName(s) && s.find(':') == std::string::npos;
}

inline bool ParseValue(const std::string& s, double* v) {
  if (s == "+Inf" || s == "-Inf" || s == "NaN") {
    *v = s == "NaN" ? NAN : (s[0] == '-' ? -INFINITY : INFINITY);
    return true;
  }
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return !s.empty() && *end == '\0';
}

// Parses `{a="x",b="y"}` starting at line[*pos] == '{'; advances past '}'.
inline bool ParseLabels(const std::string& line, std::size_t* pos, std::string* problem) {
  std::size_t i = *pos + 1;
  std::set<std::string> seen;
  while (i < line.size() && line[i] != '}') {
    std::size_t eq = line.find('=', i);
    if (eq == std::string::npos) return (*problem = "label without '='"), false;
    const std::string name = line.substr(i, eq - i);
    if (!IsLabelName(name)) return (*problem = "bad label name '" + name + "'"), false;
    if (!seen.insert(name).second) return (*problem = "label '" + name + "' twice"), false;
    if (eq + 1 >= line.size() || line[eq + 1] != '"') return (*problem = "unquoted value"), false;
    i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\') {
        if (i + 1 >= line.size() || std::string("\\\"n").find(line[i + 1]) == std::string::npos) {
          return (*problem = "bad escape in label value"), false;
        }
        ++i;
      }
    }
    if (i >= line.size()) return (*problem = "unterminated label value"), false;
    ++i;  // closing quote
    if (i < line.size() && line[i] == ',') ++i;
  }
  if (i >= line.size()) return (*problem = "unterminated label set"), false;
  *pos = i + 1;
  return true;
}

// The checker's state across lines: which families had HELP, which are
// finished (their block of samples ended), and which is being written.
class ExpositionChecker {
 public:
  Exposition Check(const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      ++n_;
      if (line.empty()) continue;
      if (line[0] == '#') {
        CheckComment(line);
      } else {
        CheckSample(line);
      }
    }
    return x_;
  }

 private:
  void Fail(const std::string& what) {
    x_.problems.push_back("line " + std::to_string(n_) + ": " + what);
  }

  // `# HELP name text` or `# TYPE name type`; any other comment is plain.
  void CheckComment(const std::string& line) {
    std::istringstream words(line);
    std::string hash, kind, name, rest;
    words >> hash >> kind >> name;
    std::getline(words, rest);
    if (kind != "HELP" && kind != "TYPE") return;  // a plain comment
    if (!IsMetricName(name)) Fail("bad metric name '" + name + "'");
    if (finished_.count(name) != 0 || (name == current_)) Fail(kind + " after samples of " + name);
    if (kind == "HELP") {
      if (!helped_.insert(name).second) Fail("second HELP for " + name);
      if (rest.size() < 2) Fail("empty HELP for " + name);
      return;
    }
    CheckType(name, rest.empty() ? "" : rest.substr(1));
  }

  void CheckType(const std::string& name, const std::string& type) {
    if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
        type != "untyped") {
      Fail("bad TYPE '" + type + "'");
    }
    if (!x_.types.emplace(name, type).second) Fail("second TYPE for " + name);
    if (helped_.count(name) == 0) Fail("TYPE before HELP for " + name);
    const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
    if ((type == "counter") != total) Fail(name + ": counters, and only counters, end in _total");
    if (name.rfind("evbus_", 0) != 0) Fail(name + " lacks the evbus_ prefix");
  }

  // `name{labels} value [timestamp]`.
  void CheckSample(const std::string& line) {
    std::size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    const std::string name = line.substr(0, pos);
    if (!IsMetricName(name)) Fail("bad metric name '" + name + "'");
    if (x_.types.count(name) == 0) Fail("sample of " + name + " before its TYPE");
    if (name != current_) {
      if (!current_.empty()) finished_.insert(current_);
      if (finished_.count(name) != 0) Fail("samples of " + name + " not in one block");
      current_ = name;
    }
    std::string problem;
    if (pos < line.size() && line[pos] == '{' && !ParseLabels(line, &pos, &problem)) {
      Fail(problem);
      return;
    }
    const std::string key = line.substr(0, pos);
    if (pos >= line.size() || line[pos] != ' ') {
      Fail("no value");
      return;
    }
    CheckSampleValue(key, line.substr(pos + 1));
  }

  void CheckSampleValue(const std::string& key, const std::string& text) {
    std::istringstream rest(text);
    std::string value, timestamp, extra;
    rest >> value >> timestamp >> extra;
    double v = 0;
    if (!ParseValue(value, &v)) Fail("bad value '" + value + "'");
    if (!timestamp.empty() && !ParseValue(timestamp, &v)) Fail("bad timestamp");
    if (!extra.empty()) Fail("trailing text");
    ParseValue(value, &v);
    if (!x_.samples.emplace(key, v).second) Fail("duplicate sample " + key);
  }

  Exposition x_;
  std::set<std::string> helped_, finished_;
  std::string current_;  // family whose samples are being written
  int n_ = 0;            // the line number
};

inline Exposition CheckExposition(const std::string& text) {
  return ExpositionChecker().Check(text);
}

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TOOLS_EXPOSITION_CHECKER_H_
