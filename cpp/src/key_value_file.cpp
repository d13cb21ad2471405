// Plain `key value ...` text files (see key_value_file.hpp).
#include "cerebellum/key_value_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace cerebellum {

namespace {
bool to_double(const std::string& s, double& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno != ERANGE;
}
}  // namespace

KeyValueFile KeyValueFile::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

KeyValueFile KeyValueFile::parse(const std::string& text, const std::string& name) {
  KeyValueFile f;
  f.name_ = name;
  std::istringstream lines(text);
  std::string line;
  int lineno = 0;
  while (std::getline(lines, line)) {
    ++lineno;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string key, w;
    if (!(words >> key)) continue;
    std::vector<std::string> vals;
    while (words >> w) vals.push_back(w);
    if (f.entries_.count(key))
      throw std::invalid_argument(name + ":" + std::to_string(lineno) + ": key '" + key +
                                  "' given twice");
    f.entries_.emplace(key, std::move(vals));
  }
  return f;
}

void KeyValueFile::fail(const std::string& key, const std::string& problem) const {
  throw std::invalid_argument(name_ + ": key '" + key + "': " + problem);
}

bool KeyValueFile::has(const std::string& key) const { return entries_.count(key) > 0; }

const std::vector<std::string>& KeyValueFile::values(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) fail(key, "missing");
  used_.insert(key);
  return it->second;
}

std::string KeyValueFile::string(const std::string& key) const {
  const auto& v = values(key);
  if (v.size() != 1) fail(key, "expected one value, got " + std::to_string(v.size()));
  return v[0];
}

double KeyValueFile::number(const std::string& key) const {
  double x;
  if (!to_double(string(key), x)) fail(key, "expected a number, got '" + string(key) + "'");
  return x;
}

double KeyValueFile::optional_number(const std::string& key) const {
  if (string(key) == "none") return std::nan("");
  return number(key);
}

long KeyValueFile::integer(const std::string& key, long lo, long hi) const {
  const double x = number(key);
  if (x != std::floor(x) || x < static_cast<double>(lo) || x > static_cast<double>(hi))
    fail(key, "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                  "], got " + string(key));
  return static_cast<long>(x);
}

bool KeyValueFile::boolean(const std::string& key) const { return integer(key, 0, 1) == 1; }

Eigen::VectorXd KeyValueFile::vector(const std::string& key, int n) const {
  const auto& v = values(key);
  if (n >= 0 && static_cast<int>(v.size()) != n)
    fail(key, "expected " + std::to_string(n) + " numbers, got " + std::to_string(v.size()));
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!to_double(v[i], out[static_cast<Eigen::Index>(i)]))
      fail(key, "entry " + std::to_string(i) + ": expected a number, got '" + v[i] + "'");
  return out;
}

void KeyValueFile::check_all_used() const {
  for (const auto& kv : entries_)
    if (!used_.count(kv.first)) fail(kv.first, "unknown key (format mismatch?)");
}

}  // namespace cerebellum
