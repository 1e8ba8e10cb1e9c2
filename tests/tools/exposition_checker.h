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

inline Exposition CheckExposition(const std::string& text) {
  Exposition x;
  std::set<std::string> helped, finished;
  std::string current;  // family whose samples are being written
  std::istringstream in(text);
  int n = 0;
  auto fail = [&](const std::string& what) {
    x.problems.push_back("line " + std::to_string(n) + ": " + what);
  };
  for (std::string line; std::getline(in, line);) {
    ++n;
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, kind, name, rest;
      words >> hash >> kind >> name;
      std::getline(words, rest);
      if (kind != "HELP" && kind != "TYPE") continue;  // a plain comment
      if (!IsMetricName(name)) fail("bad metric name '" + name + "'");
      if (finished.count(name) != 0 || (name == current)) fail(kind + " after samples of " + name);
      if (kind == "HELP") {
        if (!helped.insert(name).second) fail("second HELP for " + name);
        if (rest.size() < 2) fail("empty HELP for " + name);
        continue;
      }
      const std::string type = rest.empty() ? "" : rest.substr(1);
      if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" &&
          type != "untyped") {
        fail("bad TYPE '" + type + "'");
      }
      if (!x.types.emplace(name, type).second) fail("second TYPE for " + name);
      if (helped.count(name) == 0) fail("TYPE before HELP for " + name);
      const bool total = name.size() > 6 && name.compare(name.size() - 6, 6, "_total") == 0;
      if ((type == "counter") != total) fail(name + ": counters, and only counters, end in _total");
      if (name.rfind("evbus_", 0) != 0) fail(name + " lacks the evbus_ prefix");
      continue;
    }
    std::size_t pos = 0;
    while (pos < line.size() && line[pos] != '{' && line[pos] != ' ') ++pos;
    const std::string name = line.substr(0, pos);
    if (!IsMetricName(name)) fail("bad metric name '" + name + "'");
    if (x.types.count(name) == 0) fail("sample of " + name + " before its TYPE");
    if (name != current) {
      if (!current.empty()) finished.insert(current);
      if (finished.count(name) != 0) fail("samples of " + name + " not in one block");
      current = name;
    }
    std::string problem;
    if (pos < line.size() && line[pos] == '{' && !ParseLabels(line, &pos, &problem)) {
      fail(problem);
      continue;
    }
    const std::string key = line.substr(0, pos);
    if (pos >= line.size() || line[pos] != ' ') {
      fail("no value");
      continue;
    }
    std::istringstream rest(line.substr(pos + 1));
    std::string value, timestamp, extra;
    rest >> value >> timestamp >> extra;
    double v = 0;
    if (!ParseValue(value, &v)) fail("bad value '" + value + "'");
    if (!timestamp.empty() && !ParseValue(timestamp, &v)) fail("bad timestamp");
    if (!extra.empty()) fail("trailing text");
    ParseValue(value, &v);
    if (!x.samples.emplace(key, v).second) fail("duplicate sample " + key);
  }
  return x;
}

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TOOLS_EXPOSITION_CHECKER_H_
