import Foundation
import PlannerJSON

extension JSONScanner {
    /// `JSONScanner.read` over an answer's body (strict RFC 8259).
    static func read<T>(_ data: Data, _ body: (inout JSONScanner) throws -> T) throws -> T {
        try data.withUnsafeBytes { raw in try read(raw.bindMemory(to: UInt8.self), body) }
    }
}
