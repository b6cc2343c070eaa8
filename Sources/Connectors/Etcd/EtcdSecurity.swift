import Foundation

/// How a client proves itself to etcd: a user name and password (etcd's v3 token
/// authentication), a client certificate (mutual TLS), both, or neither.
///
/// Values are held here and nowhere else; `description` says where they came from, never
/// what they are, so a configuration can be logged and an error can name its source.
public struct EtcdSecurity: Sendable, CustomStringConvertible {
    public var password: EtcdPasswordCredentials?
    public var tls: EtcdTLSSettings?

    public init(password: EtcdPasswordCredentials? = nil, tls: EtcdTLSSettings? = nil) {
        self.password = password
        self.tls = tls
    }

    public static let none = EtcdSecurity()

    public var description: String {
        var parts: [String] = []
        if let password { parts.append("user and password from \(password.source)") }
        if let tls { parts.append(tls.description) }
        return parts.isEmpty ? "no credentials" : parts.joined(separator: ", ")
    }
}

/// A user name and password for `/v3/auth/authenticate`.
public struct EtcdPasswordCredentials: Sendable, CustomStringConvertible {
    let username: String
    let password: String
    /// Where both came from, e.g. `ETCD_AUTH_USERNAME/ETCD_AUTH_PASSWORD`: errors name this
    /// instead of the values.
    public let source: String

    public init(username: String, password: String, source: String) {
        self.username = username
        self.password = password
        self.source = source
    }

    public var description: String { "etcd user and password from \(source)" }
}

/// Where the raw security settings come from: flags override the environment.
///
/// The environment follows Dynamo's runtime (lib/runtime, `ClientOptions::default`): when
/// `ETCD_AUTH_USERNAME` and `ETCD_AUTH_PASSWORD` are both set, they are used and the TLS
/// variables are ignored; otherwise `ETCD_AUTH_CA`, `ETCD_AUTH_CLIENT_CERT` and
/// `ETCD_AUTH_CLIENT_KEY` are used when all three are set. Dynamo 1.0.2 reads the three TLS
/// variables as PEM text; a path to a PEM file is accepted too.
///
/// Flags (any one of them given) replace the environment as a whole, may combine a password
/// with a client certificate, and must come in complete sets.
public struct EtcdSecurityFlags: Sendable, Equatable {
    public var username: String?
    public var passwordFile: String?
    public var ca: String?
    public var cert: String?
    public var key: String?

    public init(username: String? = nil, passwordFile: String? = nil, ca: String? = nil,
                cert: String? = nil, key: String? = nil) {
        self.username = username
        self.passwordFile = passwordFile
        self.ca = ca
        self.cert = cert
        self.key = key
    }

    var isEmpty: Bool { [username, passwordFile, ca, cert, key].allSatisfy { $0 == nil } }

    public enum Variable {
        public static let username = "ETCD_AUTH_USERNAME"
        public static let password = "ETCD_AUTH_PASSWORD"
        public static let ca = "ETCD_AUTH_CA"
        public static let cert = "ETCD_AUTH_CLIENT_CERT"
        public static let key = "ETCD_AUTH_CLIENT_KEY"
    }
}

extension EtcdSecurity {
    /// Resolves flags and environment (see `EtcdSecurityFlags`) and loads every file named.
    /// `warn` hears about variables set but ignored (by name, never by value).
    public static func resolve(flags: EtcdSecurityFlags = .init(),
                               environment: [String: String] = ProcessInfo.processInfo.environment,
                               warn: (String) -> Void = { _ in }) throws -> EtcdSecurity {
        flags.isEmpty ? try fromEnvironment(environment, warn: warn) : try fromFlags(flags)
    }

    static func fromEnvironment(_ environment: [String: String], warn: (String) -> Void) throws -> EtcdSecurity {
        typealias V = EtcdSecurityFlags.Variable
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        if let username = value(V.username), let password = value(V.password) {
            let ignored = [V.ca, V.cert, V.key].filter { value($0) != nil }
            if !ignored.isEmpty {
                warn("\(ignored.joined(separator: ", ")) ignored: \(V.username)/\(V.password) take precedence (as in Dynamo's runtime)")
            }
            return EtcdSecurity(password: EtcdPasswordCredentials(
                username: username, password: password, source: "\(V.username)/\(V.password)"))
        }
        if let ca = value(V.ca), let cert = value(V.cert), let key = value(V.key) {
            return EtcdSecurity(tls: try EtcdTLSSettings(
                ca: .init(text: ca, source: V.ca), certificate: .init(text: cert, source: V.cert),
                key: .init(text: key, source: V.key)))
        }
        let partial = [V.username, V.password, V.ca, V.cert, V.key].filter { value($0) != nil }
        if !partial.isEmpty {
            warn("\(partial.joined(separator: ", ")) set but incomplete: etcd is reached without credentials (needs \(V.username) with \(V.password), or \(V.ca) with \(V.cert) and \(V.key))")
        }
        return .none
    }

    static func fromFlags(_ flags: EtcdSecurityFlags) throws -> EtcdSecurity {
        var security = EtcdSecurity()
        switch (flags.username, flags.passwordFile) {
        case let (username?, file?):
            guard !username.isEmpty else { throw EtcdError.configuration("--etcd-username is empty") }
            let password = try EtcdPEMSource.readFile(file, what: "etcd password file \(file) (--etcd-password-file)")
            // A trailing newline is how editors and `echo` end files; it is never part of a password.
            var text = String(decoding: password, as: UTF8.self)
            while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
            guard !text.isEmpty else { throw EtcdError.configuration("etcd password file \(file) (--etcd-password-file) is empty") }
            security.password = EtcdPasswordCredentials(username: username, password: text,
                                                        source: "--etcd-username/--etcd-password-file")
        case (nil, nil):
            break
        case (_?, nil):
            throw EtcdError.configuration("--etcd-username needs --etcd-password-file")
        case (nil, _?):
            throw EtcdError.configuration("--etcd-password-file needs --etcd-username")
        }
        if flags.cert != nil || flags.key != nil || flags.ca != nil {
            guard (flags.cert == nil) == (flags.key == nil) else {
                throw EtcdError.configuration("--etcd-cert and --etcd-key go together (a client certificate needs its key)")
            }
            security.tls = try EtcdTLSSettings(
                ca: flags.ca.map { .init(text: $0, source: "--etcd-ca") },
                certificate: flags.cert.map { .init(text: $0, source: "--etcd-cert") },
                key: flags.key.map { .init(text: $0, source: "--etcd-key") })
        }
        return security
    }
}
