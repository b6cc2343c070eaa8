import ArgumentParser
import Connectors
import Foundation
import Logging

/// How `run --environment virtual` and `virtual-client` reach etcd: endpoints from
/// ETCD_ENDPOINTS, credentials from these flags or, without them, from Dynamo's variables.
/// No flag takes a secret on the command line (it would show in `ps`), and no default shows
/// an environment value in --help.
struct EtcdOptions: ParsableArguments {
    @Option(help: ArgumentHelp("etcd user (etcd v3 authentication). Default: $ETCD_AUTH_USERNAME.", valueName: "name"))
    var etcdUsername: String?

    @Option(help: ArgumentHelp("File holding the etcd user's password (one line). Default: $ETCD_AUTH_PASSWORD.", valueName: "path"))
    var etcdPasswordFile: String?

    @Option(help: ArgumentHelp("PEM bundle of the CA that signs etcd's certificates (https endpoints). Default: $ETCD_AUTH_CA, else the system store.", valueName: "path"))
    var etcdCa: String?

    @Option(help: ArgumentHelp("PEM client certificate for etcd's --client-cert-auth. Default: $ETCD_AUTH_CLIENT_CERT.", valueName: "path"))
    var etcdCert: String?

    @Option(help: ArgumentHelp("PEM private key of --etcd-cert. Default: $ETCD_AUTH_CLIENT_KEY.", valueName: "path"))
    var etcdKey: String?

    var flags: EtcdSecurityFlags {
        EtcdSecurityFlags(username: etcdUsername, passwordFile: etcdPasswordFile, ca: etcdCa, cert: etcdCert, key: etcdKey)
    }

    /// One client for the whole process (one token, one set of TLS connections), or one clear
    /// error. `warn` hears about ignored variables (by name).
    func client(configuration: EtcdClientConfiguration = .init(), logger: Logger,
                warn: (String) -> Void) throws -> EtcdClient {
        let endpoints = try EtcdEndpoints.fromEnvironment()
        let security = try EtcdSecurity.resolve(flags: flags, warn: warn)
        return EtcdClient(endpoints: endpoints, configuration: configuration, security: security, logger: logger)
    }
}
