import Foundation

/// The `planner` commands of a Markdown file's shell blocks (```sh or ```bash):
/// backslash-continued lines joined, comments dropped, leading `NAME=value`
/// assignments taken as the environment, words split as a POSIX shell splits
/// plain, single- and double-quoted text (no expansion: README commands use none).
struct ReadmeCommand: CustomStringConvertible {
    var environment: [String: String]
    /// The words after `planner`; the first is the sub-command.
    var arguments: [String]
    /// 1-based line of the Markdown file where the command starts.
    var line: Int

    var subcommand: String { arguments.first ?? "" }
    var description: String { "README.md:\(line): planner \(arguments.joined(separator: " "))" }

    /// The value following `flag` (as `--flag value` or `--flag=value`), if any.
    func value(of flag: String) -> String? {
        for (i, word) in arguments.enumerated() {
            if word == flag, i + 1 < arguments.count { return arguments[i + 1] }
            if word.hasPrefix(flag + "=") { return String(word.dropFirst(flag.count + 1)) }
        }
        return nil
    }

    /// Parses every `planner` command in the shell blocks of `markdown`.
    static func extract(from markdown: String) throws -> [ReadmeCommand] {
        var commands: [ReadmeCommand] = []
        var inShell = false, pending = "", pendingLine = 0
        for (index, raw) in markdown.components(separatedBy: "\n").enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                let language = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                inShell = !inShell && (language == "sh" || language == "bash" || language == "shell")
                pending = ""
                continue
            }
            guard inShell, !(pending.isEmpty && (line.isEmpty || line.hasPrefix("#"))) else { continue }
            if pending.isEmpty { pendingLine = index + 1 }
            if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
            let words = try split(pending + line, line: pendingLine)
            pending = ""
            var environment: [String: String] = [:], rest = words[...]
            while let word = rest.first, let eq = word.firstIndex(of: "="), !word.hasPrefix("-"),
                  word[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                environment[String(word[..<eq])] = String(word[word.index(after: eq)...])
                rest = rest.dropFirst()
            }
            guard rest.first == "planner" else { continue }
            commands.append(ReadmeCommand(environment: environment, arguments: Array(rest.dropFirst()), line: pendingLine))
        }
        return commands
    }

    struct SyntaxError: Error, CustomStringConvertible {
        let line: Int
        var description: String { "README.md:\(line): unterminated quote in a shell command" }
    }

    static func split(_ text: String, line: Int) throws -> [String] {
        var words: [String] = [], word = "", inWord = false
        var quote: Character? = nil
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c; inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(word); word = ""; inWord = false }
            } else {
                word.append(c); inWord = true
            }
        }
        if quote != nil { throw SyntaxError(line: line) }
        if inWord { words.append(word) }
        return words
    }
}
