@testable import Connectors
import XCTest

/// Which credentials the etcd client uses, from flags and Dynamo's ETCD_AUTH_* variables, with
/// the runtime's precedence (lib/runtime ClientOptions::default in Dynamo 1.0.2): username and
/// password first, then CA + client certificate + key; partial sets are ignored with a warning.
final class EtcdSecurityTests: XCTestCase {
    private var warnings: [String] = []

    private func resolve(_ environment: [String: String], flags: EtcdSecurityFlags = .init()) throws -> EtcdSecurity {
        try EtcdSecurity.resolve(flags: flags, environment: environment, warn: { self.warnings.append($0) })
    }

    func testNothingSetMeansNoCredentials() throws {
        let security = try resolve([:])
        XCTAssertNil(security.password)
        XCTAssertNil(security.tls)
        XCTAssertEqual("\(security)", "no credentials")
        XCTAssertEqual(warnings, [])
    }

    func testUsernameAndPasswordWinOverTLSVariablesAsInDynamo() throws {
        let security = try resolve(["ETCD_AUTH_USERNAME": "planner", "ETCD_AUTH_PASSWORD": "hunter2",
                                    "ETCD_AUTH_CA": "/nonexistent/ca.pem", "ETCD_AUTH_CLIENT_CERT": "/nonexistent/c.pem",
                                    "ETCD_AUTH_CLIENT_KEY": "/nonexistent/k.pem"])
        XCTAssertEqual(security.password?.username, "planner")
        XCTAssertEqual(security.password?.password, "hunter2")
        XCTAssertNil(security.tls, "the TLS variables are not even read")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("ETCD_AUTH_CA, ETCD_AUTH_CLIENT_CERT, ETCD_AUTH_CLIENT_KEY ignored"), warnings[0])
        XCTAssertFalse("\(security)".contains("hunter2"))
        XCTAssertFalse("\(security.password!)".contains("hunter2"))
        XCTAssertFalse("\(security)".contains("planner"), "descriptions name sources, not values: \(security)")
    }

    func testIncompleteSetsAreIgnoredWithAWarningNamingTheVariables() throws {
        let security = try resolve(["ETCD_AUTH_USERNAME": "planner", "ETCD_AUTH_CA": "/x/ca.pem"])
        XCTAssertNil(security.password)
        XCTAssertNil(security.tls)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("ETCD_AUTH_USERNAME, ETCD_AUTH_CA set but incomplete"), warnings[0])
        XCTAssertFalse(warnings[0].contains("planner"))
    }

    func testTLSVariablesNameTheVariableWhenTheirContentIsBad() throws {
        XCTAssertThrowsError(try resolve(["ETCD_AUTH_CA": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
                                          "ETCD_AUTH_CLIENT_CERT": "/x/c.pem", "ETCD_AUTH_CLIENT_KEY": "/x/k.pem"])) { error in
            XCTAssertEqual("\(error)", "etcd CA the PEM text in ETCD_AUTH_CA holds no PEM certificate")
        }
        XCTAssertThrowsError(try resolve(["ETCD_AUTH_CA": "/nonexistent/ca.pem", "ETCD_AUTH_CLIENT_CERT": "/x/c.pem",
                                          "ETCD_AUTH_CLIENT_KEY": "/x/k.pem"])) { error in
            XCTAssertEqual("\(error)", "etcd CA /nonexistent/ca.pem (ETCD_AUTH_CA): no such file")
        }
    }

    func testFlagsReplaceTheEnvironmentAndComeInCompleteSets() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("etcd-sec-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("password")
        try "s3cret\n".write(to: file, atomically: true, encoding: .utf8)
        let environment = ["ETCD_AUTH_USERNAME": "env-user", "ETCD_AUTH_PASSWORD": "env-password"]
        let security = try resolve(environment, flags: EtcdSecurityFlags(username: "flag-user", passwordFile: file.path))
        XCTAssertEqual(security.password?.username, "flag-user")
        XCTAssertEqual(security.password?.password, "s3cret", "the file's trailing newline is not part of the password")
        XCTAssertEqual(security.password?.source, "--etcd-username/--etcd-password-file")

        let errors: [(EtcdSecurityFlags, String)] = [
            (EtcdSecurityFlags(username: "u"), "--etcd-username needs --etcd-password-file"),
            (EtcdSecurityFlags(passwordFile: file.path), "--etcd-password-file needs --etcd-username"),
            (EtcdSecurityFlags(username: "u", passwordFile: directory.path),
             "etcd password file \(directory.path) (--etcd-password-file): is a directory, not a file"),
            (EtcdSecurityFlags(username: "u", passwordFile: directory.appendingPathComponent("none").path),
             "etcd password file \(directory.appendingPathComponent("none").path) (--etcd-password-file): no such file"),
            (EtcdSecurityFlags(key: "/x/k.pem"), "--etcd-cert and --etcd-key go together (a client certificate needs its key)"),
        ]
        for (flags, expected) in errors {
            XCTAssertThrowsError(try resolve(environment, flags: flags)) { error in
                XCTAssertEqual("\(error)", expected)
                XCTAssertEqual((error as? EtcdError)?.isConfigurationProblem, true)
            }
        }
        try "\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try resolve([:], flags: EtcdSecurityFlags(username: "u", passwordFile: file.path))) { error in
            XCTAssertTrue("\(error)".hasSuffix("(--etcd-password-file) is empty"), "\(error)")
        }
    }
}
