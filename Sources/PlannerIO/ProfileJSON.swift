import PlannerJSON
/// JSON profiles (`prefill_raw_data.json`, `decode_raw_data.json`): one object,
/// each key an array of numbers, except `max_kv_tokens`, a plain integer. Numbers
/// go through the same parser as traces (Python's `NaN`/`Infinity` literals are
/// read, then rejected by the loader's finiteness check with the array and index).
enum ProfileJSON {
    static func read(path: String, keys: [String]) throws -> [String: NPYArray] {
        let bytes = try FileByteSource.readAll(path: path, limit: ProfileLoader.maximumFileSize)
        return try parse(bytes, path: path, keys: keys)
    }

    static func parse(_ bytes: [UInt8], path: String, keys: [String]) throws -> [String: NPYArray] {
        let document: JSONValue
        do {
            document = try bytes.withUnsafeBufferPointer { try JSONScanner.parseDocument($0) }
        } catch let error as LineError {
            throw PlannerIOError(path: path, message: error.message)
        } catch let error as JSONSyntaxError {
            throw PlannerIOError(path: path, message: error.lineMessage)
        }
        guard case .object(let members) = document else {
            throw PlannerIOError(path: path, message: "expected a JSON object, found \(document.kind)")
        }
        var arrays: [String: NPYArray] = [:]
        for key in keys {
            guard let value = members[key] else { throw PlannerIOError(path: path, message: "missing field \"\(key)\"") }
            switch value {
            case .number(let n) where key == "max_kv_tokens":
                arrays[key] = NPYArray(values: [n.value], isZeroDimensional: true)
            case .array(let elements):
                var values: [Double] = []
                values.reserveCapacity(elements.count)
                for (i, element) in elements.enumerated() {
                    guard case .number(let n) = element else {
                        throw PlannerIOError(path: path, message: "field \"\(key)\"[\(i)]: expected a number, found \(element.kind)")
                    }
                    values.append(n.value)
                }
                arrays[key] = NPYArray(values: values, isZeroDimensional: false)
            default:
                throw PlannerIOError(path: path, message: "field \"\(key)\": expected an array of numbers, found \(value.kind)")
            }
        }
        return arrays
    }
}
