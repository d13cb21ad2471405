// A plain text file of `key value ...` lines, as `cerebellum export` writes its controller and
// scenario files: one key per line, values separated by spaces, `#` starts a comment. Numbers use
// C's strtod syntax (`inf`, `nan` allowed); `none` stands for an absent optional value.
#pragma once

#include <Eigen/Core>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cerebellum {

/// Parsed once (allocates); every getter throws std::invalid_argument("FILE: key 'K': PROBLEM")
/// for a missing key or a malformed value. Getters mark keys as used; check_all_used() then
/// rejects keys nobody asked for (typos, a newer format).
class KeyValueFile {
 public:
  /// Throws std::invalid_argument when the file cannot be read or a line has no key.
  static KeyValueFile load(const std::string& path);
  static KeyValueFile parse(const std::string& text, const std::string& name);

  const std::string& name() const { return name_; }
  bool has(const std::string& key) const;
  /// Raw values of `key` (possibly none).
  const std::vector<std::string>& values(const std::string& key) const;
  std::string string(const std::string& key) const;  // exactly one value
  double number(const std::string& key) const;       // exactly one number
  /// One number, or NaN for `none`.
  double optional_number(const std::string& key) const;
  long integer(const std::string& key, long lo, long hi) const;
  bool boolean(const std::string& key) const;  // 0 / 1
  /// Numbers; n >= 0: exactly n of them.
  Eigen::VectorXd vector(const std::string& key, int n = -1) const;
  /// Throws when a key was never read by a getter.
  void check_all_used() const;
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

 private:
  std::string name_;
  std::map<std::string, std::vector<std::string>> entries_;
  mutable std::set<std::string> used_;
};

}  // namespace cerebellum
