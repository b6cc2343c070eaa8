/// A 1-D numeric array from a `.npy` file (format versions 1.0, 2.0, 3.0), converted
/// to Double. Accepts what numpy writes for profiles — little-endian `<f8 <i8 <f4
/// <i4`, C order, 1-D (or 0-D, read as one element) — and refuses everything else
/// with a message naming the array.
struct NPYArray {
    var values: [Double]
    var isZeroDimensional: Bool

    /// Larger arrays are refused before any allocation (a profile holds hundreds).
    static let maximumElements = 1 << 24
    static let maximumHeaderLength = 1 << 16

    static func parse(_ bytes: [UInt8], name: String, path: String) throws -> NPYArray {
        func fail(_ message: String) -> PlannerIOError {
            PlannerIOError(path: path, message: "array \(name): \(message)")
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("not a .npy array (bad magic)") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw fail(".npy format version \(major).\(bytes[7]) is not supported (1.0, 2.0, 3.0 are)")
        }
        guard headerLength <= maximumHeaderLength, headerStart + headerLength <= bytes.count else {
            throw fail("header length \(headerLength) overruns the array")
        }
        let header = try NPYHeader.parse(Array(bytes[headerStart..<(headerStart + headerLength)]), fail: fail)
        let itemSize: Int
        switch header.descr {
        case "<f8", "<i8": itemSize = 8
        case "<f4", "<i4": itemSize = 4
        case let d where d.hasPrefix(">") && d.count == 3:
            throw fail("dtype \(d) is big-endian; only little-endian <f8 <i8 <f4 <i4 are supported")
        case let d:
            throw fail("dtype \(d) is not supported (expected <f8, <i8, <f4 or <i4)")
        }
        guard !header.fortranOrder else { throw fail("fortran_order arrays are not supported (save in C order)") }
        guard header.shape.count <= 1 else { throw fail("has \(header.shape.count) dimensions \(header.shape); expected 1-D") }
        let count = header.shape.first ?? 1
        guard count <= maximumElements else { throw fail("declares \(count) elements (limit \(maximumElements))") }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart == count * itemSize else {
            throw fail("holds \(bytes.count - dataStart) data bytes, but shape \(header.shape) of \(header.descr) needs \(count * itemSize)")
        }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let at = dataStart + i * itemSize
                switch header.descr {
                case "<f8": values[i] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                case "<i8": values[i] = Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                case "<f4": values[i] = Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
                default: values[i] = Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                }
            }
        }
        return NPYArray(values: values, isZeroDimensional: header.shape.isEmpty)
    }
}

/// The Python-literal dictionary of a `.npy` header:
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (16,), }`.
struct NPYHeader {
    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    static func parse(_ text: [UInt8], fail: (String) -> PlannerIOError) throws -> NPYHeader {
        var i = 0
        func skipSpace() { while i < text.count && [0x20, 0x09, 0x0A, 0x0D].contains(text[i]) { i += 1 } }
        func expect(_ c: UInt8) throws {
            skipSpace()
            guard i < text.count && text[i] == c else { throw fail("malformed header dictionary at byte \(i)") }
            i += 1
        }
        func string() throws -> String {
            skipSpace()
            guard i < text.count, text[i] == 0x27 || text[i] == 0x22 else { throw fail("malformed header: expected a quoted string at byte \(i)") }
            let quote = text[i]
            i += 1
            let start = i
            while i < text.count && text[i] != quote { i += 1 }
            guard i < text.count else { throw fail("malformed header: unterminated string") }
            i += 1
            return String(decoding: text[start..<(i - 1)], as: UTF8.self)
        }
        func integer() throws -> Int {
            skipSpace()
            var value = 0, digits = 0
            while i < text.count, text[i] &- 0x30 <= 9 {
                guard value <= (Int.max - 9) / 10 else { throw fail("shape dimension is too large") }
                value = value * 10 + Int(text[i] - 0x30)
                i += 1; digits += 1
            }
            if i < text.count && text[i] == 0x4C { i += 1 } // Python 2 long suffix
            guard digits > 0 else { throw fail("malformed header: expected a dimension at byte \(i)") }
            return value
        }
        var header = NPYHeader()
        var seen = Set<String>()
        try expect(0x7B)
        while true {
            skipSpace()
            if i < text.count && text[i] == 0x7D { break }
            let key = try string()
            try expect(0x3A)
            skipSpace()
            switch key {
            case "descr": header.descr = try string()
            case "fortran_order":
                if text[i...].starts(with: Array("True".utf8)) { header.fortranOrder = true; i += 4 }
                else if text[i...].starts(with: Array("False".utf8)) { header.fortranOrder = false; i += 5 }
                else { throw fail("malformed header: fortran_order must be True or False") }
            case "shape":
                try expect(0x28)
                header.shape = []
                while true {
                    skipSpace()
                    if i < text.count && text[i] == 0x29 { i += 1; break }
                    header.shape.append(try integer())
                    guard header.shape.count <= 32 else { throw fail("shape has too many dimensions") }
                    skipSpace()
                    if i < text.count && text[i] == 0x2C { i += 1 }
                    else if !(i < text.count && text[i] == 0x29) { throw fail("malformed shape tuple at byte \(i)") }
                }
            default:
                throw fail("unexpected header key '\(key)'")
            }
            seen.insert(key)
            skipSpace()
            if i < text.count && text[i] == 0x2C { i += 1; continue }
            try expect(0x7D)
            break
        }
        guard seen.isSuperset(of: ["descr", "fortran_order", "shape"]) else {
            throw fail("header lacks \(["descr", "fortran_order", "shape"].filter { !seen.contains($0) }.joined(separator: ", "))")
        }
        return header
    }
}
